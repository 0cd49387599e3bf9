/**
 * A stateful Square emulator speaking the Square Refunds API wire format: `POST /v2/refunds` with the
 * `idempotency_key` in the JSON body, `GET /v2/refunds/:id`, Square's `{"errors":[{category,code,detail,field}]}`
 * bodies, `Authorization: Bearer` plus `Square-Version`, and `refund.created` / `refund.updated` webhooks signed
 * with `x-square-hmacsha256-signature` (base64 HMAC-SHA256 over notification URL + raw body).
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
import type { StoredResponse } from "../emulator/Idempotency.ts"
import type { Lifecycle, PaymentRecord, RefundRecord, Step } from "../emulator/RefundStore.ts"
import * as RetrySchedule from "../emulator/RetrySchedule.ts"
import * as Server from "../emulator/Server.ts"
import { hmacSha256Base64, safeEqual } from "../emulator/Webhooks.ts"

/** Options of the Square emulator. */
export interface SquareEmulatorOptions extends EmulatorOptions {
  /** The one valid access token. `apiKey` is accepted as an alias. */
  readonly accessToken?: string
  /** The webhook subscription's signature key. Alias of `webhookSecret`. */
  readonly signatureKey?: string
  /** `merchant_id` of webhook events. */
  readonly merchantId?: string
  /** `location_id` of payments and refunds. */
  readonly locationId?: string
  /** The app's default `Square-Version`, used when a request sends none. */
  readonly squareVersion?: string
}

const digest = (seed: string) => createHash("sha256").update(seed).digest("base64url")

/** Default access token (sandbox tokens start with `EAAA`). */
export const defaultAccessToken = `EAAA${digest("refract square emulator access token")}`
/** Default webhook signature key (22 characters, like the Developer Console shows). */
export const defaultSignatureKey = digest("refract square emulator signature key").slice(0, 22)
/** Default `merchant_id`. */
export const defaultMerchantId = "6SSW7HV8K2ST5"
/** Default `location_id`. */
export const defaultLocationId = "L88917AVBK2S5"
/** The default `Square-Version` (the one pinned by connect-api-specification 2025-08-20). */
export const defaultSquareVersion = "2025-08-20"
/**
 * The notification URL deliveries are signed for when no webhook URL is set (`signedWebhook` without
 * `setWebhookUrl`). Square signs `notificationUrl + body`, so a verifier must use this exact string.
 */
export const defaultNotificationUrl = "https://example.test/webhooks/square"

/** Square's `PaymentRefund.status` values. */
export type RefundStatus = "PENDING" | "COMPLETED" | "REJECTED" | "FAILED"

/** Square-specific state of an emulated refund. */
export interface SquareRefundAttributes {
  readonly orderId: string
  readonly locationId: string
  readonly reason: string | undefined
}

/**
 * How each {@link Outcome} plays out (after `PENDING`). Square has no cancel: `canceled` ends `REJECTED`.
 * `requires_action` stays `PENDING`; both reversal outcomes end `COMPLETED` (Square reports no reversal).
 */
export const lifecycle: Lifecycle = {
  initialStatus: "PENDING",
  steps: (outcome: Outcome, reason: string | undefined): ReadonlyArray<Step> => {
    switch (outcome) {
      case "succeeded":
      case "succeeded_then_reversed":
      case "succeeded_then_failed":
        return [{ status: "COMPLETED" }]
      case "failed":
        return [{ status: "FAILED", reason: reason ?? "FAILED" }]
      case "canceled":
        return [{ status: "REJECTED", reason: reason ?? "REJECTED" }]
      case "requires_action":
        return []
    }
  },
  holdsFunds: (status) => status === "PENDING" || status === "COMPLETED",
  successStatuses: ["COMPLETED"]
}

/**
 * Square's numbers:
 * - `idempotency_key`: Square does not publish a retention ("We do not publish a retention period", Square
 *   developer forum, t/28303). A day, the shortest window documented by the other processors [derived];
 * - webhook retries: "retried for up to 72 hours after the originating event", at 1, 2, 4, 8, 16, 32 minutes,
 *   then every 60 minutes (https://developer.squareup.com/docs/webhooks-api/delivery-sla).
 */
