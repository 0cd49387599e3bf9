/**
 * A stateful Razorpay emulator speaking Razorpay's wire format for refunds: `POST /v1/payments/:id/refund`
 * (JSON or form), the refund and collection entities, `GET /v1/refunds/:id`, `GET /v1/payments/:id/refunds[/:rid]`,
 * Razorpay's `{"error":{code,description,source,step,reason,metadata,field}}` bodies, the `X-Refund-Idempotency`
 * header, and `X-Razorpay-Signature` webhooks (`refund.created`, `refund.processed`, `refund.failed`,
 * `refund.speed_changed`). Requests are held to Razorpay's documented parameters by `RazorpayRequest.ts`.
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
import { json, randomString, readRequest } from "../emulator/Http.ts"
import { checkLag, ListingIndex } from "../emulator/ListingIndex.ts"
import type { Lifecycle, PaymentRecord, RefundRecord, Step } from "../emulator/RefundStore.ts"
import * as RetrySchedule from "../emulator/RetrySchedule.ts"
import * as Server from "../emulator/Server.ts"
import { hmacSha256Hex, safeEqual } from "../emulator/Webhooks.ts"
import type { AmountParam, NoteValue, RefundParams } from "./RazorpayRequest.ts"
import { collectionParams, errorResponse, invalid, isResponse, notesParam, onlyAllowed, readBody, refundParams } from "./RazorpayRequest.ts"

export { errorResponse } from "./RazorpayRequest.ts"
export type { RazorpayErrorFields } from "./RazorpayRequest.ts"

/** Options of the Razorpay emulator. */
export interface RazorpayEmulatorOptions extends EmulatorOptions {
  /** The one valid key id (`rzp_test_` + 14 characters). `apiKey` is accepted as an alias. */
  readonly keyId?: string
  /** The key secret that goes with it. */
  readonly keySecret?: string
  /** `account_id` in webhook events (`acc_` + 14 characters). */
  readonly accountId?: string
  /**
   * Whether `speed: "optimum"` refunds can go instant (default true). When false, such a refund is processed at
   * normal speed: `speed_processed: "normal"` and a `refund.speed_changed` event after `refund.created`
   * ("triggered when the processing speed changes from instant to normal and the requested speed was set to
   * optimum", https://razorpay.com/docs/webhooks/payloads/refunds).
   */
  readonly instantRefundsAvailable?: boolean
  /**
   * How long (emulator ms) a new refund takes to show in `GET /v1/refunds`. Razorpay documents no lag for its
   * listing, so the default is 0; set it to test a reconciler against a late listing. (The same name as the
   * framework-wide option being added, so the two can be unified.)
   */
  readonly listLagMillis?: number
}

/** Default key id. */
export const defaultKeyId = "rzp_test_EmulatorKey001"
/** Default key secret (24 characters, like the Dashboard generates). */
export const defaultKeySecret = "EmulatorKeySecret0123456"
/** Default webhook secret (Razorpay lets the merchant choose it; any string). */
export const defaultWebhookSecret = "rzp_emulator_webhook_secret"
/** Default `account_id` of webhook events. */
export const defaultAccountId = "acc_EmulatorAcct01"

/** Razorpay's refund statuses. */
export type RefundStatus = "pending" | "processed" | "failed"

/** Razorpay-specific state of an emulated refund. */
export interface RazorpayRefundAttributes {
  readonly speedRequested: "normal" | "optimum"
  /** `instant` when an optimum refund went instant, else `normal`. */
  readonly speedProcessed: "normal" | "instant"
  readonly receipt: string | null
  /** Notes exactly as sent (scalars); `metadata` holds them as strings. */
  notes: Record<string, NoteValue>
  /** The acquirer reference number, shown once the refund is processed. */
  readonly arn: string
}

/** The failure reason recorded (emulator state only: Razorpay's refund entity has no reason field). */
export const defaultFailureReason = "refund_failed"

