/**
 * A stateful Stripe emulator speaking Stripe's wire format for refunds: form-encoded `POST /v1/refunds`,
 * `GET /v1/refunds/:id`, list, update, cancel, Stripe's error bodies, `Idempotency-Key` semantics and signed
 * `Stripe-Signature` webhooks. The official `stripe` SDK works against it
 * (`new Stripe(key, { host: "127.0.0.1", port, protocol: "http" })`).
 *
 * @since 0.1.0
 */
import { createHash } from "node:crypto"
import { Context, Effect, Layer } from "effect"
import type { Scope } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"
import type { ServeError } from "effect/http/HttpServerError"
import type { Emulator, EmulatorOptions, EmulatorService, Outcome } from "../emulator/Emulator.ts"
import type { EmulatorRequest } from "../emulator/Http.ts"
import { json, randomString, readRequest, withHeaders } from "../emulator/Http.ts"
import type { Lifecycle, PaymentRecord, RefundRecord, Step } from "../emulator/RefundStore.ts"
import * as RetrySchedule from "../emulator/RetrySchedule.ts"
import type { SeedPolicy } from "../emulator/Seed.ts"
import * as Server from "../emulator/Server.ts"
import { hmacSha256Hex, safeEqual } from "../emulator/Webhooks.ts"
import * as StripeEvents from "./StripeEvents.ts"
import * as Params from "./StripeParams.ts"
import { errorResponse } from "./StripeParams.ts"

export { errorResponse, type StripeErrorFields } from "./StripeParams.ts"

/** Options of the Stripe emulator. */
export interface StripeEmulatorOptions extends EmulatorOptions {
  /** Default `Stripe-Version` (echoed when the client sends none) and the events' `api_version`. */
  readonly apiVersion?: string
}

/** Default API key. */
export const defaultApiKey = "sk_test_emulator"
/** Default webhook signing secret. */
export const defaultWebhookSecret = "whsec_emulator"
/** Default API version (the one pinned by stripe-node 23.1.0). */
export const defaultApiVersion = "2026-10-28.endive"

/** Stripe's refund statuses. */
export type RefundStatus = "pending" | "requires_action" | "succeeded" | "failed" | "canceled"

/** Stripe-specific state of an emulated refund. */
export interface StripeRefundAttributes {
  readonly chargeId: string
  readonly paymentIntentId: string
  readonly paymentMethodId: string
  readonly balanceTransaction: string
  readonly failureBalanceTransaction: string
  readonly reason: string | null
  readonly instructionsEmail: string | undefined
  /** Acquirer reference number shown once the refund succeeded. */
  readonly acquirerReference: string
}

/** The failure reason used when none was scripted. */
export const defaultFailureReason = "declined"
/** The failure reason of a refund that succeeded and was later reversed, when none was scripted. */
export const defaultReversalReason = "expired_or_canceled_card"

/** How each {@link Outcome} plays out (after `pending`). */
export const lifecycle: Lifecycle = {
  initialStatus: "pending",
  steps: (outcome: Outcome, reason: string | undefined): ReadonlyArray<Step> => {
    switch (outcome) {
      case "succeeded":
        return [{ status: "succeeded" }]
      case "failed":
        return [{ status: "failed", reason: reason ?? defaultFailureReason }]
      case "canceled":
        return [{ status: "requires_action" }, { status: "canceled" }]
      case "requires_action":
        return [{ status: "requires_action" }]
      case "succeeded_then_reversed":
      case "succeeded_then_failed":
        return [{ status: "succeeded" }, { status: "failed", reason: reason ?? defaultReversalReason, after: "reversal" }]
    }
  },
  holdsFunds: (status) => status !== "failed" && status !== "canceled",
  successStatuses: ["succeeded"]
}

/**
 * Stripe's numbers:
 * - idempotency keys: "keys are eligible to be removed from the system automatically after they're at
 *   least 24 hours old" (https://docs.stripe.com/api/idempotent_requests), so a day;
 * - webhook retries: "in live mode, Stripe attempts to deliver a given event to your webhook endpoint for up
 *   to 3 days with an exponential back off" (https://docs.stripe.com/webhooks). The intervals are not
 *   published: 1 min doubling, capped at 12 h, within the 3 days [derived].
 */
export const numbers: Server.ProcessorNumbers = {
  timing: Server.defaultTiming,
  idempotencyWindowMillis: RetrySchedule.millis.day,
  retrySchedule: RetrySchedule.exponential({
    firstMillis: RetrySchedule.millis.minute,
    factor: 2,
    maxMillis: 12 * RetrySchedule.millis.hour,
    withinMillis: 3 * RetrySchedule.millis.day
  })
}

// ---------------------------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------------------------

/** Codes whose (4xx) results are stored for idempotent replay: the endpoint ran. Parameter validation errors are not. */
export const storedErrorCodes: ReadonlySet<string> = new Set([
  "resource_missing",
  "amount_too_large",
  "charge_already_refunded",
  "charge_disputed",
  "refund_disputed_payment"
])

const notFound = (kind: string, id: string, param: string) =>
  errorResponse(404, {
    type: "invalid_request_error",
    code: "resource_missing",
    message: `No such ${kind}: '${id}'`,
    param
  })

/** Masks an API key like Stripe does in "Invalid API Key provided" (never the whole key). */
export const maskKey = (key: string): string => {
  const prefix = /^(?:sk|rk|pk)_(?:test|live)_/.exec(key)?.[0] ?? ""
  const rest = key.slice(prefix.length)
  const visible = rest.length > 8 ? rest.slice(-4) : ""
  return `${prefix}${"*".repeat(Math.max(rest.length - visible.length, 4))}${visible}`
}

