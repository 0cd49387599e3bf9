/**
 * A stateful Mollie emulator speaking the Payments API v2 wire format for refunds:
 * `POST /v2/payments/:id/refunds`, `GET /v2/payments/:id/refunds[/:rid]`, `DELETE /v2/payments/:id/refunds/:rid`
 * (cancel while `queued`/`pending`), `GET /v2/refunds` (cursor `from` + `limit` ≤ 250, `sort`), `GET /v2/payments/:id`,
 * Mollie's `application/hal+json` problem bodies, `Idempotency-Key` (24 hours, `Idempotent-Replayed: true`,
 * 400 on reuse with other parameters, 409 while in flight), Bearer `test_…` keys, and the classic webhook: an
 * UNSIGNED form POST `id=tr_…` (the payment id) to the webhook URL when a refund reaches `processing`,
 * `refunded` or `failed`. Nothing in a ping is trusted: the receiver reads the payment's refunds back.
 *
 * Requests are held to Mollie's documented parameters by `MollieRequest.ts`; sources in the connector's README
 * ("Facts and sources"). Written from Mollie's documentation and @mollie/api-client 4.6.0's types, never from
 * the connector.
 *
 * @since 0.1.0
 */
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
import {
  amountObject,
  amountParam,
  descriptionParam,
  errorResponse,
  isResponse,
  listParams,
  metadataParam,
  onlyAllowed,
  readBody,
  refundParameters,
  unprocessable
} from "./MollieRequest.ts"

export { amountObject, currencyExponent, errorResponse, formatValue } from "./MollieRequest.ts"

/** Options of the Mollie emulator. */
export interface MollieEmulatorOptions extends EmulatorOptions {
  /** The one valid API key (`test_` + at least 30 alphanumerics). Default {@link defaultApiKey}. */
  readonly apiKey?: string
  /** How long (emulator ms) a new refund takes to show in `GET /v2/refunds`. Mollie documents none: default 0. */
  readonly listLagMillis?: number
}

/** Default test-mode API key (the docs' keys are `test_` + 30 alphanumerics). */
export const defaultApiKey = "test_EmulatorKey0123456789abcdefghij"
/**
 * Classic Mollie webhooks are not signed; the framework still wants a secret string. It signs nothing and
 * verifies nothing: deliveries are `id=tr_…` whatever it is.
 */
export const defaultWebhookSecret = "mollie-classic-webhooks-are-unsigned"

/** Mollie's refund statuses (SDK 4.6.0 `RefundStatus`; docs "Refund statuses"). */
export type RefundStatus = "queued" | "pending" | "processing" | "refunded" | "failed" | "canceled"
export const refundStatuses: ReadonlyArray<RefundStatus> = ["queued", "pending", "processing", "refunded", "failed", "canceled"]

/** Statuses a refund can be canceled in ("A queued refund can be canceled", "pending … You can still cancel"). */
export const cancelableStatuses: ReadonlySet<string> = new Set(["queued", "pending"])
/** Statuses that trigger the payment's webhook (docs: a refund reaching processing, refunded or failed). */
export const webhookStatuses: ReadonlySet<string> = new Set(["processing", "refunded", "failed"])

/** Mollie-specific state of an emulated refund. */
export interface MollieRefundAttributes {
  readonly description: string
  /** As sent (any JSON value), `null` when absent. */
  readonly metadata: unknown
  /** The settlement the refund is deducted in, once refunded (`stl_…`). */
  readonly settlementId: string
  /** `externalReference.id` (type `acquirer-reference`), shown once refunded. */
  readonly acquirerReference: string
}

/** Failure reason recorded for failed refunds (emulator state only: Mollie's refund has no reason field). */
export const defaultFailureReason = "refund_failed"

/**
 * How each {@link Outcome} plays out after `pending`: `processing` then `refunded`; a failure goes
 * `processing` → `failed` ("failed after processing, e.g. the customer closed the bank account"); a refund
 * that bounces after it was `refunded` turns `failed` a reversal delay later (Mollie documents failure
 * "after processing" without saying it never follows `refunded` [derived]); `canceled` ends `canceled`;
 * `requires_action` stays `pending` (cancelable) until the merchant cancels it.
 */