/**
 * How each {@link Outcome} plays out (after `pending`). Razorpay refunds "cannot be canceled or reversed":
 * `canceled` ends `failed` (the only unsuccessful end), `requires_action` stays `pending`, and both reversal
 * outcomes end `processed` (the later reversal is never reported).
 */
export const lifecycle: Lifecycle = {
  initialStatus: "pending",
  steps: (outcome: Outcome, reason: string | undefined): ReadonlyArray<Step> => {
    switch (outcome) {
      case "succeeded":
      case "succeeded_then_reversed":
      case "succeeded_then_failed":
        return [{ status: "processed" }]
      case "failed":
        return [{ status: "failed", reason: reason ?? defaultFailureReason }]
      case "canceled":
        return [{ status: "failed", reason: reason ?? "canceled" }]
      case "requires_action":
        return []
    }
  },
  holdsFunds: (status) => status !== "failed",
  successStatuses: ["processed"]
}

/**
 * Razorpay's numbers:
 * - `X-Refund-Idempotency`: the refund pages (https://razorpay.com/docs/api/refunds/normal-refunds-idempotent)
 *   give no retention. A day, the shortest window documented by the other processors, so a connector that
 *   counts on a longer one fails here first [derived];
 * - webhook retries: "we retry the delivery in exponential backoff policy for 24 hours after event creation
 *   timestamp" (https://razorpay.com/docs/webhooks/best-practices). Steps not published: 1 min doubling,
 *   capped at 4 h, within the 24 h [derived].
 */
export const numbers: Server.ProcessorNumbers = {
  timing: Server.defaultTiming,
  idempotencyWindowMillis: RetrySchedule.millis.day,
  retrySchedule: RetrySchedule.exponential({
    firstMillis: RetrySchedule.millis.minute,
    factor: 2,
    maxMillis: 4 * RetrySchedule.millis.hour,
    withinMillis: RetrySchedule.millis.day
  })
}

const idAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
/** `pay_` + 14 alphanumerics. */
export const newPaymentId = (): string => `pay_${randomString(14, idAlphabet)}`
/** `rfnd_` + 14 alphanumerics. */
export const newRefundId = (): string => `rfnd_${randomString(14, idAlphabet)}`

const paymentIdPattern = /^pay_[A-Za-z0-9]{14}$/
const refundIdPattern = /^rfnd_[A-Za-z0-9]{14}$/
const idempotencyKeyPattern = /^[A-Za-z0-9_-]+$/

// ---------------------------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------------------------

/** Well-known error descriptions. */
export const messages = {
  missingAuth: "Please provide your api key for authentication purposes.",
  invalidKey: "The api key provided is invalid",
  invalidSecret: "The api secret provided is invalid",
  idNotFound: "The id provided does not exist",
  urlNotFound: "The requested URL was not found on the server.",
  amountTooLarge: "The refund amount provided is greater than amount captured",
  totalAmountTooLarge: "The total refund amount is greater than the refund payment amount",
  fullyRefunded: "The payment has been fully refunded already",
  amountNotInteger: "The amount must be an integer.",
  amountBlank: "Amount cannot be blank",
  amountNotDigits: "Amount should be in paise and only have digits",
  duplicateReceipt: "Duplicate receipt found for this refund request.",
  idempotencyMismatch: "Different request with the same idempotency key has already been processed.",
  idempotencyInFlight: "Another request with the same idempotency key is still in progress.",
  idempotencyKeyTooShort: "The idempotency key must be at least 10 characters long.",
  idempotencyKeyInvalid: "The idempotency key can contain only alphabets, numbers, hyphens and underscores.",
  tooManyRequests: "Request failed. Please try after sometime.",
  serverError: "We are facing some trouble completing your request at the moment. Please try again shortly."
} as const

const notFound = () => errorResponse(400, { description: messages.idNotFound })
const notValidId = (id: string) => errorResponse(400, { description: `${id} is not a valid id` })

// ---------------------------------------------------------------------------------------------------------------
// Entities
// ---------------------------------------------------------------------------------------------------------------