const zeroDecimal = new Set(["bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf"])
const symbols: Readonly<Record<string, string>> = { usd: "$", eur: "€", gbp: "£", jpy: "¥", cad: "$", aud: "$", inr: "₹" }

/** Formats minor units the way Stripe's messages do (`$25.00`, `€9.99`, `¥500`). */
export const formatAmount = (amount: number, currency: string): string => {
  const lower = currency.toLowerCase()
  const major = zeroDecimal.has(lower) ? String(amount) : (amount / 100).toFixed(2)
  const symbol = symbols[lower]
  return symbol === undefined ? `${major} ${lower.toUpperCase()}` : `${symbol}${major}`
}

// ---------------------------------------------------------------------------------------------------------------
// Objects
// ---------------------------------------------------------------------------------------------------------------

const unix = (millis: number) => Math.floor(millis / 1000)

/**
 * The Stripe `refund` object for a refund, as it is now or as it was in an earlier `status` (what a
 * `refund.updated` event's `previous_attributes` are computed from).
 */
export const refundObject = (
  refund: RefundRecord<StripeRefundAttributes>,
  status: string = refund.status
): Record<string, unknown> => {
  const a = refund.attributes
  return {
    id: refund.id,
    object: "refund",
    amount: refund.amount,
    balance_transaction: a.balanceTransaction,
    charge: a.chargeId,
    created: unix(refund.createdAt),
    currency: refund.currency,
    customer: null,
    customer_account: null,
    destination_details: {
      // `reference` is optional (not nullable) in Stripe's spec: absent until the ARN is available.
      card: {
        ...(status === "succeeded" ? { reference: a.acquirerReference } : {}),
        reference_status: status === "succeeded" ? "available" : status === "pending" ? "pending" : "unavailable",
        reference_type: "acquirer_reference_number",
        type: "refund"
      },
      type: "card"
    },
    ...(status === "failed"
      ? { failure_balance_transaction: a.failureBalanceTransaction, failure_reason: refund.failureReason ?? defaultFailureReason }
      : {}),
    ...(a.instructionsEmail === undefined ? {} : { instructions_email: a.instructionsEmail }),
    metadata: { ...refund.metadata },
    ...(status === "requires_action"
      ? {
        next_action: {
          display_details: {
            email_sent: { email_sent_at: unix(refund.createdAt), email_sent_to: a.instructionsEmail ?? "customer@example.com" },
            expires_at: unix(refund.createdAt) + 30 * 24 * 3600
          },
          type: "display_details"
        }
      }
      : {}),
    payment_intent: a.paymentIntentId,
    payment_method: a.paymentMethodId,
    ...(status === "pending" ? { pending_reason: "processing" } : {}),
    reason: a.reason,
    receipt_number: null,
    source_transfer_reversal: null,
    status,
    transfer_reversal: null
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Webhooks
// ---------------------------------------------------------------------------------------------------------------

/** `t=<unix>,v1=<hex HMAC-SHA256(secret, "${t}.${payload}")>` exactly as Stripe signs. */
export const signatureHeader = (payload: string, secret: string, timestampSeconds: number): string =>
  `t=${timestampSeconds},v1=${hmacSha256Hex(secret, `${timestampSeconds}.${payload}`)}`

/**
 * Verifies a `Stripe-Signature` header the way stripe-node does (any `v1` may match; `toleranceSeconds` 0 = no
 * age check). Returns false instead of throwing.
 */
export const verifySignature = (
  payload: string,
  header: string,
  secret: string,
  options: { readonly toleranceSeconds?: number; readonly nowSeconds?: number } = {}
): boolean => {
  const parts = header.split(",").map((item) => item.split("="))
  const t = Number(parts.find(([k]) => k === "t")?.[1])
  const signatures = parts.filter(([k]) => k === "v1").map(([, v]) => v ?? "")
  if (!Number.isFinite(t) || signatures.length === 0) return false
  const expected = Buffer.from(hmacSha256Hex(secret, `${t}.${payload}`), "utf8")
  if (!signatures.some((sig) => safeEqual(Buffer.from(sig, "utf8"), expected))) return false
  const tolerance = options.toleranceSeconds ?? 0
  const now = options.nowSeconds ?? Math.floor(Date.now() / 1000)
  return tolerance <= 0 || Math.abs(now - t) <= tolerance
}

/** The Stripe `charge` object for a payment. */
const chargeObject = (payment: PaymentRecord, refunded: number): Record<string, unknown> => ({
  id: payment.aliases[0],
  object: "charge",
  amount: payment.amount,
  amount_captured: payment.amount,
  amount_refunded: refunded,
  balance_transaction: `txn_${payment.id.slice(3)}`,
  captured: true,
  created: unix(payment.createdAt),
  currency: payment.currency,
  livemode: false,
  metadata: {},
  paid: true,
  payment_intent: payment.id,
  payment_method: `pm_${payment.id.slice(3)}`,
  refunded: refunded >= payment.amount,
  status: "succeeded"
})

const paymentIntentObject = (payment: PaymentRecord): Record<string, unknown> => ({
  id: payment.id,
  object: "payment_intent",
  amount: payment.amount,
  amount_capturable: 0,
  amount_received: payment.amount,
  capture_method: "automatic",
  created: unix(payment.createdAt),
  currency: payment.currency,
  latest_charge: payment.aliases[0],
  livemode: false,
  metadata: {},
  payment_method: `pm_${payment.id.slice(3)}`,
  status: "succeeded"
})

// ---------------------------------------------------------------------------------------------------------------
// Definition
// ---------------------------------------------------------------------------------------------------------------

type Kit = Server.EmulatorKit<StripeRefundAttributes>

const isJsonRequest = (request: EmulatorRequest) => (request.headers["content-type"] ?? "").includes("json")

const invalidContentType = () =>
  errorResponse(400, {
    type: "invalid_request_error",
    message:
      "Invalid request (check that your POST content type is application/x-www-form-urlencoded). If you have any questions, we can help at https://support.stripe.com/."
  })

/**
 * The request's parameters checked against an operation's parameter set: the query string, and for POSTs the
 * form body too (Stripe reads both; the body wins on a clash).
 */
const parameters = (request: EmulatorRequest, specs: Params.Specs): Params.Validated => {
  if (request.method !== "POST") return Params.validate(Params.parse(request.query.toString()), specs)
  if (isJsonRequest(request) && request.body.trim() !== "") return { _tag: "Invalid", response: invalidContentType() }
  const merged: Record<string, Params.Param> = Object.create(null)
  Object.assign(merged, Params.parse(request.query.toString()), Params.parse(request.body))
  return Params.validate(merged, specs)
}

/** Runs `handle` on valid parameters; answers Stripe's error otherwise. */
const withParameters = (
  request: EmulatorRequest,
  specs: Params.Specs,
  handle: (values: Params.Values) => HttpServerResponse.HttpServerResponse
): HttpServerResponse.HttpServerResponse => {
  const validated = parameters(request, specs)
  return validated._tag === "Invalid" ? validated.response : handle(validated.values)
}

// ---------------------------------------------------------------------------------------------------------------
// Expansion
// ---------------------------------------------------------------------------------------------------------------

/**
 * The refund fields the emulator can expand (it has the charge and the payment intent). Stripe also expands
 * `balance_transaction`, `failure_balance_transaction`, `payment_method`, `customer` and the transfer
 * reversals; the emulator has no such objects and refuses them rather than answer an id where an object was
 * asked for.
 */
const expandableRefundFields = ["charge", "payment_intent"] as const
type ExpandableRefundField = (typeof expandableRefundFields)[number]

const cannotExpand = (path: string, hint?: string) =>
  errorResponse(400, {
    type: "invalid_request_error",
    message: `This property cannot be expanded (${path}).${hint === undefined ? "" : ` ${hint}`}`
  })

/**
 * The fields to expand for `expand[]` on a refund (`prefix` "data." on lists), or Stripe's error for the first
 * path the emulator cannot expand. "You cannot expand more than 4 levels of a property" is Stripe's own limit.
 */
const refundExpansion = (
  expand: ReadonlyArray<string>,
  prefix: "" | "data."
): ReadonlySet<ExpandableRefundField> | HttpServerResponse.HttpServerResponse => {
  const fields = new Set<ExpandableRefundField>()
  for (const path of expand) {
    if (path.split(".").length > 4) {
      return errorResponse(400, { type: "invalid_request_error", message: "You cannot expand more than 4 levels of a property." })
    }
    if (prefix === "data." && !path.startsWith("data.")) {
      return cannotExpand(path, `You may want to try expanding 'data.${path}' instead.`)
    }
    const field = path.slice(prefix.length)
    const known = expandableRefundFields.find((f) => f === field)
    if (known === undefined) return cannotExpand(path)
    fields.add(known)
  }
  return fields
}

/** The refund object (as of `status`, default its current one) with the asked-for fields expanded. */
const renderRefund = (
  kit: Kit,
  refund: RefundRecord<StripeRefundAttributes>,
  expand: ReadonlySet<ExpandableRefundField>,
  status: string = refund.status
) => {
  const object = refundObject(refund, status)
  if (expand.size === 0) return object
  const payment = kit.store.payment(refund.paymentId)
  if (payment === undefined) return object
  if (expand.has("charge")) object["charge"] = chargeObject(payment, payment.amount - kit.store.refundable(payment.id))
  if (expand.has("payment_intent")) object["payment_intent"] = paymentIntentObject(payment)
  return object
}

const isResponse = (u: unknown): u is HttpServerResponse.HttpServerResponse => HttpServerResponse.isHttpServerResponse(u)

// ---------------------------------------------------------------------------------------------------------------
// Refunds
// ---------------------------------------------------------------------------------------------------------------

const createRefund = (kit: Kit, request: EmulatorRequest, values: Params.Values): HttpServerResponse.HttpServerResponse => {
  const expand = refundExpansion(Params.strings(values, "expand"), "")
  if (isResponse(expand)) return expand
  const origin = Params.string(values, "origin")
  if (origin === "customer_balance") return customerBalanceRefund(values)
  // Stripe refunds a charge in the charge's currency and refuses the parameter outright: 400 parameter_unknown
  // "Received unknown parameter: currency" (stripe/stripe-node#1804). A Stripe engineer: currency "is only
  // allowed in specific cases" (stripe/stripe-dotnet#2786), i.e. refunds from a customer balance. stripe-node's
  // RefundCreateParams still declares it, for that case.
  if (values.has("currency")) return Params.unknownParameter("currency")
  const amount = Params.integer(values, "amount")
  if (amount !== undefined && amount < 1) {
    return errorResponse(400, {
      type: "invalid_request_error",
      code: "parameter_invalid_integer",
      message: "Invalid positive integer",
      param: "amount"
    })
  }
  const metadata = Params.record(values, "metadata") ?? {}
  const chargeParam = Params.string(values, "charge")
  const intentParam = Params.string(values, "payment_intent")
  if (chargeParam === undefined && intentParam === undefined) {
    return errorResponse(400, {
      type: "invalid_request_error",
      code: "parameter_missing",
      message: "One of the following params should be provided for this request: charge or payment_intent."
    })
  }
  let payment: PaymentRecord | undefined
  if (chargeParam !== undefined) {
    payment = chargeParam.startsWith("ch_") ? kit.store.payment(chargeParam) : undefined
    if (payment === undefined) return notFound("charge", chargeParam, "charge")
  }
  if (intentParam !== undefined) {
    const byIntent = intentParam.startsWith("pi_") ? kit.store.payment(intentParam) : undefined
    if (byIntent === undefined || byIntent.id !== intentParam) return notFound("payment_intent", intentParam, "payment_intent")
    if (payment !== undefined && payment.id !== byIntent.id) {
      return errorResponse(400, {
        type: "invalid_request_error",
        message: `The charge ${chargeParam} does not belong to the PaymentIntent ${intentParam}.`,
        param: "charge"
      })
    }
    payment = byIntent
  }
  const target = payment!
  const chargeId = target.aliases[0]!
  const refundable = kit.store.refundable(target.id)
  if (refundable <= 0) {
    return errorResponse(400, {
      type: "invalid_request_error",
      code: "charge_already_refunded",
      message: `Charge ${chargeId} has already been refunded.`
    })
  }
  const value = amount ?? refundable
  if (value > refundable) {
    return errorResponse(400, {
      type: "invalid_request_error",
      code: "amount_too_large",
      message: `Refund amount (${formatAmount(value, target.currency)}) is greater than unrefunded amount on charge (${
        formatAmount(refundable, target.currency)
      })`,
      param: "amount"
    })
  }
  const refund = kit.store.createRefund({
    id: `re_${randomString(24)}`,
    payment: target,
    amount: value,
    currency: target.currency,
    idempotencyKey: request.headers["idempotency-key"],
    reference: metadata["merchant_refund_id"] ?? metadata["refund_id"],
    metadata: { ...metadata },
    attributes: {
      chargeId,
      paymentIntentId: target.id,
      paymentMethodId: `pm_${target.id.slice(3)}`,
      balanceTransaction: `txn_${randomString(24)}`,
      failureBalanceTransaction: `txn_${randomString(24)}`,
      reason: Params.string(values, "reason") ?? null,
      instructionsEmail: Params.string(values, "instructions_email"),
      acquirerReference: randomString(12, "0123456789")
    }
  })
  return json(200, renderRefund(kit, refund, expand), { pretty: true })
}

/**
 * `origin=customer_balance`: a refund from a customer's cash balance, the one case where Stripe takes `currency`
 * (stripe-node RefundCreateParams: `customer` "Customer whose customer balance to refund from", `origin`). The
 * emulator has no customers, so such a refund names an unknown customer.
 */
const customerBalanceRefund = (values: Params.Values): HttpServerResponse.HttpServerResponse => {
  const customer = Params.string(values, "customer")
  if (customer === undefined) return Params.missingParameter("customer")
  return notFound("customer", customer, "customer")
}

const emptyRefundList = () => json(200, { object: "list", data: [], has_more: false, url: "/v1/refunds" }, { pretty: true })

const listRefunds = (kit: Kit, values: Params.Values): HttpServerResponse.HttpServerResponse => {
  const expand = refundExpansion(Params.strings(values, "expand"), "data.")
  if (isResponse(expand)) return expand
  const limit = Params.integer(values, "limit") ?? 10
  const charge = Params.string(values, "charge")
  const intent = Params.string(values, "payment_intent")
  // `charge` and `payment_intent` name one payment: its refunds are listed from the payment's own index.
  let paymentId: string | undefined
  if (charge !== undefined) {
    const payment = charge.startsWith("ch_") ? kit.store.payment(charge) : undefined
    if (payment === undefined) return emptyRefundList()
    paymentId = payment.id
  }
  if (intent !== undefined) {
    const payment = kit.store.payment(intent)
    if (payment === undefined || payment.id !== intent || (paymentId !== undefined && paymentId !== payment.id)) return emptyRefundList()
    paymentId = payment.id
  }
  const page = kit.store.listPage({
    limit,
    ...createdBounds(Params.range(values, "created")),
    paymentId,
    startingAfter: Params.string(values, "starting_after"),
    endingBefore: Params.string(values, "ending_before")
  })
  if (page._tag === "UnknownCursor") {
    return notFound("refund", page.id, page.param === "startingAfter" ? "starting_after" : "ending_before")
  }
  return json(
    200,
    {
      object: "list",
      data: page.data.map((listed) => renderRefund(kit, listed.refund, expand, listed.status)),
      has_more: page.hasMore,
      url: "/v1/refunds"
    },
    { pretty: true }
  )
}

/**
 * A `created` filter (unix seconds) as epoch-millisecond bounds `[from, until)`: a refund created at
 * 12.999 s has `created: 12`, so `lte: 12` reaches up to 13 000 ms exclusive.
 */
export const createdBounds = (range: Params.Range | undefined): { createdFrom?: number; createdUntil?: number } => {
  if (range === undefined) return {}
  const lows = [range.gt === undefined ? undefined : (range.gt + 1) * 1000, range.gte === undefined ? undefined : range.gte * 1000]
  const highs = [range.lt === undefined ? undefined : range.lt * 1000, range.lte === undefined ? undefined : (range.lte + 1) * 1000]
  const from = lows.reduce<number | undefined>((m, v) => (v === undefined ? m : m === undefined ? v : Math.max(m, v)), undefined)
  const until = highs.reduce<number | undefined>((m, v) => (v === undefined ? m : m === undefined ? v : Math.min(m, v)), undefined)
  return { ...(from === undefined ? {} : { createdFrom: from }), ...(until === undefined ? {} : { createdUntil: until }) }
}

const retrieveRefund = (kit: Kit, id: string, values: Params.Values): HttpServerResponse.HttpServerResponse => {
  const refund = kit.store.get(id)
  if (refund === undefined) return notFound("refund", id, "id")
  const expand = refundExpansion(Params.strings(values, "expand"), "")
  return isResponse(expand) ? expand : json(200, renderRefund(kit, refund, expand), { pretty: true })
}

/**
 * `POST /v1/refunds/:id`: "This request only accepts metadata as an argument" (stripe-node). `metadata[k]=`
 * deletes a key, `metadata=` all of them. A real change is announced with `refund.updated`.
 */
const updateRefund = (
  kit: Kit,
  id: string,
  values: Params.Values,
  announce: (refund: RefundRecord<StripeRefundAttributes>, before: Record<string, unknown>) => void
): HttpServerResponse.HttpServerResponse => {
  const refund = kit.store.get(id)
  if (refund === undefined) return notFound("refund", id, "id")
  const expand = refundExpansion(Params.strings(values, "expand"), "")
  if (isResponse(expand)) return expand
  const metadata = Params.record(values, "metadata")
  if (metadata !== undefined) {
    const before = refundObject(refund)
    // No prototype, so a key named `__proto__` is set like any other.
    const next: Record<string, string> = Object.assign(Object.create(null), Object.keys(metadata).length === 0 ? {} : refund.metadata)
    for (const [k, v] of Object.entries(metadata)) {
      if (v === "") delete next[k]
      else next[k] = v
    }
    if (Object.keys(next).length > Params.metadataLimits.keys) {
      return errorResponse(400, {
        type: "invalid_request_error",
        message: `Invalid metadata: metadata can have at most ${Params.metadataLimits.keys} keys`,
        param: "metadata"
      })
    }
    refund.metadata = next
    announce(refund, before)
  }
  return json(200, renderRefund(kit, refund, expand), { pretty: true })
}

const cancelRefund = (kit: Kit, id: string, values: Params.Values): HttpServerResponse.HttpServerResponse => {
  const refund = kit.store.get(id)
  if (refund === undefined) return notFound("refund", id, "id")
  const expand = refundExpansion(Params.strings(values, "expand"), "")
  if (isResponse(expand)) return expand
  if (refund.status !== "requires_action") {
    return errorResponse(400, {
      type: "invalid_request_error",
      message:
        `Refund ${id} cannot be canceled because it has a status of ${refund.status}. Only a refund with a status of requires_action can be canceled.`
    })
  }
  kit.store.transitionTo(id, "canceled", "api")
  return json(200, renderRefund(kit, refund, expand), { pretty: true })
}

// ---------------------------------------------------------------------------------------------------------------
// Charges and payment intents
// ---------------------------------------------------------------------------------------------------------------

const retrieveCharge = (kit: Kit, id: string, values: Params.Values): HttpServerResponse.HttpServerResponse => {
  const payment = id.startsWith("ch_") ? kit.store.payment(id) : undefined
  if (payment === undefined) return notFound("charge", id, "id")
  const charge = chargeObject(payment, payment.amount - kit.store.refundable(payment.id))
  for (const path of Params.strings(values, "expand")) {
    if (path !== "payment_intent") return cannotExpand(path)
    charge["payment_intent"] = paymentIntentObject(payment)
  }
  return json(200, charge, { pretty: true })
}

const retrievePaymentIntent = (kit: Kit, id: string, values: Params.Values): HttpServerResponse.HttpServerResponse => {
  const payment = kit.store.payment(id)
  if (payment === undefined || payment.id !== id) return notFound("payment_intent", id, "intent")
  const intent = paymentIntentObject(payment)
  for (const path of Params.strings(values, "expand")) {
    if (path !== "latest_charge") return cannotExpand(path)
    intent["latest_charge"] = chargeObject(payment, payment.amount - kit.store.refundable(payment.id))
  }
  return json(200, intent, { pretty: true })
}

// ---------------------------------------------------------------------------------------------------------------
// Routes
// ---------------------------------------------------------------------------------------------------------------

/** A handler for routes with an `:id` path parameter. */
const withId = (f: (id: string, request: EmulatorRequest) => HttpServerResponse.HttpServerResponse) =>
  Effect.gen(function*() {
    const { id } = yield* HttpRouter.params
    return f(id ?? "", yield* readRequest)
  })

/** A handler for routes without path parameters. */
const plain = (f: (request: EmulatorRequest) => HttpServerResponse.HttpServerResponse) => Effect.map(readRequest, f)

const routes = (announceUpdate: (kit: Kit) => (refund: RefundRecord<StripeRefundAttributes>, before: Record<string, unknown>) => void) =>
(kit: Kit): Layer.Layer<never, never, HttpRouter.HttpRouter> =>
  HttpRouter.use((router) =>
    Effect.gen(function*() {
      const ops = Params.operations
      yield* router.add("POST", "/v1/refunds", plain((r) => withParameters(r, ops.createRefund, (v) => createRefund(kit, r, v))))
      yield* router.add("GET", "/v1/refunds", plain((r) => withParameters(r, ops.listRefunds, (v) => listRefunds(kit, v))))
      yield* router.add("GET", "/v1/refunds/:id", withId((id, r) => withParameters(r, ops.retrieveRefund, (v) => retrieveRefund(kit, id, v))))
      yield* router.add(
        "POST",
        "/v1/refunds/:id",
        withId((id, r) => withParameters(r, ops.updateRefund, (v) => updateRefund(kit, id, v, announceUpdate(kit))))
      )
      yield* router.add("POST", "/v1/refunds/:id/cancel", withId((id, r) => withParameters(r, ops.cancelRefund, (v) => cancelRefund(kit, id, v))))
      yield* router.add("GET", "/v1/charges/:id", withId((id, r) => withParameters(r, ops.retrieveCharge, (v) => retrieveCharge(kit, id, v))))
      yield* router.add(
        "GET",
        "/v1/payment_intents/:id",
        withId((id, r) => withParameters(r, ops.retrievePaymentIntent, (v) => retrievePaymentIntent(kit, id, v)))
      )
      yield* router.add(
        "GET",
        "/v1/events",
        plain((r) => withParameters(r, ops.listEvents, (v) => StripeEvents.list(kit.webhooks, kit.clock.now(), v)))
      )
      yield* router.add(
        "GET",
        "/v1/events/:id",
        withId((id, r) => withParameters(r, ops.retrieveEvent, (v) => StripeEvents.retrieve(kit.webhooks, kit.clock.now(), id, v)))
      )
      yield* router.add(
        "*",
        "/*",
        Effect.map(readRequest, (request) =>
          errorResponse(404, {
            type: "invalid_request_error",
            message:
              `Unrecognized request URL (${request.method}: ${request.path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`
          }))
      )
    })
  )

const apiKeyFrom = (request: EmulatorRequest): string | undefined => {
  const header = request.headers["authorization"]
  if (header === undefined) return undefined
  const bearer = /^Bearer\s+(.+)$/i.exec(header)
  if (bearer !== null) return bearer[1]!.trim()
  const basic = /^Basic\s+(.+)$/i.exec(header)
  if (basic !== null) {
    const decoded = Buffer.from(basic[1]!.trim(), "base64").toString("utf8")
    const user = decoded.split(":")[0]
    return user === "" ? undefined : user
  }
  return undefined
}

const canonicalParams = (request: EmulatorRequest): string =>
  [...new URLSearchParams(request.body)].map(([k, v]) => `${k}=${v}`).toSorted().join("&")

/** Builds the emulator definition (one per instance). */
export const definition = (options: StripeEmulatorOptions = {}): Server.EmulatorDefinition<StripeRefundAttributes> => {
  const apiKey = options.apiKey ?? defaultApiKey
  const webhookSecret = options.webhookSecret ?? defaultWebhookSecret
  const apiVersion = options.apiVersion ?? defaultApiVersion

  const authenticate = (request: EmulatorRequest): HttpServerResponse.HttpServerResponse | undefined => {
    const key = apiKeyFrom(request)
    if (key === apiKey) return undefined
    return errorResponse(
      401,
      {
        type: "invalid_request_error",
        message: key === undefined
          ? "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/."
          : `Invalid API Key provided: ${maskKey(key)}`
      },
      { "www-authenticate": "Basic realm=\"Stripe\"" }
    )
  }

  /**
   * An event about a refund. `before` is the refund object before the change, for `*.updated` events (the only
   * ones with `previous_attributes`, see StripeEvents). Stripe redelivers an event under the same id, so the id
   * names the change (refund, event type, state, `change`), never the delivery.
   */
  const renderEvent = (input: {
    readonly refund: RefundRecord<StripeRefundAttributes>
    readonly eventType: string
    readonly createdSeconds: number
    readonly charge: () => Record<string, unknown>
    readonly before: Record<string, unknown> | undefined
    readonly change: string
  }) => {
    const { refund, eventType } = input
    const object = eventType.startsWith("charge.") && eventType !== "charge.refund.updated" ? input.charge() : refundObject(refund)
    const previous = StripeEvents.carriesPreviousAttributes(eventType) && input.before !== undefined
      ? { previous_attributes: StripeEvents.previousAttributes(input.before, object) }
      : {}
    return {
      id: `evt_${createHash("sha256").update(`${refund.id}|${eventType}|${refund.status}|${input.change}`).digest("hex").slice(0, 24)}`,
      object: "event",
      api_version: apiVersion,
      created: input.createdSeconds,
      data: { object, ...previous },
      livemode: false,
      pending_webhooks: 1,
      request: {
        id: null,
        idempotency_key: eventType === "refund.created" ? refund.idempotencyKey ?? null : null
      },
      type: eventType
    }
  }

  /** The delivery of an event: pretty JSON (as Stripe sends) signed at `t`; `tamper` changes the amount after signing. */
  const signedEvent = (event: ReturnType<typeof renderEvent>, secret: string, t: number, tamper: boolean) => {
    const signedBody = JSON.stringify(event, null, 2)
    let body = signedBody
    if (tamper) {
      const object = event.data.object as Record<string, unknown>
      object["amount"] = Number(object["amount"] ?? 0) + 1
      body = JSON.stringify(event, null, 2)
    }
    return {
      headers: {
        "content-type": "application/json; charset=utf-8",
        "user-agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
        "cache-control": "no-cache",
        accept: "*/*; q=0.5, application/xml",
        "stripe-signature": signatureHeader(signedBody, secret, t)
      },
      body
    }
  }

  const chargeOf = (kit: Kit, refund: RefundRecord<StripeRefundAttributes>) => () => {
    const payment = kit.store.payment(refund.paymentId)
    return payment === undefined ? {} : chargeObject(payment, payment.amount - kit.store.refundable(payment.id))
  }

  let metadataChanges = 0
  /** A metadata update is an update too: `refund.updated` with the changed keys in `previous_attributes.metadata`. */
  const announceUpdate = (kit: Kit) => (refund: RefundRecord<StripeRefundAttributes>, before: Record<string, unknown>) => {
    if (JSON.stringify(before) === JSON.stringify(refundObject(refund))) return
    const now = kit.clock.now()
    const t = Math.floor(now / 1000)
    const event = renderEvent({
      refund,
      eventType: "refund.updated",
      createdSeconds: t,
      charge: chargeOf(kit, refund),
      before,
      change: `metadata:${++metadataChanges}`
    })
    const signed = signedEvent(event, webhookSecret, t, false)
    kit.webhooks.publish([{ eventType: "refund.updated", refundId: refund.id, headers: signed.headers, body: signed.body }])
  }

  return {
    name: "stripe",
    credentials: { apiKey },
    webhookSecret,
    webhookUrl: options.webhookUrl,
    lifecycle,
    ...Server.numbers(options, numbers),
    newPayment: (input) => {
      const suffix = randomString(24)
      return { id: `pi_${suffix}`, aliases: [`ch_${suffix}`], currency: input.currency.toLowerCase() }
    },
    authenticate,
    idempotency: {
      header: "idempotency-key",
      appliesTo: (request) => request.method === "POST",
      fingerprint: (request) => `${request.method} ${request.path} ${canonicalParams(request)}`,
      stores: ({ status, body }) => {
        if (status >= 200 && status < 300) return true
        if (status < 400 || status >= 500) return false
        try {
          const code = JSON.parse(new TextDecoder().decode(body))?.error?.code
          return typeof code === "string" && storedErrorCodes.has(code)
        } catch {
          return false
        }
      },
      replay: (stored) =>
        withHeaders(Server.fromStored(stored), {
          "idempotent-replayed": "true",
          ...(stored.headers["request-id"] === undefined ? {} : { "original-request": stored.headers["request-id"] })
        }),
      mismatch: (key) =>
        errorResponse(400, {
          type: "idempotency_error",
          message:
            `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`
        }),
      inFlight: (key) =>
        errorResponse(409, {
          type: "invalid_request_error",
          code: "idempotency_key_in_use",
          message:
            `There is currently another in-progress request using this Idempotent Key (that probably means you submitted twice, and the other request is still going through): ${key}. Please try again later.`
        })
    },
    faults: {
      rateLimit: () =>
        errorResponse(429, {
          type: "invalid_request_error",
          code: "rate_limit",
          message: "Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits."
        }),
      serverError: (status) =>
        errorResponse(status, {
          type: "api_error",
          message:
            "An unknown error occurred. Our engineers have been notified. If this persists, please contact support at https://support.stripe.com/."
        })
    },
    decorate: (response, request) => {
      const status = response.status
      const headers: Record<string, string> = {
        "request-id": `req_${randomString(14)}`,
        "stripe-version": request.headers["stripe-version"] ?? apiVersion
      }
      const key = request.headers["idempotency-key"]
      if (key !== undefined && request.method === "POST") headers["idempotency-key"] = key
      if (status >= 500 || status === 409) headers["stripe-should-retry"] = "true"
      else if (status >= 400 && status !== 429) headers["stripe-should-retry"] = "false"
      return withHeaders(response, headers)
    },
    routes: routes(announceUpdate),
    seeding: seedPolicy(),
    webhooks: {
      eventsFor: (transition) => {
        if (transition.from === undefined) return ["charge.refunded", "refund.created"]
        return transition.to === "failed"
          ? ["refund.failed", "refund.updated", "charge.refund.updated"]
          : ["refund.updated", "charge.refund.updated"]
      },
      defaultEventType: () => "refund.updated",
      render: (refund, eventType, render, kit) => {
        const t = render.timestampSeconds ?? Math.floor(render.now / 1000)
        // The status before this change: the transition's, or (for `signedWebhook`) the one before the last change.
        const previousStatus = render.previousStatus ?? refund.history.at(-2)?.status
        const event = renderEvent({
          refund,
          eventType,
          createdSeconds: t,
          charge: chargeOf(kit, refund),
          before: previousStatus === undefined ? undefined : refundObject(refund, previousStatus),
          change: String(refund.history.length)
        })
        return signedEvent(event, render.secret, t, render.tamper === true)
      },
      // Every attempt is signed anew: `t=` is the moment of sending, so a retry days later still verifies.
      resign: (message, attempt) => ({
        "stripe-signature": signatureHeader(message.body, attempt.secret, Math.floor(attempt.now / 1000))
      }),
      eventId: (message) => jsonField(message.body, "id")
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Seeding
// ---------------------------------------------------------------------------------------------------------------

/** Stripe's refund statuses (the refund object's `status`). */
export const statuses: ReadonlyArray<RefundStatus> = ["pending", "requires_action", "succeeded", "failed", "canceled"]

/**
 * `failure_reason`: "Possible values are: `lost_or_stolen_card`, `expired_or_canceled_card`,
 * `charge_for_pending_refund_disputed`, `insufficient_funds`, `declined`, `merchant_request`, or `unknown`"
 * (https://docs.stripe.com/api/refunds/object).
 */
export const failureReasons: ReadonlyArray<string> = [
  "lost_or_stolen_card",
  "expired_or_canceled_card",
  "charge_for_pending_refund_disputed",
  "insufficient_funds",
  "declined",
  "merchant_request",
  "unknown"
]

const stripeId = (prefix: string) => new RegExp(`^${prefix}_[A-Za-z0-9]{1,250}$`)
const refundIdPattern = stripeId("re")
const intentIdPattern = stripeId("pi")

/** A cheap, stable 12-digit number from an id (a seeded refund's ARN). */
const digits12 = (id: string): string => {
  let h1 = 0x811c9dc5
  let h2 = 0x01000193
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i)
    h1 = Math.imul(h1 ^ c, 0x01000193)
    h2 = Math.imul(h2 ^ c, 0x5bd1e995)
  }
  return (String(h1 >>> 0).padStart(10, "0") + String(h2 >>> 0).padStart(10, "0")).slice(-12)
}

/**
 * A seeded refund's attributes, derived from its id and payment when read (a million seeded refunds hold two
 * strings each, not seven).
 */
class SeededAttributes implements StripeRefundAttributes {
  readonly paymentIntentId: string
  private readonly refundId: string
  constructor(paymentIntentId: string, refundId: string) {
    this.paymentIntentId = paymentIntentId
    this.refundId = refundId
  }
  get chargeId(): string {
    return `ch_${this.paymentIntentId.slice(3)}`
  }
  get paymentMethodId(): string {
    return `pm_${this.paymentIntentId.slice(3)}`
  }
  get balanceTransaction(): string {
    return `txn_${this.refundId.slice(3)}`
  }
  get failureBalanceTransaction(): string {
    return `txn_${this.refundId.slice(3)}F`
  }
  get reason(): null {
    return null
  }
  get instructionsEmail(): undefined {
    return undefined
  }
  get acquirerReference(): string {
    return digits12(this.refundId)
  }
}

/**
 * How items become Stripe refunds: `re_…` / `pi_…` ids (fresh ones when absent; a payment's charge is
 * `ch_<same suffix>`), Stripe's five statuses, `metadata` within Stripe's limits, `failureReason` one of
 * Stripe's and only on `failed` refunds (default `declined`). Stripe's refund has no merchant reference
 * field, so `reference` is refused (put it in `metadata`; `merchant_refund_id` / `refund_id` there become the
 * truth API's `reference`, as on created refunds). The ARN (`destination_details.card.reference`) shows once
 * `succeeded`, like a created refund's.
 */
const seedPolicy = (): SeedPolicy<StripeRefundAttributes> => {
  const tag = randomString(10)
  let counter = 0
  const fresh = () => `${tag}${(++counter).toString(36).padStart(14, "0")}`
  return {
    statuses,
    newRefundId: () => `re_${fresh()}`,
    // An item without `paymentId` has payment `pi_<its refund id's suffix>` (charge `ch_<same>`), made on first use.
    implicitPayments: {
      paymentIdFor: (refundId) => `pi_${refundId.slice(3)}`,
      refundIdFor: (id) => (id.startsWith("pi_") || id.startsWith("ch_") ? `re_${id.slice(3)}` : undefined),
      aliasesFor: (paymentId) => [`ch_${paymentId.slice(3)}`]
    },
    newPayment: (paymentId, currency) => {
      const suffix = paymentId === undefined ? fresh() : paymentId.slice(3)
      const id = paymentId ?? `pi_${suffix}`
      return { id, aliases: [`ch_${suffix}`], currency: currency.toLowerCase() }
    },
    check: (item) => {
      if (item.reference !== undefined) {
        return "reference: Stripe refunds have no merchant reference field (use metadata, e.g. metadata.merchant_refund_id)"
      }
      if (item.id !== undefined && !refundIdPattern.test(item.id)) return `id must be a Stripe refund id (re_…), got ${JSON.stringify(item.id)}`
      if (item.paymentId !== undefined && !intentIdPattern.test(item.paymentId)) {
        return `paymentId must be a Stripe PaymentIntent id (pi_…), got ${JSON.stringify(item.paymentId)}`
      }
      if (item.failureReason !== undefined) {
        if (item.status !== "failed") return `failureReason is only for failed refunds (status is ${item.status})`
        if (!failureReasons.includes(item.failureReason)) {
          return `failureReason must be one of ${failureReasons.join(", ")}, got ${JSON.stringify(item.failureReason)}`
        }
      }
      if (item.metadata !== undefined) {
        const keys = Object.keys(item.metadata)
        if (keys.length > Params.metadataLimits.keys) return `metadata can have at most ${Params.metadataLimits.keys} keys`
        for (const key of keys) {
          if (key.length > Params.metadataLimits.keyLength) return `metadata key ${JSON.stringify(key)} is longer than ${Params.metadataLimits.keyLength}`
          if (item.metadata[key]!.length > Params.metadataLimits.valueLength) {
            return `metadata.${key} is longer than ${Params.metadataLimits.valueLength}`
          }
        }
      }
      return undefined
    },
    outcome: (status) =>
      status === "failed" ? "failed" : status === "canceled" ? "canceled" : status === "requires_action" ? "requires_action" : "succeeded",
    refund: ({ id, item, paymentId }) => ({
      attributes: new SeededAttributes(paymentId, id),
      reference: item.metadata?.["merchant_refund_id"] ?? item.metadata?.["refund_id"],
      failureReason: item.status === "failed" ? item.failureReason ?? defaultFailureReason : undefined
    })
  }
}

/** A top-level string field of a JSON body, if it parses. */
const jsonField = (body: string, field: string): string | undefined => {
  try {
    const value: unknown = JSON.parse(body)?.[field]
    return typeof value === "string" ? value : undefined
  } catch {
    return undefined
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Entry points
// ---------------------------------------------------------------------------------------------------------------

/** The Stripe emulator as its own service key (same shape as `EmulatorService`), for tests running several emulators. */
export class Service extends Context.Service<Service, Emulator>()("@refract/testkit/StripeEmulator") {}

/** Starts a Stripe emulator in the current scope. */
export const make = (options: StripeEmulatorOptions = {}): Effect.Effect<Server.RunningEmulator<StripeRefundAttributes>, ServeError, Scope.Scope> =>
  Effect.suspend(() => Server.make(definition(options), Server.serverOptions(options)))

/** Starts a Stripe emulator; stop it with `close()`. */
export const start = (options: StripeEmulatorOptions = {}): Promise<Emulator> =>
  Server.start(definition(options), Server.serverOptions(options))

/** A layer providing the running emulator as `EmulatorService` and {@link Service}. */
export const layer = (options: StripeEmulatorOptions = {}): Layer.Layer<EmulatorService | Service, ServeError> =>
  Server.layer(() => definition(options), Server.serverOptions(options), Service)
