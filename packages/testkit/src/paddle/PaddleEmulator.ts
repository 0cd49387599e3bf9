/**
 * A stateful Paddle Billing emulator for refunds, which Paddle models as adjustments: `POST /adjustments`
 * (`action: "refund"`, `type: "full"` or `"partial"` with `items`), `GET /adjustments` (filters, `after` cursor,
 * `per_page`, `order_by=id[ASC|DESC]`), `GET /transactions/:id` (to read a transaction's line item ids), Paddle's
 * `{ error: { type, code, detail, documentation_url, errors? }, meta: { request_id } }` bodies, Bearer API keys,
 * and `Paddle-Signature: ts=…;h1=…` webhooks (`adjustment.created`, `adjustment.updated`).
 *
 * What Paddle does, and this emulator too (sources in connectors/paddle/README.md, "Facts and sources"):
 * - no idempotency key: every accepted `POST /adjustments` creates an adjustment. While a refund of a
 *   transaction is `pending_approval`, another adjustment on it is refused with `adjustment_pending_refund_request`
 *   (400), which is what stops most duplicate refunds;
 * - no single-adjustment read (`GET /adjustments/{id}` does not exist): read one with `GET /adjustments?id=adj_…`;
 * - refunds start `pending_approval` and become `approved` or `rejected` (sandbox: approved automatically "every ten
 *   minutes"); an approved refund can later be `reversed`.
 *
 * Emulator simplifications: a transaction seeded with `createPayment` has ONE line item, whose id is
 * `txnitm_` followed by the transaction id's 26 characters (real Paddle ids are unrelated: read them from
 * `GET /transactions/:id` `details.line_items[].id`, as this emulator also answers). No tax: totals.tax is 0.
 *
 * @since 0.1.0
 */
import { createHash, randomUUID } from "node:crypto"
import { Context, Effect, Layer } from "effect"
import type { Scope } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"
import type { ServeError } from "effect/http/HttpServerError"
import type { Emulator, EmulatorOptions, EmulatorService, Outcome } from "../emulator/Emulator.ts"
import type { EmulatorRequest } from "../emulator/Http.ts"
import { json, randomString, readRequest } from "../emulator/Http.ts"
import { checkLag } from "../emulator/ListingIndex.ts"
import type { Lifecycle, PaymentRecord, RefundRecord, Step } from "../emulator/RefundStore.ts"
import * as RetrySchedule from "../emulator/RetrySchedule.ts"
import * as Server from "../emulator/Server.ts"
import { hmacSha256Hex } from "../emulator/Webhooks.ts"
import type { CreateParams, ListParams } from "./PaddleRequest.ts"
import { createParams, errorResponse, idPattern, isResponse, listParams } from "./PaddleRequest.ts"

export { errorResponse } from "./PaddleRequest.ts"

export interface PaddleEmulatorOptions extends EmulatorOptions {
  /** How long (emulator ms) a new adjustment takes to show in `GET /adjustments`. Paddle documents none: 0. */
  readonly listLagMillis?: number
}

/** Default API key, in the shape of Paddle's sandbox keys (`pdl_sdbx_apikey_…`). */
export const defaultApiKey = "pdl_sdbx_apikey_01emulatorkey0000000000000000_EmulatorSecretPart0123456789"
/** Default endpoint secret key (Paddle's look like `pdl_ntfset_…`). */
export const defaultWebhookSecret = "pdl_ntfset_01emulator00000000000000000_EmulatorWebhookSecret000000"

/** Paddle's adjustment statuses (SDK `AdjustmentStatus`). */
export type AdjustmentStatus = "pending_approval" | "approved" | "rejected" | "reversed"

export interface PaddleRefundAttributes {
  readonly adjustmentType: "full" | "partial"
  readonly reason: string
  readonly customerId: string
  readonly items: ReadonlyArray<{ readonly id: string; readonly itemId: string; readonly type: "full" | "partial"; readonly amount: number }>
  readonly taxMode: "internal" | "external"
}

export const defaultRejectionReason = "rejected"

/**
 * How each {@link Outcome} plays out after `pending_approval`. Paddle has no cancelled state: `canceled` ends
 * `rejected`; `requires_action` stays `pending_approval` (waiting for Paddle's review); the reversal outcomes are
 * `approved` then, much later, `reversed`.
 */