const unix = (millis: number) => Math.floor(millis / 1000)

const exponents: Readonly<Record<string, number>> = {
  BIF: 0, CLP: 0, DJF: 0, GNF: 0, JPY: 0, KMF: 0, KRW: 0, MGA: 0, PYG: 0, RWF: 0, UGX: 0, VND: 0, VUV: 0, XAF: 0,
  XOF: 0, XPF: 0, BHD: 3, IQD: 3, JOD: 3, KWD: 3, LYD: 3, OMR: 3, TND: 3
}
/** Minor-unit exponent of a currency (2 unless listed). */
export const currencyExponent = (currency: string): number => exponents[currency.toUpperCase()] ?? 2

/** Razorpay serializes empty notes as `[]` (a PHP empty array), non-empty ones as an object. */
const notesValue = (notes: Readonly<Record<string, unknown>>): unknown => Object.keys(notes).length === 0 ? [] : { ...notes }

/** The Razorpay `refund` entity. */
export const refundEntity = (refund: RefundRecord<RazorpayRefundAttributes>): Record<string, unknown> => {
  const a = refund.attributes
  return {
    id: refund.id,
    entity: "refund",
    amount: refund.amount,
    currency: refund.currency,
    payment_id: refund.paymentId,
    notes: notesValue(a.notes),
    receipt: a.receipt,
    acquirer_data: { arn: refund.status === "processed" ? a.arn : null },
    created_at: unix(refund.createdAt),
    batch_id: null,
    status: refund.status,
    speed_processed: a.speedProcessed,
    speed_requested: a.speedRequested
  }
}

/** The Razorpay `payment` entity (a captured card payment), as webhooks and `GET /v1/payments/:id` show it. */
export const paymentEntity = (payment: PaymentRecord, refunded: number): Record<string, unknown> => ({
  id: payment.id,
  entity: "payment",
  amount: payment.amount,
  currency: payment.currency,
  base_amount: payment.amount,
  status: refunded >= payment.amount ? "refunded" : "captured",
  order_id: null,
  invoice_id: null,
  international: false,
  method: "card",
  amount_refunded: refunded,
  amount_transferred: 0,
  refund_status: refunded <= 0 ? null : refunded >= payment.amount ? "full" : "partial",
  captured: true,
  description: payment.reference ?? null,
  card_id: null,
  bank: null,
  wallet: null,
  vpa: null,
  email: "void@razorpay.com",
  contact: "+919999999999",
  notes: [],
  fee: 0,
  tax: 0,
  error_code: null,
  error_description: null,
  error_source: null,
  error_step: null,
  error_reason: null,
  acquirer_data: {},
  created_at: unix(payment.createdAt)
})

// ---------------------------------------------------------------------------------------------------------------
// Webhooks
// ---------------------------------------------------------------------------------------------------------------

/** `X-Razorpay-Signature`: hex HMAC-SHA256 of the raw body under the webhook secret (UTF-8). */
export const signature = (body: string, secret: string): string => hmacSha256Hex(secret, body)

/** Verifies `X-Razorpay-Signature` in constant time (never throws). */
export const verifySignature = (body: string, header: string, secret: string): boolean =>
  safeEqual(Buffer.from(header, "utf8"), Buffer.from(signature(body, secret), "utf8"))

/** The event announcing a status. */
export const eventForStatus = (status: string): string =>
  status === "processed" ? "refund.processed" : status === "failed" ? "refund.failed" : "refund.created"

/** Refund webhook event types the emulator sends. */
export const eventTypes = ["refund.created", "refund.processed", "refund.failed", "refund.speed_changed"] as const

// ---------------------------------------------------------------------------------------------------------------
// Definition
// ---------------------------------------------------------------------------------------------------------------

type Kit = Server.EmulatorKit<RazorpayRefundAttributes>

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