export const numbers: Server.ProcessorNumbers = {
  timing: Server.defaultTiming,
  idempotencyWindowMillis: RetrySchedule.millis.day,
  retrySchedule: RetrySchedule.check({
    delays: [1, 2, 4, 8, 16, 32].map((m) => m * RetrySchedule.millis.minute),
    thenEvery: RetrySchedule.millis.hour,
    giveUpAfterMillis: 72 * RetrySchedule.millis.hour
  })
}

const base62 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
/** A Square object id (29 characters, the length of the payment and order ids in Square's spec examples). */
export const newObjectId = (): string => randomString(29, base62)
/** The id of the order behind a payment (Square creates one for every API payment); derived, so it is stable. */
export const orderIdOf = (paymentId: string): string =>
  createHash("sha256").update(`order|${paymentId}`).digest("base64").replace(/[^A-Za-z0-9]/g, "").slice(0, 29)
/** A refund id: `<payment id>_<43 characters>`, the shape of Square's examples. */
export const newRefundId = (paymentId: string): string => `${paymentId}_${randomString(43, base62)}`

// ---------------------------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------------------------

/** Square error categories. */
export type ErrorCategory =
  | "API_ERROR"
  | "AUTHENTICATION_ERROR"
  | "INVALID_REQUEST_ERROR"
  | "RATE_LIMIT_ERROR"
  | "PAYMENT_METHOD_ERROR"
  | "REFUND_ERROR"

/** One entry of Square's `errors` array. */
export interface SquareError {
  readonly category: ErrorCategory
  readonly code: string
  readonly detail: string
  readonly field?: string
}

/** A Square error response: `{"errors":[{category,code,detail,field?}]}`. */
export const errorResponse = (
  status: number,
  error: SquareError,
  headers?: Readonly<Record<string, string>>
): HttpServerResponse.HttpServerResponse =>
  json(
    status,
    {
      errors: [{
        category: error.category,
        code: error.code,
        detail: error.detail,
        ...(error.field === undefined ? {} : { field: error.field })
      }]
    },
    headers === undefined ? {} : { headers }
  )

const invalid = (code: string, detail: string, field?: string) =>
  errorResponse(400, { category: "INVALID_REQUEST_ERROR", code, detail, ...(field === undefined ? {} : { field }) })

const missing = (field: string) => invalid("MISSING_REQUIRED_PARAMETER", "Field must be set", field)

// ---------------------------------------------------------------------------------------------------------------
// Objects
// ---------------------------------------------------------------------------------------------------------------

const rfc3339 = (millis: number) => new Date(millis).toISOString()

const updatedAt = (refund: RefundRecord<SquareRefundAttributes>) => refund.history[refund.history.length - 1]?.at ?? refund.createdAt

/** The Square `PaymentRefund` object. */
export const refundObject = (refund: RefundRecord<SquareRefundAttributes>): Record<string, unknown> => ({
  id: refund.id,
  status: refund.status,
  amount_money: { amount: refund.amount, currency: refund.currency },
  payment_id: refund.paymentId,
  order_id: refund.attributes.orderId,
  location_id: refund.attributes.locationId,
  destination_type: "CARD",
  ...(refund.attributes.reason === undefined ? {} : { reason: refund.attributes.reason }),
  created_at: rfc3339(refund.createdAt),
  updated_at: rfc3339(updatedAt(refund))
})