export const lifecycle: Lifecycle = {
  initialStatus: "pending_approval",
  steps: (outcome: Outcome, reason: string | undefined): ReadonlyArray<Step> => {
    switch (outcome) {
      case "succeeded":
        return [{ status: "approved" }]
      case "succeeded_then_reversed":
      case "succeeded_then_failed":
        return [{ status: "approved" }, { status: "reversed", reason: reason ?? "reversed", after: "reversal" }]
      case "failed":
        return [{ status: "rejected", reason: reason ?? defaultRejectionReason }]
      case "canceled":
        return [{ status: "rejected", reason: reason ?? "canceled" }]
      case "requires_action":
        return []
    }
  },
  holdsFunds: (status) => status === "pending_approval" || status === "approved",
  successStatuses: ["approved"]
}

/**
 * Paddle's numbers:
 * - idempotency: none (no idempotency header or field exists in the API reference or the SDK's client);
 * - webhook retries: for live accounts "up to 60 times over 3 days using exponential backoff"
 *   (https://developer.paddle.com/webhooks/about/respond-to-webhooks): exponential from 1 min, capped at 2 h, within
 *   3 days [the steps are derived; Paddle publishes only the count and the span].
 */
export const numbers: Server.ProcessorNumbers = {
  timing: Server.defaultTiming,
  // The framework wants a positive window; it is never used (the definition has no idempotency policy).
  idempotencyWindowMillis: RetrySchedule.millis.day,
  retrySchedule: RetrySchedule.exponential({
    firstMillis: RetrySchedule.millis.minute,
    factor: 2,
    maxMillis: 2 * RetrySchedule.millis.hour,
    withinMillis: 3 * RetrySchedule.millis.day
  })
}

// ---------------------------------------------------------------------------------------------------------------
// Ids: prefix + 26 lower-case Crockford base32 characters, time-ordered (10 characters of milliseconds, then a
// sequence and random characters), so sorting by id sorts by creation.
// ---------------------------------------------------------------------------------------------------------------

const crockford = "0123456789abcdefghjkmnpqrstvwxyz"
let sequence = 0
const base32 = (value: number, length: number): string => {
  let out = ""
  let v = value
  for (let i = 0; i < length; i++) {
    out = crockford[v % 32]! + out
    v = Math.floor(v / 32)
  }
  return out
}
/** A time-ordered Paddle id for `millis`. */
export const newId = (prefix: string, millis: number): string =>
  `${prefix}_${base32(Math.max(0, Math.floor(millis)), 10)}${base32(sequence++ % 32 ** 6, 6)}${randomString(10, crockford)}`

/** The single line item of an emulated transaction (see the module comment). */
export const lineItemIdOf = (transactionId: string): string => `txnitm_${transactionId.slice(4)}`
/** The customer of an emulated transaction. */
export const customerIdOf = (transactionId: string): string => `ctm_${transactionId.slice(4)}`

// ---------------------------------------------------------------------------------------------------------------
// Entities
// ---------------------------------------------------------------------------------------------------------------

/** RFC 3339 with microseconds, as Paddle writes times (`2024-04-12T10:18:49.621022Z`). */
export const paddleTime = (millis: number): string => new Date(millis).toISOString().replace(/\.(\d{3})Z$/, ".$1000Z")

const totals = (amount: number, currency: string) => ({
  subtotal: String(amount),
  tax: "0",
  total: String(amount),
  fee: "0",
  earnings: String(amount),
  retained_fee: "0",
  currency_code: currency
})

/** The adjustment entity (SDK `IAdjustmentResponse`). */
export const adjustmentEntity = (refund: RefundRecord<PaddleRefundAttributes>): Record<string, unknown> => {
  const a = refund.attributes
  return {
    id: refund.id,
    action: "refund",
    type: a.adjustmentType,
    transaction_id: refund.paymentId,
    subscription_id: null,
    customer_id: a.customerId,
    reason: a.reason,
    credit_applied_to_balance: null,
    currency_code: refund.currency,
    status: refund.status,
    items: a.items.map((item) => ({
      id: item.id,
      item_id: item.itemId,
      type: item.type,
      amount: String(item.amount),
      proration: null,
      totals: { subtotal: String(item.amount), tax: "0", total: String(item.amount) }
    })),
    totals: totals(refund.amount, refund.currency),
    payout_totals: { ...totals(refund.amount, refund.currency), chargeback_fee: null },
    tax_rates_used: [],
    created_at: paddleTime(refund.createdAt),
    updated_at: paddleTime(refund.history.at(-1)?.at ?? refund.createdAt)
  }
}