export const lifecycle: Lifecycle = {
  initialStatus: "pending",
  steps: (outcome: Outcome, reason: string | undefined): ReadonlyArray<Step> => {
    switch (outcome) {
      case "succeeded":
        return [{ status: "processing" }, { status: "refunded" }]
      case "failed":
        return [{ status: "processing" }, { status: "failed", reason: reason ?? defaultFailureReason }]
      case "canceled":
        return [{ status: "canceled", reason: reason ?? "canceled" }]
      case "requires_action":
        return []
      case "succeeded_then_reversed":
      case "succeeded_then_failed":
        return [{ status: "processing" }, { status: "refunded" }, { status: "failed", reason: reason ?? "bank_account_closed", after: "reversal" }]
    }
  },
  holdsFunds: (status) => status !== "failed" && status !== "canceled",
  successStatuses: ["refunded"]
}

/**
 * Mollie's numbers:
 * - `Idempotency-Key`: "Keys older than 24 hours will be removed from our cache" (docs "API idempotency");
 * - webhook retries: Mollie retries an unacknowledged webhook; "up to 10 times over 26 hours" is reported by
 *   integrators, not on a page read here [unconfirmed]. Ten retries within 26 hours, steps derived.
 */
export const numbers: Server.ProcessorNumbers = {
  timing: Server.defaultTiming,
  idempotencyWindowMillis: RetrySchedule.millis.day,
  retrySchedule: RetrySchedule.check({
    delays: [
      RetrySchedule.millis.minute,
      5 * RetrySchedule.millis.minute,
      15 * RetrySchedule.millis.minute,
      30 * RetrySchedule.millis.minute,
      RetrySchedule.millis.hour,
      2 * RetrySchedule.millis.hour,
      3 * RetrySchedule.millis.hour,
      4 * RetrySchedule.millis.hour,
      6 * RetrySchedule.millis.hour,
      8 * RetrySchedule.millis.hour
    ],
    giveUpAfterMillis: 26 * RetrySchedule.millis.hour
  })
}

const idAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
/** `tr_` + 10 alphanumerics (the docs' `tr_WDqYK6vllg`). */
export const newPaymentId = (): string => `tr_${randomString(10, idAlphabet)}`
/** `re_` + 10 alphanumerics (the docs' `re_4qqhO89gsT`). */
export const newRefundId = (): string => `re_${randomString(10, idAlphabet)}`

export const paymentIdPattern = /^tr_[A-Za-z0-9]+$/
export const refundIdPattern = /^re_[A-Za-z0-9]+$/

/** Error details. Mollie's own where published (docs), else [emulator wording]. */
export const messages = {
  unauthorized: "Missing authentication, or failed to authenticate",
  noPayment: (id: string) => `No payment exists with token ${id}.`,
  noRefund: (id: string) => `No refund exists with token ${id}.`,
  notFound: "The requested resource does not exist",
  duplicateRefund: "A duplicate refund has been detected",
  idempotencyMismatch: "The idempotency key has already been used for a different request",
  idempotencyInFlight: "A request with this idempotency key is still being processed",
  tooManyRequests: "You have exceeded the rate limit. Please wait a moment before retrying",
  serverError: "An internal server error occurred while processing your request",
  amountTooHigh: "The amount of the refund is higher than the amount that can be refunded for this payment",
  currencyMismatch: "The currency of the refund must be the same as the currency of the payment",
  notCancelable: (status: string) => `The refund cannot be canceled anymore, its status is ${status}`,
  testmodeWithApiKey: "The testmode parameter must not be sent when using an API key"
} as const

// ---------------------------------------------------------------------------------------------------------------
// Entities
// ---------------------------------------------------------------------------------------------------------------

/** Mollie writes times as ISO 8601 with an offset: `2018-03-14T17:09:02+00:00`. */
export const isoTime = (millis: number): string => new Date(Math.floor(millis / 1000) * 1000).toISOString().replace(".000Z", "+00:00")

const link = (href: string, type = "application/hal+json") => ({ href, type })

/** The refund object (docs get-refund; SDK `RefundData`). */
export const refundEntity = (refund: RefundRecord<MollieRefundAttributes>, base: string): Record<string, unknown> => {
  const a = refund.attributes
  const settled = refund.status === "refunded" || (refund.status === "failed" && refund.history.some((h) => h.status === "refunded"))
  const deducted = refund.status !== "queued" && refund.status !== "canceled"
  return {
    resource: "refund",
    id: refund.id,
    mode: "test",
    amount: amountObject(refund.amount, refund.currency),
    // "For refunds, the value key of settlementAmount will be negative"; queued refunds have none yet.
    ...(deducted ? { settlementAmount: amountObject(-refund.amount, refund.currency) } : {}),
    ...(settled ? { settlementId: a.settlementId, externalReference: { type: "acquirer-reference", id: a.acquirerReference } } : {}),
    description: a.description,
    metadata: a.metadata,
    status: refund.status,
    paymentId: refund.paymentId,
    createdAt: isoTime(refund.createdAt),
    _links: {
      self: link(`${base}/v2/payments/${refund.paymentId}/refunds/${refund.id}`),
      payment: link(`${base}/v2/payments/${refund.paymentId}`),
      ...(settled ? { settlement: link(`${base}/v2/settlements/${a.settlementId}`) } : {}),
      documentation: link("https://docs.mollie.com/reference/get-refund", "text/html")
    }
  }
}