/** The Square `Payment` object (a completed card payment). */
const paymentObject = (
  payment: PaymentRecord,
  locationId: string,
  refunds: ReadonlyArray<RefundRecord<SquareRefundAttributes>>
): Record<string, unknown> => {
  const refunded = refunds.filter((r) => r.status === "COMPLETED").reduce((sum, r) => sum + r.amount, 0)
  const money = (amount: number) => ({ amount, currency: payment.currency })
  return {
    id: payment.id,
    created_at: rfc3339(payment.createdAt),
    updated_at: rfc3339(payment.createdAt),
    amount_money: money(payment.amount),
    total_money: money(payment.amount),
    approved_money: money(payment.amount),
    ...(refunded > 0 ? { refunded_money: money(refunded) } : {}),
    status: "COMPLETED",
    source_type: "CARD",
    location_id: locationId,
    order_id: orderIdOf(payment.id),
    ...(payment.reference === undefined ? {} : { reference_id: payment.reference }),
    ...(refunds.length > 0 ? { refund_ids: refunds.map((r) => r.id).toReversed() } : {}),
    version_token: digest(`${payment.id}|${refunds.length}`).slice(0, 43)
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Webhooks
// ---------------------------------------------------------------------------------------------------------------

/**
 * `x-square-hmacsha256-signature`: `base64(HMAC-SHA256(signatureKey as UTF-8, notificationUrl + rawBody))`.
 * Throws on an empty key or URL, like Square's `WebhooksHelper`.
 */
export const signature = (notificationUrl: string, body: string, signatureKey: string): string => {
  if (signatureKey === "") throw new TypeError("signatureKey is null or empty")
  if (notificationUrl === "") throw new TypeError("notificationUrl is null or empty")
  return hmacSha256Base64(signatureKey, notificationUrl + body)
}

/** Verifies `x-square-hmacsha256-signature` in constant time (throws on an empty key or URL, like the SDK). */
export const verifySignature = (body: string, header: string, signatureKey: string, notificationUrl: string): boolean =>
  safeEqual(Buffer.from(header, "utf8"), Buffer.from(signature(notificationUrl, body, signatureKey), "utf8"))

/** An event id with the shape of Square's (a UUID), derived from what it announces. */
const eventId = (seed: string): string => {
  const hex = createHash("sha256").update(seed).digest("hex")
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${"89ab"[parseInt(hex[16]!, 16) % 4]}${hex.slice(17, 20)}-${hex.slice(20, 32)}`
}

// ---------------------------------------------------------------------------------------------------------------
// Definition
// ---------------------------------------------------------------------------------------------------------------

type Kit = Server.EmulatorKit<SquareRefundAttributes>

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

const canonical = (value: unknown): string => {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`
  if (isRecord(value)) {
    return `{${Object.keys(value).toSorted().map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(",")}}`
  }
  return JSON.stringify(value) ?? "null"
}

const stored = (status: number, body: unknown): StoredResponse => ({
  status,
  headers: { "content-type": "application/json" },
  body: new TextEncoder().encode(JSON.stringify(body))
})

const amountOf = (response: StoredResponse): unknown => {
  try {
    return JSON.parse(new TextDecoder().decode(response.body))?.refund?.amount_money?.amount
  } catch {
    return undefined
  }
}

/** Idempotency keys live in the body, so the handler runs Square's idempotency itself (on the shared store). */
const createRefund = (kit: Kit, locationId: string, request: EmulatorRequest): HttpServerResponse.HttpServerResponse => {
  let body: unknown
  try {
    body = JSON.parse(request.body)
  } catch {
    return invalid("INVALID_VALUE", "The request body is not valid JSON.")
  }
  if (!isRecord(body)) return invalid("EXPECTED_JSON_BODY", "The request body is not a JSON object.")
  const key = body.idempotency_key
  if (key === undefined || key === null) return missing("idempotency_key")
  if (typeof key !== "string") return invalid("EXPECTED_STRING", "Expected a string value", "idempotency_key")
  if (key.length === 0) return invalid("VALUE_TOO_SHORT", "Field must have a length of at least 1", "idempotency_key")
  if (key.length > 45) return invalid("VALUE_TOO_LONG", "Field must not be greater than 45 length", "idempotency_key")

  // Only `POST /v2/refunds` takes keys here, so the key itself names the entry (as the truth API shows it).
  const storeKey = key
  const begin = kit.idempotency.begin(storeKey, canonical(body))
  kit.log.noteIdempotency(request.seq, {
    key,
    result: begin._tag === "Replay" ? "replay" : begin._tag === "Mismatch" ? "mismatch" : begin._tag === "InFlight"
      ? "in_flight"
      : begin.expired === undefined ? "first" : "expired",
    ...(begin._tag === "Proceed" && begin.expired !== undefined ? { previousFirstUsedAt: begin.expired.firstUsedAt } : {})
  })
  switch (begin._tag) {
    case "Replay":
      return Server.fromStored(begin.response)
    case "Mismatch":
      return invalid(
        "IDEMPOTENCY_KEY_REUSED",
        isRecord(body.amount_money) && body.amount_money.amount !== amountOf(begin.response)
          ? "Refund request idempotency key was previously used for a different amount"
          : "The idempotency key was previously used for a different request",
        "idempotency_key"
      )
    case "InFlight":
      return errorResponse(409, {
        category: "INVALID_REQUEST_ERROR",
        code: "CONFLICT",
        detail: "Another request with this idempotency key is in progress",
        field: "idempotency_key"
      })
  }
  const outcome = refundFor(kit, locationId, key, body)
  // Only created refunds are remembered; an error leaves the key free, so a corrected retry runs as new.
  kit.idempotency.complete(storeKey, outcome.status === 200 ? outcome : undefined)
  return Server.fromStored(outcome)
}

const refundFor = (kit: Kit, locationId: string, key: string, body: Record<string, unknown>): StoredResponse => {
  const fail = (status: number, error: SquareError) => stored(status, { errors: [error] })
  const bad = (code: string, detail: string, field?: string) =>
    fail(400, { category: "INVALID_REQUEST_ERROR", code, detail, ...(field === undefined ? {} : { field }) })
  const money = body.amount_money
  if (money === undefined || money === null) return bad("MISSING_REQUIRED_PARAMETER", "Field must be set", "amount_money")
  if (!isRecord(money)) return bad("EXPECTED_OBJECT", "Expected an object value", "amount_money")
  if (money.amount === undefined || money.amount === null) {
    return bad("MISSING_REQUIRED_PARAMETER", "Field must be set", "amount_money.amount")
  }
  if (typeof money.amount !== "number" || !Number.isSafeInteger(money.amount)) {
    return bad("EXPECTED_INTEGER", "Expected an integer value", "amount_money.amount")
  }
  if (money.amount <= 0) return bad("VALUE_TOO_LOW", "Field must be greater than 0", "amount_money.amount")
  if (money.currency === undefined || money.currency === null) {
    return bad("MISSING_REQUIRED_PARAMETER", "Field must be set", "amount_money.currency")
  }
  if (typeof money.currency !== "string" || !/^[A-Z]{3}$/.test(money.currency)) {
    return bad("INVALID_ENUM_VALUE", `\`${String(money.currency)}\` is not a valid enum value for \`amount_money.currency\`.`, "amount_money.currency")
  }
  if (body.unlinked === true) {
    return bad("BAD_REQUEST", "Unlinked refunds are not supported by the emulator", "unlinked")
  }
  const paymentId = body.payment_id
  if (paymentId === undefined || paymentId === null || paymentId === "") {
    return bad("MISSING_REQUIRED_PARAMETER", "Field must be set", "payment_id")
  }
  if (typeof paymentId !== "string") return bad("EXPECTED_STRING", "Expected a string value", "payment_id")
  const reason = body.reason
  if (reason !== undefined && reason !== null && (typeof reason !== "string" || reason.length > 192)) {
    return typeof reason === "string"
      ? bad("VALUE_TOO_LONG", "Field must not be greater than 192 length", "reason")
      : bad("EXPECTED_STRING", "Expected a string value", "reason")
  }
  const payment = kit.store.payment(paymentId)
  if (payment === undefined) {
    return fail(404, { category: "INVALID_REQUEST_ERROR", code: "NOT_FOUND", detail: `Could not find payment with id: ${paymentId}` })
  }
  if (money.currency !== payment.currency) {
    return bad(
      "CURRENCY_MISMATCH",
      `The refund currency ${money.currency} does not match the payment currency ${payment.currency}.`,
      "amount_money.currency"
    )
  }
  if (money.amount > kit.store.refundable(payment.id)) {
    return fail(400, {
      category: "REFUND_ERROR",
      code: "REFUND_AMOUNT_INVALID",
      detail: "The requested refund amount exceeds the amount available to refund.",
      field: "amount_money.amount"
    })
  }
  const refund = kit.store.createRefund({
    id: newRefundId(payment.id),
    payment,
    amount: money.amount,
    currency: payment.currency,
    idempotencyKey: key,
    reference: typeof reason === "string" ? reason : undefined,
    attributes: {
      orderId: orderIdOf(payment.id),
      locationId,
      reason: typeof reason === "string" ? reason : undefined
    }
  })
  return stored(200, { refund: refundObject(refund) })
}

const notFoundRefund = (id: string) =>
  errorResponse(404, { category: "INVALID_REQUEST_ERROR", code: "NOT_FOUND", detail: `Could not find payment refund with id: ${id}` })

const listRefunds = (kit: Kit, request: EmulatorRequest): HttpServerResponse.HttpServerResponse => {
  const q = request.query
  const status = q.get("status")
  const location = q.get("location_id")
  const order = q.get("sort_order") ?? "DESC"
  if (order !== "ASC" && order !== "DESC") {
    return invalid("INVALID_ENUM_VALUE", `\`${order}\` is not a valid enum value for \`sort_order\`.`, "sort_order")
  }
  const rawLimit = q.get("limit")
  if (rawLimit !== null && !/^\d+$/.test(rawLimit)) return invalid("EXPECTED_INTEGER", "Expected an integer value", "limit")
  const limit = Math.min(Math.max(rawLimit === null ? 100 : Number(rawLimit), 1), 100)
  const cursor = q.get("cursor")
  const offset = cursor === null ? 0 : Number(Buffer.from(cursor, "base64url").toString("utf8"))
  if (!Number.isSafeInteger(offset) || offset < 0) return invalid("INVALID_CURSOR", "The cursor is invalid.", "cursor")
  const all = kit.store.list((r) =>
    (status === null || r.status === status) && (location === null || r.attributes.locationId === location)
  )
  const sorted = order === "ASC" ? all.toReversed() : all
  const page = sorted.slice(offset, offset + limit)
  const next = offset + limit < sorted.length ? Buffer.from(String(offset + limit)).toString("base64url") : undefined
  return json(200, {
    ...(page.length === 0 ? {} : { refunds: page.map(refundObject) }),
    ...(next === undefined ? {} : { cursor: next })
  })
}

const withId = (f: (id: string, request: EmulatorRequest) => HttpServerResponse.HttpServerResponse) =>
  Effect.gen(function*() {
    const { id } = yield* HttpRouter.params
    return f(id ?? "", yield* readRequest)
  })

const routes = (locationId: string) => (kit: Kit): Layer.Layer<never, never, HttpRouter.HttpRouter> =>
  HttpRouter.use((router) =>
    Effect.gen(function*() {
      yield* router.add("POST", "/v2/refunds", Effect.map(readRequest, (request) => createRefund(kit, locationId, request)))
      yield* router.add("GET", "/v2/refunds", Effect.map(readRequest, (request) => listRefunds(kit, request)))
      yield* router.add(
        "GET",
        "/v2/refunds/:id",
        withId((id) => {
          const refund = kit.store.get(id)
          return refund === undefined ? notFoundRefund(id) : json(200, { refund: refundObject(refund) })
        })
      )
      yield* router.add(
        "GET",
        "/v2/payments/:id",
        withId((id) => {
          const payment = kit.store.payment(id)
          if (payment === undefined || payment.id !== id) {
            return errorResponse(404, { category: "INVALID_REQUEST_ERROR", code: "NOT_FOUND", detail: `Could not find payment with id: ${id}` })
          }
          return json(200, { payment: paymentObject(payment, locationId, kit.store.list((r) => r.paymentId === payment.id)) })
        })
      )
      yield* router.add(
        "*",
        "/*",
        Effect.map(readRequest, (request) =>
          errorResponse(404, {
            category: "INVALID_REQUEST_ERROR",
            code: "NOT_FOUND",
            detail: `API endpoint for URL path \`${request.path}\` and HTTP method \`${request.method}\` is not found.`
          }))
      )
    })
  )

/** Builds the emulator definition (one per instance). */
export const definition = (options: SquareEmulatorOptions = {}): Server.EmulatorDefinition<SquareRefundAttributes> => {
  const accessToken = options.accessToken ?? options.apiKey ?? defaultAccessToken
  const signatureKey = options.signatureKey ?? options.webhookSecret ?? defaultSignatureKey
  const merchantId = options.merchantId ?? defaultMerchantId
  const locationId = options.locationId ?? defaultLocationId

  const authenticate = (request: EmulatorRequest): HttpServerResponse.HttpServerResponse | undefined => {
    const bearer = /^Bearer (\S+)$/.exec(request.headers["authorization"] ?? "")
    if (bearer === null || bearer[1] !== accessToken) {
      return errorResponse(401, {
        category: "AUTHENTICATION_ERROR",
        code: "UNAUTHORIZED",
        detail: "This request could not be authorized."
      })
    }
    const version = request.headers["square-version"]
    if (version !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(version.trim())) {
      return invalid("INVALID_SQUARE_VERSION_FORMAT", `Invalid Square-Version format: ${version}. Expected YYYY-MM-DD.`)
    }
    return undefined
  }

  return {
    name: "square",
    credentials: { accessToken },
    webhookSecret: signatureKey,
    webhookUrl: options.webhookUrl,
    lifecycle,
    ...Server.numbers(options, numbers),
    newPayment: (input) => ({ id: newObjectId(), currency: input.currency.toUpperCase() }),
    authenticate,
    faults: {
      rateLimit: () => errorResponse(429, { category: "RATE_LIMIT_ERROR", code: "RATE_LIMITED", detail: "Rate limit exceeded." }),
      serverError: (status) =>
        errorResponse(status, {
          category: "API_ERROR",
          code: status === 503
            ? "SERVICE_UNAVAILABLE"
            : status === 502
            ? "BAD_GATEWAY"
            : status === 504
            ? "GATEWAY_TIMEOUT"
            : "INTERNAL_SERVER_ERROR",
          detail: status === 503
            ? "Service Unavailable"
            : "An internal error has occurred, and the API was unable to service your request."
        })
    },
    routes: routes(locationId),
    webhooks: {
      eventsFor: (transition) => [transition.from === undefined ? "refund.created" : "refund.updated"],
      defaultEventType: (refund) => refund.history.length <= 1 ? "refund.created" : "refund.updated",
      render: (refund, eventType, render, kit) => {
        const notificationUrl = kit.webhooks.url ?? defaultNotificationUrl
        const object: Record<string, unknown> = { ...refundObject(refund), version: refund.history.length }
        const createdAt = render.timestampSeconds === undefined ? updatedAt(refund) : render.timestampSeconds * 1000
        const event = {
          merchant_id: merchantId,
          type: eventType,
          // Redeliveries of the same event carry the same id: it names (refund, event, state), not the attempt.
          event_id: eventId(`${refund.id}|${eventType}|${refund.status}|${refund.history.length}`),
          created_at: rfc3339(createdAt),
          data: { type: "refund", id: refund.id, object: { refund: object } }
        }
        const signedBody = JSON.stringify(event)
        let body = signedBody
        if (render.tamper === true) {
          object["amount_money"] = { amount: refund.amount + 1, currency: refund.currency }
          body = JSON.stringify(event)
        }
        return {
          headers: {
            "content-type": "application/json",
            "square-environment": "Sandbox",
            "x-square-hmacsha256-signature": signature(notificationUrl, signedBody, render.secret)
          },
          body
        }
      },
      // Square signs URL + body: every attempt is signed for the URL it actually goes to.
      resign: (message, attempt) => ({ "x-square-hmacsha256-signature": signature(attempt.url, message.body, attempt.secret) }),
      eventId: (message) => {
        try {
          const id: unknown = JSON.parse(message.body)?.event_id
          return typeof id === "string" ? id : undefined
        } catch {
          return undefined
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Entry points
// ---------------------------------------------------------------------------------------------------------------

/** The Square emulator as its own service key (same shape as `EmulatorService`). */
export class Service extends Context.Service<Service, Emulator>()("@refract/testkit/SquareEmulator") {}

/** Starts a Square emulator in the current scope. */
export const make = (
  options: SquareEmulatorOptions = {}
): Effect.Effect<Server.RunningEmulator<SquareRefundAttributes>, ServeError, Scope.Scope> =>
  Effect.suspend(() => Server.make(definition(options), Server.serverOptions(options)))

/** Starts a Square emulator; stop it with `close()`. */
export const start = (options: SquareEmulatorOptions = {}): Promise<Emulator> =>
  Server.start(definition(options), Server.serverOptions(options))

/** A layer providing the running emulator as `EmulatorService` and {@link Service}. */
export const layer = (options: SquareEmulatorOptions = {}): Layer.Layer<EmulatorService | Service, ServeError> =>
  Server.layer(() => definition(options), Server.serverOptions(options), Service)