/** A completed, automatically-collected transaction with one line item (the fields a refund needs). */
export const transactionEntity = (payment: PaymentRecord): Record<string, unknown> => {
  const amount = String(payment.amount)
  return {
    id: payment.id,
    status: "completed",
    customer_id: customerIdOf(payment.id),
    address_id: null,
    business_id: null,
    custom_data: null,
    origin: "api",
    collection_mode: "automatic",
    subscription_id: null,
    invoice_id: null,
    invoice_number: null,
    billing_details: null,
    billing_period: null,
    currency_code: payment.currency,
    discount_id: null,
    created_at: paddleTime(payment.createdAt),
    updated_at: paddleTime(payment.createdAt),
    billed_at: paddleTime(payment.createdAt),
    items: [],
    details: {
      tax_rates_used: [],
      totals: { subtotal: amount, tax: "0", discount: "0", total: amount, grand_total: amount, fee: null, credit: "0", credit_to_balance: "0", balance: "0", earnings: null, currency_code: payment.currency },
      adjusted_totals: null,
      payout_totals: null,
      adjusted_payout_totals: null,
      line_items: [
        {
          id: lineItemIdOf(payment.id),
          price_id: `pri_${payment.id.slice(4)}`,
          quantity: 1,
          proration: null,
          tax_rate: "0",
          unit_totals: { subtotal: amount, tax: "0", discount: "0", total: amount },
          totals: { subtotal: amount, tax: "0", discount: "0", total: amount },
          product: null
        }
      ]
    },
    payments: [],
    checkout: null
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Webhooks
// ---------------------------------------------------------------------------------------------------------------

/** `Paddle-Signature`: `ts=<unix seconds>;h1=<hex HMAC-SHA256 of "<ts>:<raw body>" under the endpoint secret key>`. */
export const signature = (body: string, secret: string, timestampSeconds: number): string =>
  `ts=${timestampSeconds};h1=${hmacSha256Hex(secret, `${timestampSeconds}:${body}`)}`

export const eventTypes = ["adjustment.created", "adjustment.updated"] as const

// ---------------------------------------------------------------------------------------------------------------
// Definition
// ---------------------------------------------------------------------------------------------------------------

type Kit = Server.EmulatorKit<PaddleRefundAttributes>

const notFound = (what: string) => errorResponse(404, { code: "not_found", detail: `Entity ${what} not found` })

const createAdjustment = (kit: Kit, request: EmulatorRequest): HttpServerResponse.HttpServerResponse => {
  const params = createParams(request)
  if (isResponse(params)) return params
  const payment = kit.store.payment(params.transactionId)
  // Paddle: 404 not_found for an unknown entity id.
  if (payment === undefined) return notFound(params.transactionId)
  if (params.action !== "refund") {
    // The emulator's transactions are automatically collected: credits are refused (adjustment_invalid_credit_action).
    return params.action === "credit"
      ? errorResponse(400, { code: "adjustment_invalid_credit_action", detail: "You cannot create a credit adjustment for an automatically-collected transaction." })
      : errorResponse(400, { code: "bad_request", detail: `Adjustments with action ${params.action} are created by Paddle only.` })
  }
  const pending = kit.store.list((r) => r.paymentId === payment.id && r.status === "pending_approval")
  if (pending.length > 0) {
    return errorResponse(400, {
      code: "adjustment_pending_refund_request",
      detail: "You are unable to create further adjustments against this transaction as there is a pending refund request"
    })
  }
  const refundable = kit.store.refundable(payment.id)
  if (refundable <= 0) {
    return errorResponse(400, { code: "adjustment_transaction_item_has_already_been_fully_adjusted", detail: `Adjustment item ${lineItemIdOf(payment.id)} has already been fully adjusted` })
  }
  const amount = amountOf(params, payment, refundable)
  if (isResponse(amount)) return amount
  const refund = kit.store.createRefund({
    id: newId("adj", kit.clock.now()),
    payment,
    amount,
    currency: payment.currency,
    reference: params.reason,
    attributes: {
      adjustmentType: params.type,
      reason: params.reason,
      customerId: customerIdOf(payment.id),
      taxMode: params.taxMode,
      items: [{ id: newId("adjitm", kit.clock.now()), itemId: lineItemIdOf(payment.id), type: params.type === "full" ? "full" : (params.items[0]?.type ?? "partial"), amount }]
    }
  })
  return json(201, { data: adjustmentEntity(refund), meta: { request_id: randomUUID() } })
}

const amountOf = (params: CreateParams, payment: PaymentRecord, refundable: number): number | HttpServerResponse.HttpServerResponse => {
  if (params.type === "full") return refundable
  const itemId = lineItemIdOf(payment.id)
  let total = 0
  for (const [i, item] of params.items.entries()) {
    if (item.itemId !== itemId) {
      return errorResponse(400, {
        code: "adjustment_transaction_item_invalid",
        detail: "One or more adjustment items cannot be processed",
        errors: [{ field: `adjustment.transaction.items[${i}]`, message: `transaction item ${item.itemId} is not part of transaction ${payment.id}` }]
      })
    }
    const amount = item.type === "full" ? refundable : item.amount ?? 0
    if (amount === 0) {
      return errorResponse(400, { code: "adjustment_amount_cannot_be_zero", detail: `You are attempting to make an adjustment with zero amount on a transaction item. ID ${item.itemId}` })
    }
    total += amount
  }
  if (total > refundable) {
    return errorResponse(400, {
      code: "adjustment_amount_above_remaining_allowed",
      detail: `There has been one or more adjustments made to the transaction item provided that exceed the total amount of the item. ID: ${itemId}, Amount Left: ${refundable}`
    })
  }
  return total
}

/** `GET /adjustments`: filtered, ordered by id, `after` an id, at most `per_page`; `meta.pagination.next` is a URL. */
const listAdjustments = (kit: Kit, request: EmulatorRequest, basePath: string): HttpServerResponse.HttpServerResponse => {
  const q = listParams(request.query)
  if (isResponse(q)) return q
  const visibleUntil = kit.clock.now() - kit.store.listLagMillis
  const matches = (r: RefundRecord<PaddleRefundAttributes>, p: ListParams) =>
    r.createdAt <= visibleUntil &&
    (p.actions === undefined || p.actions.includes("refund")) &&
    (p.ids === undefined || p.ids.includes(r.id)) &&
    (p.transactionIds === undefined || p.transactionIds.includes(r.paymentId)) &&
    (p.statuses === undefined || p.statuses.includes(r.status)) &&
    (p.customerIds === undefined || p.customerIds.includes(r.attributes.customerId)) &&
    (p.after === undefined || (p.descending ? r.id < p.after : r.id > p.after))
  const all = kit.store.list((r) => matches(r, q)).toSorted((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  const ordered = q.descending ? all.toReversed() : all
  const page = ordered.slice(0, q.perPage)
  const hasMore = ordered.length > page.length
  const last = page.at(-1)
  const next = new URLSearchParams(request.query)
  if (last !== undefined) next.set("after", last.id)
  const host = request.headers["host"] ?? "127.0.0.1"
  return json(200, {
    data: page.map(adjustmentEntity),
    meta: {
      request_id: randomUUID(),
      pagination: { per_page: q.perPage, next: `http://${host}${basePath}/adjustments?${next.toString()}`, has_more: hasMore, estimated_total: ordered.length }
    }
  })
}

const withParams = (f: (params: Readonly<Record<string, string | undefined>>, request: EmulatorRequest) => HttpServerResponse.HttpServerResponse) =>
  Effect.gen(function*() {
    const params = yield* HttpRouter.params
    return f(params, yield* readRequest)
  })

const routes = (kit: Kit): Layer.Layer<never, never, HttpRouter.HttpRouter> =>
  HttpRouter.use((router) =>
    Effect.gen(function*() {
      yield* router.add("POST", "/adjustments", withParams((_, request) => createAdjustment(kit, request)))
      yield* router.add("GET", "/adjustments", withParams((_, request) => listAdjustments(kit, request, "")))
      yield* router.add(
        "GET",
        "/transactions/:id",
        withParams((p) => {
          const id = p.id ?? ""
          if (!idPattern("txn").test(id)) return errorResponse(400, { code: "invalid_field", detail: "Request does not pass validation.", errors: [{ field: "transaction_id", message: "must be a valid Paddle ID prefixed with txn_" }] })
          const payment = kit.store.payment(id)
          return payment === undefined ? notFound(id) : json(200, { data: transactionEntity(payment), meta: { request_id: randomUUID() } })
        })
      )
      // Paddle answers an unknown path with 404 (`invalid_url` is not documented; not_found is).
      yield* router.add("*", "/*", Effect.succeed(errorResponse(404, { code: "not_found", detail: "The requested URL was not found." })))
    })
  )

/** The event id of a refund's state: the same on every redelivery (`evt_` + 26 characters). */
const eventIdOf = (refund: RefundRecord<PaddleRefundAttributes>, eventType: string): string =>
  `evt_${createHash("sha256").update(`${refund.id}|${eventType}|${refund.status}|${refund.history.length}`).digest("hex").slice(0, 26)}`

export const definition = (options: PaddleEmulatorOptions = {}): Server.EmulatorDefinition<PaddleRefundAttributes> => {
  const apiKey = options.apiKey ?? defaultApiKey
  const webhookSecret = options.webhookSecret ?? defaultWebhookSecret

  /**
   * https://developer.paddle.com/errors: authentication_missing (403), authentication_malformed (403), and for a wrong or
   * revoked key invalid_token (403, "Invalid or revoked API key.", errors/shared/invalid_token).
   */
  const authenticate = (request: EmulatorRequest): HttpServerResponse.HttpServerResponse | undefined => {
    const header = request.headers["authorization"]
    if (header === undefined || header.trim() === "") {
      return errorResponse(403, { code: "authentication_missing", detail: "Authentication header not found on request. Include an Authorization header in the format: Bearer {api_key}" })
    }
    const bearer = /^bearer (\S+)$/i.exec(header)
    if (bearer === null) {
      return errorResponse(403, { code: "authentication_malformed", detail: "Authentication header included, but incorrectly formatted. Use the format: Bearer {api_key}" })
    }
    if (bearer[1] !== apiKey) return errorResponse(403, { code: "invalid_token", detail: "Invalid or revoked API key." })
    return undefined
  }

  const render = (refund: RefundRecord<PaddleRefundAttributes>, eventType: string, r: Server.RenderOptions) => {
    const last = refund.history[refund.history.length - 1]
    const data = adjustmentEntity(refund)
    const eventId = eventIdOf(refund, eventType)
    const event = {
      event_id: eventId,
      event_type: eventType,
      occurred_at: paddleTime(last?.at ?? refund.createdAt),
      notification_id: `ntf_${eventId.slice(4)}`,
      data
    }
    const signedBody = JSON.stringify(event)
    let body = signedBody
    if (r.tamper === true) {
      ;(data["totals"] as Record<string, unknown>)["total"] = String(refund.amount + 1)
      body = JSON.stringify(event)
    }
    const ts = r.timestampSeconds ?? Math.floor(r.now / 1000)
    return {
      headers: { "content-type": "application/json", "paddle-signature": signature(signedBody, r.secret, ts) },
      body
    }
  }

  return {
    name: "paddle",
    listLagMillis: checkLag("listLagMillis", options.listLagMillis ?? 0),
    credentials: { apiKey },
    webhookSecret,
    webhookUrl: options.webhookUrl,
    lifecycle,
    ...Server.numbers(options, numbers),
    newPayment: (input) => ({ id: newId("txn", Date.now()), currency: input.currency.toUpperCase() }),
    authenticate,
    // No idempotency policy: Paddle has none.
    faults: {
      rateLimit: () =>
        errorResponse(429, { type: "api_error", code: "too_many_requests", detail: "IP address exceeded the allowed rate limit. Retry after the number of seconds in the Retry-After header." }),
      serverError: (status) =>
        errorResponse(status, { type: "api_error", code: status === 502 ? "bad_gateway" : status === 503 ? "service_unavailable" : "internal_error", detail: "An internal error occurred. Your request was not processed." })
    },
    routes,
    webhooks: {
      eventsFor: (transition) => (transition.from === undefined ? ["adjustment.created"] : ["adjustment.updated"]),
      defaultEventType: (refund) => (refund.history.length <= 1 ? "adjustment.created" : "adjustment.updated"),
      render: (refund, eventType, r) => render(refund, eventType, r),
      // Every attempt is signed at the moment it is sent (Paddle's ts is the sending time).
      resign: (message, attempt) => ({ ...message.headers, "paddle-signature": signature(message.body, attempt.secret, Math.floor(attempt.now / 1000)) }),
      eventId: (message) => {
        try {
          const id = (JSON.parse(message.body) as { event_id?: unknown }).event_id
          return typeof id === "string" ? id : undefined
        } catch {
          return undefined
        }
      }
    }
  }
}

export class Service extends Context.Service<Service, Emulator>()("@refract/testkit/PaddleEmulator") {}

export const make = (options: PaddleEmulatorOptions = {}): Effect.Effect<Server.RunningEmulator<PaddleRefundAttributes>, ServeError, Scope.Scope> =>
  Effect.suspend(() => Server.make(definition(options), Server.serverOptions(options)))

export const start = (options: PaddleEmulatorOptions = {}): Promise<Emulator> => Server.start(definition(options), Server.serverOptions(options))

export const layer = (options: PaddleEmulatorOptions = {}): Layer.Layer<EmulatorService | Service, ServeError> =>
  Server.layer(() => definition(options), Server.serverOptions(options), Service)