/** A paid payment object, enough for the SDK and for `GET /v2/payments/:id`. */
export const paymentEntity = (payment: PaymentRecord, refunded: number, base: string, webhookUrl: string | undefined): Record<string, unknown> => ({
  resource: "payment",
  id: payment.id,
  mode: "test",
  createdAt: isoTime(payment.createdAt),
  amount: amountObject(payment.amount, payment.currency),
  description: payment.reference ?? "Emulated payment",
  method: "creditcard",
  metadata: null,
  status: "paid",
  paidAt: isoTime(payment.createdAt),
  amountRefunded: amountObject(refunded, payment.currency),
  amountRemaining: amountObject(payment.amount - refunded, payment.currency),
  locale: "en_US",
  profileId: "pfl_Emulator01",
  sequenceType: "oneoff",
  redirectUrl: null,
  webhookUrl: webhookUrl ?? null,
  _links: {
    self: link(`${base}/v2/payments/${payment.id}`),
    refunds: link(`${base}/v2/payments/${payment.id}/refunds`),
    documentation: link("https://docs.mollie.com/reference/get-payment", "text/html")
  }
})

// ---------------------------------------------------------------------------------------------------------------
// Definition
// ---------------------------------------------------------------------------------------------------------------

type Kit = Server.EmulatorKit<MollieRefundAttributes>

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

/** A JSON value with object keys sorted (for comparing bodies under one idempotency key). */
const canonical = (value: unknown): string => {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`
  if (isRecord(value)) return `{${Object.keys(value).toSorted().map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(",")}}`
  return JSON.stringify(value) ?? "null"
}

const baseOf = (request: EmulatorRequest): string => `http://${request.headers["host"] ?? "127.0.0.1"}`

const hal = (status: number, body: unknown) => json(status, body, { contentType: "application/hal+json" })

const createRefund = (kit: Kit, paymentId: string, request: EmulatorRequest): HttpServerResponse.HttpServerResponse => {
  if (!paymentIdPattern.test(paymentId)) return errorResponse(404, messages.noPayment(paymentId))
  const payment = kit.store.payment(paymentId)
  if (payment === undefined) return errorResponse(404, messages.noPayment(paymentId))
  const body = readBody(request)
  if (isResponse(body)) return body
  const extra = onlyAllowed(body, refundParameters)
  if (extra !== undefined) return extra
  // "Most API credentials are specifically created for either live mode or test mode. In those cases the
  // testmode query parameter must not be sent." (docs list-all-refunds; same rule for the body parameter)
  if (body["testmode"] !== undefined) return unprocessable(messages.testmodeWithApiKey, "testmode")
  if (body["reverseRouting"] !== undefined || body["routingReversals"] !== undefined) {
    return unprocessable("This payment has no routing to reverse", body["reverseRouting"] !== undefined ? "reverseRouting" : "routingReversals")
  }
  const amount = amountParam(body["amount"])
  if (isResponse(amount)) return amount
  const description = descriptionParam(body["description"])
  if (isResponse(description)) return description
  const metadata = metadataParam(body["metadata"])
  if (isResponse(metadata)) return metadata
  if (amount.currency !== payment.currency) return unprocessable(messages.currencyMismatch, "amount.currency")
  if (amount.minor > kit.store.refundable(payment.id)) return unprocessable(messages.amountTooHigh, "amount")
  const refund = kit.store.createRefund({
    id: newRefundId(),
    payment,
    amount: amount.minor,
    currency: payment.currency,
    idempotencyKey: request.headers["idempotency-key"],
    reference: description === "" ? undefined : description,
    metadata: isRecord(metadata) ? Object.fromEntries(Object.entries(metadata).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)])) : {},
    attributes: {
      description,
      metadata,
      settlementId: `stl_${randomString(10, idAlphabet)}`,
      acquirerReference: randomString(23, "0123456789")
    }
  })
  return hal(201, refundEntity(refund, baseOf(request)))
}