/** A JSON value with object keys sorted (for comparing bodies). */
const canonical = (value: unknown): string => {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`
  if (isRecord(value)) {
    return `{${Object.keys(value).toSorted().map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(",")}}`
  }
  return JSON.stringify(value) ?? "null"
}

/** The smallest refund: one major unit at normal speed, one minor unit for instant (`optimum`) refunds. */
const minimumAmount = (currency: string, speed: RefundParams["speed"]): number =>
  // The API pages disagree: create-normal shows "The amount must be at least INR 1.00"; create-instant alone
  // says "Refund amounts of ₹1 or lower are now supported". Each rule is applied where it is written.
  speed === "optimum" ? 1 : 10 ** currencyExponent(currency)

const formatMinimum = (currency: string, minimum: number): string => {
  const exponent = currencyExponent(currency)
  return `${currency} ${(minimum / 10 ** exponent).toFixed(exponent)}`
}

/**
 * The amount to refund, or Razorpay's refusal, checked after the payment state (the server's create validators:
 * fully refunded, then the amount itself, then the minimum).
 */
const refundAmount = (
  payment: PaymentRecord,
  refundable: number,
  amount: AmountParam,
  speed: RefundParams["speed"]
): number | HttpServerResponse.HttpServerResponse => {
  // BadRequestExceptions without a field (server Validator::validatePaymentRefundStatus / validateRefundAmount).
  if (refundable <= 0) return invalid(messages.fullyRefunded)
  if (amount._tag === "Blank") return invalid(messages.amountBlank, "amount")
  if (amount._tag === "NotDigits") return invalid(messages.amountNotDigits, "amount")
  const value = amount._tag === "Absent" ? refundable : amount.value
  if (value > payment.amount) return invalid(messages.amountTooLarge)
  if (value > refundable) return invalid(messages.totalAmountTooLarge)
  const minimum = minimumAmount(payment.currency, speed)
  if (value < minimum) return invalid(`The amount must be at least ${formatMinimum(payment.currency, minimum)}`, "amount")
  return value
}

const createRefund = (
  kit: Kit,
  paymentId: string,
  request: EmulatorRequest,
  instantRefundsAvailable: boolean
): HttpServerResponse.HttpServerResponse => {
  const key = request.headers["x-refund-idempotency"]
  if (key !== undefined) {
    if (key.length < 10) return errorResponse(400, { description: messages.idempotencyKeyTooShort })
    if (!idempotencyKeyPattern.test(key)) return errorResponse(400, { description: messages.idempotencyKeyInvalid })
  }
  if (!paymentIdPattern.test(paymentId)) return notValidId(paymentId)
  const payment = kit.store.payment(paymentId)
  if (payment === undefined) return notFound()
  const body = readBody(request)
  if (isResponse(body)) return body
  const params = refundParams(body)
  if (isResponse(params)) return params
  const amount = refundAmount(payment, kit.store.refundable(payment.id), params.amount, params.speed)
  if (isResponse(amount)) return amount
  const { receipt, notes, speed } = params
  if (receipt !== null && kit.store.list((r) => r.paymentId === payment.id && r.attributes.receipt === receipt).length > 0) {
    return invalid(messages.duplicateReceipt)
  }
  const refund = kit.store.createRefund({
    id: newRefundId(),
    payment,
    amount,
    currency: payment.currency,
    idempotencyKey: key,
    reference: receipt ?? undefined,
    metadata: metadataOf(notes),
    attributes: {
      speedRequested: speed,
      speedProcessed: speed === "optimum" && instantRefundsAvailable ? "instant" : "normal",
      receipt,
      notes,
      arn: randomString(14, "0123456789")
    }
  })
  return json(200, refundEntity(refund))
}

/** Notes as strings, for `EmulatedRefund.metadata`. */
const metadataOf = (notes: Readonly<Record<string, NoteValue>>): Record<string, string> =>
  Object.fromEntries(Object.entries(notes).map(([k, v]) => [k, String(v)]))

const updateRefund = (kit: Kit, id: string, request: EmulatorRequest): HttpServerResponse.HttpServerResponse => {
  if (!refundIdPattern.test(id)) return notValidId(id)
  const refund = kit.store.get(id)
  if (refund === undefined) return notFound()
  const body = readBody(request)
  if (isResponse(body)) return body
  const extra = onlyAllowed(body, ["notes"])
  if (extra !== undefined) return extra
  const notes = notesParam(body["notes"])
  if (isResponse(notes)) return notes
  refund.attributes.notes = notes
  refund.metadata = metadataOf(notes)
  return json(200, refundEntity(refund))
}

/** A newest-first collection page (`count`, `skip`, `from`, `to`). */
const collection = (
  request: EmulatorRequest,
  refunds: ReadonlyArray<RefundRecord<RazorpayRefundAttributes>>
): HttpServerResponse.HttpServerResponse => {
  const q = collectionParams(request.query)
  if (isResponse(q)) return q
  const items = refunds
    .filter((r) => (q.from === undefined || unix(r.createdAt) >= q.from) && (q.to === undefined || unix(r.createdAt) <= q.to))
    .slice(q.skip)
    .slice(0, q.count)
    .map(refundEntity)
  return json(200, { entity: "collection", count: items.length, items })
}

/**
 * `GET /v1/refunds` ("Fetch All Refunds", https://razorpay.com/docs/api/refunds/fetch-all/; razorpay-node
 * `lib/resources/refunds.js` `all({ from, to, count, skip })`, which sends `count` 10 and `skip` 0 when unset):
 * `from` / `to` are unix seconds on `created_at`, both inclusive; `count` 1..100, default 10 ("by default, only
 * the last 10 refunds are returned"); `skip` ≥ 0; newest first; any other parameter is refused. The answer is
 * `{ entity: "collection", count, items }` with `count` the number of items in this page.
 *
 * Cost: a binary search for the window plus the page (`skip` is position arithmetic, not a scan).
 */
const allRefunds = (
  kit: Kit,
  index: ListingIndex<RazorpayRefundAttributes>,
  lagMillis: number,
  request: EmulatorRequest
): HttpServerResponse.HttpServerResponse => {
  const q = collectionParams(request.query)
  if (isResponse(q)) return q
  const visibleUntil = kit.clock.now() - lagMillis
  const from = q.from === undefined ? Number.MIN_SAFE_INTEGER : q.from * 1000
  const to = Math.min(q.to === undefined ? Number.MAX_SAFE_INTEGER : q.to * 1000 + 999, visibleUntil)
  const window = index.window(from, to)
  const items: Array<Record<string, unknown>> = []
  for (let i = window.end - 1 - q.skip; i >= window.start && items.length < q.count; i--) items.push(refundEntity(index.at(i)!.refund))
  return json(200, { entity: "collection", count: items.length, items })
}

const withParams = (f: (params: Readonly<Record<string, string | undefined>>, request: EmulatorRequest) => HttpServerResponse.HttpServerResponse) =>
  Effect.gen(function*() {
    const params = yield* HttpRouter.params
    return f(params, yield* readRequest)
  })

const routes = (instantRefundsAvailable: boolean) => (kit: Kit): Layer.Layer<never, never, HttpRouter.HttpRouter> =>
  HttpRouter.use((router) =>
    Effect.gen(function*() {
      const index = new ListingIndex(kit.store)
      yield* router.add("POST", "/v1/payments/:id/refund", withParams((p, request) => createRefund(kit, p.id ?? "", request, instantRefundsAvailable)))
      yield* router.add(
        "GET",
        "/v1/payments/:id/refunds",
        withParams((p, request) => {
          const id = p.id ?? ""
          if (!paymentIdPattern.test(id)) return notValidId(id)
          const payment = kit.store.payment(id)
          if (payment === undefined) return notFound()
          return collection(request, kit.store.list((r) => r.paymentId === payment.id))
        })
      )
      yield* router.add(
        "GET",
        "/v1/payments/:id/refunds/:rid",
        withParams((p) => {
          const id = p.id ?? ""
          const rid = p.rid ?? ""
          if (!paymentIdPattern.test(id)) return notValidId(id)
          if (!refundIdPattern.test(rid)) return notValidId(rid)
          const existing = kit.store.get(rid)
          if (existing === undefined || existing.paymentId !== id) return notFound()
          return json(200, refundEntity(existing))
        })
      )
      yield* router.add(
        "GET",
        "/v1/payments/:id",
        withParams((p) => {
          const id = p.id ?? ""
          if (!paymentIdPattern.test(id)) return notValidId(id)
          const payment = kit.store.payment(id)
          if (payment === undefined) return notFound()
          return json(200, paymentEntity(payment, payment.amount - kit.store.refundable(payment.id)))
        })
      )
      yield* router.add("GET", "/v1/refunds", withParams((_, request) => allRefunds(kit, index, kit.store.listLagMillis, request)))
      yield* router.add(
        "GET",
        "/v1/refunds/:id",
        withParams((p) => {
          const id = p.id ?? ""
          if (!refundIdPattern.test(id)) return notValidId(id)
          const refund = kit.store.get(id)
          return refund === undefined ? notFound() : json(200, refundEntity(refund))
        })
      )
      yield* router.add("PATCH", "/v1/refunds/:id", withParams((p, request) => updateRefund(kit, p.id ?? "", request)))
      yield* router.add("*", "/*", Effect.succeed(errorResponse(400, { description: messages.urlNotFound })))
    })
  )

/** Builds the emulator definition (one per instance). */
export const definition = (options: RazorpayEmulatorOptions = {}): Server.EmulatorDefinition<RazorpayRefundAttributes> => {
  const keyId = options.keyId ?? options.apiKey ?? defaultKeyId
  const keySecret = options.keySecret ?? defaultKeySecret
  const webhookSecret = options.webhookSecret ?? defaultWebhookSecret
  const accountId = options.accountId ?? defaultAccountId

  const authenticate = (request: EmulatorRequest): HttpServerResponse.HttpServerResponse | undefined => {
    const header = request.headers["authorization"]
    if (header === undefined || header.trim() === "") return errorResponse(401, { description: messages.missingAuth })
    // Razorpay is strict: exactly `Basic <base64>` (not `BASIC`, `basic` or a quoted token).
    const basic = /^Basic ([A-Za-z0-9+/]+={0,2})$/.exec(header)
    if (basic === null) return errorResponse(401, { description: messages.invalidKey })
    const decoded = Buffer.from(basic[1]!, "base64").toString("utf8")
    const colon = decoded.indexOf(":")
    const user = colon === -1 ? decoded : decoded.slice(0, colon)
    const password = colon === -1 ? "" : decoded.slice(colon + 1)
    if (user !== keyId) return errorResponse(401, { description: messages.invalidKey })
    if (password !== keySecret) return errorResponse(401, { description: messages.invalidSecret })
    return undefined
  }

  const renderEvent = (
    refund: RefundRecord<RazorpayRefundAttributes>,
    eventType: string,
    render: Server.RenderOptions,
    kit: Kit
  ) => {
    const payment = kit.store.payment(refund.paymentId)
    const last = refund.history[refund.history.length - 1]
    const createdAt = render.timestampSeconds ?? unix(last?.at ?? refund.createdAt)
    const refundObject = refundEntity(refund)
    const event = {
      entity: "event",
      account_id: accountId,
      event: eventType,
      contains: ["refund", "payment"],
      payload: {
        refund: { entity: refundObject },
        ...(payment === undefined
          ? {}
          : { payment: { entity: paymentEntity(payment, payment.amount - kit.store.refundable(payment.id)) } })
      },
      created_at: createdAt
    }
    return { event, refundObject }
  }

  return {
    name: "razorpay",
    // The store holds the lag, so `setListLagMillis` and `PUT /__emulator/list-lag` change what the listing shows.
    listLagMillis: checkLag("listLagMillis", options.listLagMillis ?? 0),
    credentials: { keyId, keySecret },
    webhookSecret,
    webhookUrl: options.webhookUrl,
    lifecycle,
    ...Server.numbers(options, numbers),
    newPayment: (input) => ({ id: newPaymentId(), currency: input.currency.toUpperCase() }),
    authenticate,
    idempotency: {
      header: "x-refund-idempotency",
      // Malformed keys are not idempotency keys: the route answers 400 for them.
      appliesTo: (request) => {
        const key = request.headers["x-refund-idempotency"]
        return request.method === "POST" && request.path.endsWith("/refund") && key !== undefined && key.length >= 10 &&
          idempotencyKeyPattern.test(key)
      },
      fingerprint: (request) => {
        const body = readBody(request)
        return `${request.path}\n${isResponse(body) ? request.body : canonical(body)}`
      },
      // Only created refunds are remembered; an error leaves the key free, so a corrected retry runs as new.
      stores: ({ status }) => status >= 200 && status < 300,
      replay: (stored) => Server.fromStored(stored),
      mismatch: () => errorResponse(400, { description: messages.idempotencyMismatch }),
      inFlight: () => errorResponse(409, { description: messages.idempotencyInFlight })
    },
    faults: {
      rateLimit: () => errorResponse(429, { description: messages.tooManyRequests }),
      serverError: (status) => errorResponse(status, { code: "SERVER_ERROR", description: messages.serverError })
    },
    routes: routes(options.instantRefundsAvailable ?? true),
    webhooks: {
      eventsFor: (transition) => {
        if (transition.from === undefined) {
          const a = transition.refund.attributes
          // An optimum refund that could not go instant: Razorpay tells so right away.
          return a.speedRequested === "optimum" && a.speedProcessed === "normal" ? ["refund.created", "refund.speed_changed"] : ["refund.created"]
        }
        if (transition.to === "processed") return ["refund.processed"]
        if (transition.to === "failed") return ["refund.failed"]
        return []
      },
      defaultEventType: (refund) => eventForStatus(refund.status),
      render: (refund, eventType, render, kit) => {
        const { event, refundObject } = renderEvent(refund, eventType, render, kit)
        const signedBody = JSON.stringify(event)
        let body = signedBody
        if (render.tamper === true) {
          refundObject["amount"] = refund.amount + 1
          body = JSON.stringify(event)
        }
        // Redeliveries of the same event carry the same id: it names (refund, event, state), not the attempt.
        const eventId = createHash("sha256")
          .update(`${refund.id}|${eventType}|${refund.status}|${refund.history.length}`)
          .digest("base64")
          .replace(/[^A-Za-z0-9]/g, "")
          .slice(0, 14)
        return {
          headers: {
            "content-type": "application/json",
            "user-agent": "Razorpay-Webhook/v1",
            "x-razorpay-event-id": eventId,
            "x-razorpay-signature": signature(signedBody, render.secret)
          },
          body
        }
      },
      eventId: (message) => message.headers["x-razorpay-event-id"]
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Entry points
// ---------------------------------------------------------------------------------------------------------------

/** The Razorpay emulator as its own service key (same shape as `EmulatorService`). */
export class Service extends Context.Service<Service, Emulator>()("@refract/testkit/RazorpayEmulator") {}

/** Starts a Razorpay emulator in the current scope. */
export const make = (
  options: RazorpayEmulatorOptions = {}
): Effect.Effect<Server.RunningEmulator<RazorpayRefundAttributes>, ServeError, Scope.Scope> =>
  Effect.suspend(() => Server.make(definition(options), Server.serverOptions(options)))

/** Starts a Razorpay emulator; stop it with `close()`. */
export const start = (options: RazorpayEmulatorOptions = {}): Promise<Emulator> =>
  Server.start(definition(options), Server.serverOptions(options))

/** A layer providing the running emulator as `EmulatorService` and {@link Service}. */
export const layer = (options: RazorpayEmulatorOptions = {}): Layer.Layer<EmulatorService | Service, ServeError> =>
  Server.layer(() => definition(options), Server.serverOptions(options), Service)