const refundOf = (kit: Kit, paymentId: string, refundId: string): RefundRecord<MollieRefundAttributes> | HttpServerResponse.HttpServerResponse => {
  if (!paymentIdPattern.test(paymentId) || kit.store.payment(paymentId) === undefined) return errorResponse(404, messages.noPayment(paymentId))
  if (!refundIdPattern.test(refundId)) return errorResponse(404, messages.noRefund(refundId))
  const refund = kit.store.get(refundId)
  if (refund === undefined || refund.paymentId !== kit.store.payment(paymentId)!.id) return errorResponse(404, messages.noRefund(refundId))
  return refund
}

/** A page of a newest-first (or `sort=asc`) list, cursor `from` inclusive, `_links.next` when more follow. */
const page = (
  request: EmulatorRequest,
  refunds: ReadonlyArray<RefundRecord<MollieRefundAttributes>>,
  path: string,
  allowed: ReadonlyArray<string>
): HttpServerResponse.HttpServerResponse => {
  const q = listParams(request.query, allowed)
  if (isResponse(q)) return q
  const ordered = q.sort === "asc" ? refunds.toReversed() : refunds
  let start = 0
  if (q.from !== undefined) {
    start = ordered.findIndex((r) => r.id === q.from)
    if (start === -1) return errorResponse(404, messages.noRefund(q.from))
  }
  const items = ordered.slice(start, start + q.limit)
  const following = ordered[start + q.limit]
  const base = baseOf(request)
  const query = (from: string | undefined) =>
    new URLSearchParams({ ...(from === undefined ? {} : { from }), limit: String(q.limit), ...(q.sort === "asc" ? { sort: "asc" } : {}) }).toString()
  return hal(200, {
    count: items.length,
    _embedded: { refunds: items.map((r) => refundEntity(r, base)) },
    _links: {
      self: link(`${base}${path}?${query(q.from)}`),
      previous: null,
      next: following === undefined ? null : link(`${base}${path}?${query(following.id)}`),
      documentation: link("https://docs.mollie.com/reference/list-refunds", "text/html")
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
      yield* router.add("POST", "/v2/payments/:id/refunds", withParams((p, r) => createRefund(kit, p.id ?? "", r)))
      yield* router.add(
        "GET",
        "/v2/payments/:id/refunds",
        withParams((p, r) => {
          const id = p.id ?? ""
          const payment = paymentIdPattern.test(id) ? kit.store.payment(id) : undefined
          if (payment === undefined) return errorResponse(404, messages.noPayment(id))
          return page(r, kit.store.list((x) => x.paymentId === payment.id), `/v2/payments/${payment.id}/refunds`, ["from", "limit", "embed", "testmode"])
        })
      )
      yield* router.add(
        "GET",
        "/v2/payments/:id/refunds/:rid",
        withParams((p, r) => {
          for (const key of r.query.keys()) {
            if (key !== "embed") return errorResponse(400, `The query parameter '${key}' is not supported by this endpoint`, { field: key })
          }
          const refund = refundOf(kit, p.id ?? "", p.rid ?? "")
          return isResponse(refund) ? refund : hal(200, refundEntity(refund, baseOf(r)))
        })
      )
      yield* router.add(
        "DELETE",
        "/v2/payments/:id/refunds/:rid",
        withParams((p) => {
          const refund = refundOf(kit, p.id ?? "", p.rid ?? "")
          if (isResponse(refund)) return refund
          if (!cancelableStatuses.has(refund.status)) return unprocessable(messages.notCancelable(refund.status))
          kit.store.transitionTo(refund.id, "canceled", "api")
          return HttpServerResponse.empty({ status: 204 })
        })
      )
      yield* router.add(
        "GET",
        "/v2/payments/:id",
        withParams((p, r) => {
          const id = p.id ?? ""
          const payment = paymentIdPattern.test(id) ? kit.store.payment(id) : undefined
          if (payment === undefined) return errorResponse(404, messages.noPayment(id))
          return hal(200, paymentEntity(payment, payment.amount - kit.store.refundable(payment.id), baseOf(r), kit.webhooks.url))
        })
      )
      yield* router.add(
        "GET",
        "/v2/refunds",
        withParams((_, r) => {
          const visibleUntil = kit.clock.now() - kit.store.listLagMillis
          return page(r, kit.store.list((x) => x.createdAt <= visibleUntil), "/v2/refunds", ["from", "limit", "sort", "embed", "profileId", "testmode"])
        })
      )
      yield* router.add("*", "/*", Effect.succeed(errorResponse(404, messages.notFound)))
    })
  )

/** The classic webhook body: `id=<payment id>`, form-encoded. */
export const pingBody = (paymentId: string): string => new URLSearchParams({ id: paymentId }).toString()

/** The emulator's event type for a refund reaching `status` (the ping itself carries no type). */
export const eventForStatus = (status: string): string => `payment.refund.${status}`

/** Builds the emulator definition (one per instance). */
export const definition = (options: MollieEmulatorOptions = {}): Server.EmulatorDefinition<MollieRefundAttributes> => {
  const apiKey = options.apiKey ?? defaultApiKey
  const webhookSecret = options.webhookSecret ?? defaultWebhookSecret

  const authenticate = (request: EmulatorRequest): HttpServerResponse.HttpServerResponse | undefined => {
    const header = request.headers["authorization"]
    const bearer = header === undefined ? null : /^Bearer (\S+)$/.exec(header)
    if (bearer === null || bearer[1] !== apiKey) return errorResponse(401, messages.unauthorized)
    return undefined
  }

  return {
    name: "mollie",
    listLagMillis: checkLag("listLagMillis", options.listLagMillis ?? 0),
    credentials: { apiKey },
    webhookSecret,
    webhookUrl: options.webhookUrl,
    lifecycle,
    ...Server.numbers(options, numbers),
    newPayment: (input) => ({ id: newPaymentId(), currency: input.currency.toUpperCase() }),
    secretHeaders: ["authorization"],
    authenticate,
    idempotency: {
      header: "idempotency-key",
      // "All POST endpoints accept idempotency keys ... [keys on] GET, PATCH, or DELETE ... will always be ignored".
      appliesTo: (request) => request.method === "POST" && (request.headers["idempotency-key"] ?? "") !== "",
      fingerprint: (request) => {
        const body = readBody(request)
        return `${request.path}\n${isResponse(body) ? request.body : canonical(body)}`
      },
      // A 5xx is not kept: @mollie/api-client retries 5xx answers under the same key, which only helps if
      // Mollie runs the retry [derived from the SDK's makeRetrying].
      stores: ({ status }) => status < 500,
      replay: (stored) => HttpServerResponse.setHeader(Server.fromStored(stored), "idempotent-replayed", "true"),
      // "If you send the same idempotency key for requests to two different endpoints or for requests with
      // different parameters, the API will return a 400 Bad Request"; "... still being processed ... 409 Conflict".
      mismatch: () => errorResponse(400, messages.idempotencyMismatch),
      inFlight: () => errorResponse(409, messages.idempotencyInFlight)
    },
    faults: {
      rateLimit: () => errorResponse(429, messages.tooManyRequests),
      serverError: (status) => errorResponse(status, messages.serverError)
    },
    routes,
    webhooks: {
      // Creation (pending), queued and canceled send nothing: only processing, refunded and failed do.
      eventsFor: (transition) => (webhookStatuses.has(transition.to) ? [eventForStatus(transition.to)] : []),
      defaultEventType: (refund) => eventForStatus(refund.status),
      render: (refund, _eventType, render) => {
        // Unsigned: `secret` changes nothing. `tamper` forges a ping naming another payment, which a receiver
        // cannot tell from a real one (it reads the named payment back and finds nothing new).
        const paymentId = render.tamper === true ? newPaymentId() : refund.paymentId
        return {
          headers: { "content-type": "application/x-www-form-urlencoded", "user-agent": "Mollie.com/WebhookCaller" },
          body: pingBody(paymentId)
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Entry points
// ---------------------------------------------------------------------------------------------------------------

/** The Mollie emulator as its own service key (same shape as `EmulatorService`). */
export class Service extends Context.Service<Service, Emulator>()("@refract/testkit/MollieEmulator") {}

/** Starts a Mollie emulator in the current scope. */
export const make = (
  options: MollieEmulatorOptions = {}
): Effect.Effect<Server.RunningEmulator<MollieRefundAttributes>, ServeError, Scope.Scope> =>
  Effect.suspend(() => Server.make(definition(options), Server.serverOptions(options)))

/** Starts a Mollie emulator; stop it with `close()`. */
export const start = (options: MollieEmulatorOptions = {}): Promise<Emulator> => Server.start(definition(options), Server.serverOptions(options))

/** A layer providing the running emulator as `EmulatorService` and {@link Service}. */
export const layer = (options: MollieEmulatorOptions = {}): Layer.Layer<EmulatorService | Service, ServeError> =>
  Server.layer(() => definition(options), Server.serverOptions(options), Service)
