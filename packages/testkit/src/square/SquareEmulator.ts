/**
 * A stateful Square emulator speaking the Square Refunds API wire format: `POST /v2/refunds` with the
 * `idempotency_key` in the JSON body, `GET /v2/refunds/:id`, Square's `{"errors":[{category,code,detail,field}]}`
 * bodies, `Authorization: Bearer` plus `Square-Version`, and `refund.created` / `refund.updated` webhooks signed
 * with `x-square-hmacsha256-signature` (base64 HMAC-SHA256 over notification URL + raw body). Requests are held
 * to Square's OpenAPI spec (2025-08-20) by `SquareRequest.ts`. `GET /v2/refunds` (ListPaymentRefunds) is eventually
 * consistent (`listLagMillis`) and pages by binary search.
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
import type { ListingKey } from "../emulator/ListingIndex.ts"
import { checkLag, ListingIndex, statusAsOf } from "../emulator/ListingIndex.ts"
import type { Lifecycle, PaymentRecord, RefundRecord, Step } from "../emulator/RefundStore.ts"
import * as RetrySchedule from "../emulator/RetrySchedule.ts"
import * as Server from "../emulator/Server.ts"
import { hmacSha256Base64, safeEqual } from "../emulator/Webhooks.ts"
import type { SquareError } from "./SquareRequest.ts"
import {
  errorResponse,
  errorsResponse,
  invalidRequest,
  isRecord,
  isVersionDate,
  listRefundsParameters,
  parseRfc3339,
  readJsonBody,
  refundPaymentRequest,
  unknownQueryParameters,
  validateObject
} from "./SquareRequest.ts"

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
  /**
   * How long (emulator ms) a new refund, or a change to one, takes to show in `GET /v2/refunds`. Default
   * {@link defaultListLagMillis}; 0 lists at once. (The same name as the framework-wide option being added, so the
   * two can be unified.)
   */
  readonly listLagMillis?: number
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
  readonly teamMemberId: string | undefined
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

export type { ErrorCategory, SquareError } from "./SquareRequest.ts"
export { errorResponse, errorsResponse } from "./SquareRequest.ts"

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
  ...(refund.attributes.teamMemberId === undefined ? {} : { team_member_id: refund.attributes.teamMemberId }),
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
    version_token: versionTokenOf(payment, refunds.length)
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

const storedErrors = (status: number, errors: ReadonlyArray<SquareError>): StoredResponse =>
  stored(status, { errors: errors.map((e) => ({ category: e.category, code: e.code, detail: e.detail, ...(e.field === undefined ? {} : { field: e.field }) })) })

const amountOf = (response: StoredResponse): unknown => {
  try {
    return JSON.parse(new TextDecoder().decode(response.body))?.refund?.amount_money?.amount
  } catch {
    return undefined
  }
}

/** The token of the payment's current version (it changes with every refund on it). */
const versionTokenOf = (payment: PaymentRecord, refunds: number): string => digest(`${payment.id}|${refunds}`).slice(0, 43)

/**
 * `POST /v2/refunds`. The request is checked against `RefundPaymentRequest` first (all structural problems in one
 * answer); the idempotency key lives in the body, so the route runs Square's idempotency itself, on the shared
 * store; then the refund's own rules (linked vs unlinked, payment, version, currency, fees, amount).
 */
const createRefund = (kit: Kit, locationId: string, request: EmulatorRequest): HttpServerResponse.HttpServerResponse => {
  const body = readJsonBody(request)
  if (!isRecord(body)) return errorsResponse(400, body)
  const problems = validateObject(body, refundPaymentRequest)
  if (problems.length > 0) return errorsResponse(400, problems)
  const key = body["idempotency_key"] as string

  // Only `POST /v2/refunds` takes keys here, so the key itself names the entry (as the truth API shows it).
  const begin = kit.idempotency.begin(key, canonical(body))
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
      return errorResponse(400, invalidRequest(
        "IDEMPOTENCY_KEY_REUSED",
        isRecord(body["amount_money"]) && body["amount_money"]["amount"] !== amountOf(begin.response)
          ? "Refund request idempotency key was previously used for a different amount"
          : "The idempotency key was previously used for a different request",
        "idempotency_key"
      ))
    case "InFlight":
      return errorResponse(409, invalidRequest("CONFLICT", "Another request with this idempotency key is in progress", "idempotency_key"))
  }
  const outcome = refundFor(kit, locationId, key, body as unknown as RefundPaymentBody)
  // Only created refunds are remembered; an error leaves the key free, so a corrected retry runs as new.
  kit.idempotency.complete(key, outcome.status === 200 ? outcome : undefined)
  return Server.fromStored(outcome)
}

interface MoneyBody {
  readonly amount: number
  readonly currency: string
}

/** A body that passed `validateObject(refundPaymentRequest)`. */
interface RefundPaymentBody {
  readonly idempotency_key: string
  readonly amount_money: MoneyBody
  readonly app_fee_money?: MoneyBody | null
  readonly payment_id?: string | null
  readonly destination_id?: string | null
  readonly unlinked?: boolean | null
  readonly location_id?: string | null
  readonly customer_id?: string | null
  readonly reason?: string | null
  readonly payment_version_token?: string | null
  readonly team_member_id?: string | null
  readonly cash_details?: unknown
  readonly external_details?: unknown
}

const present = (value: unknown): boolean => value !== undefined && value !== null

/** Fields that only an unlinked refund may carry ("Only allowed when unlinked=true", "will throw an error"). */
const unlinkedOnly = ["location_id", "customer_id", "cash_details", "external_details"] as const

const refundFor = (kit: Kit, locationId: string, key: string, body: RefundPaymentBody): StoredResponse => {
  const bad = (code: string, detail: string, field?: string) => storedErrors(400, [invalidRequest(code, detail, field)])
  const money = body.amount_money
  if (money.amount <= 0) return bad("VALUE_TOO_LOW", "`amount_money.amount` must be greater than 0.", "amount_money.amount")
  if (body.unlinked === true) {
    const problems: Array<SquareError> = []
    if (present(body.payment_id)) {
      problems.push(invalidRequest("CONFLICTING_PARAMETERS", "`payment_id` must not be set when `unlinked` is true.", "payment_id"))
    }
    for (const field of ["destination_id", "location_id"] as const) {
      if (!present(body[field])) problems.push(invalidRequest("MISSING_REQUIRED_PARAMETER", `Field \`${field}\` must be set.`, field))
    }
    if (problems.length > 0) return storedErrors(400, problems)
    // Not emulated: there are no customers, cards on file or cash drawers to refund to.
    return bad("BAD_REQUEST", "Unlinked refunds are not supported by the emulator.", "unlinked")
  }
  const conflicts = unlinkedOnly.filter((field) => present(body[field])).map((field) =>
    invalidRequest("CONFLICTING_PARAMETERS", `\`${field}\` is only allowed when \`unlinked\` is true.`, field)
  )
  if (conflicts.length > 0) return storedErrors(400, conflicts)
  if (!present(body.payment_id)) return bad("MISSING_REQUIRED_PARAMETER", "Field `payment_id` must be set.", "payment_id")
  const paymentId = body.payment_id as string
  if (present(body.destination_id)) {
    // Cross-method refunds to gift cards are not emulated (there are no gift cards).
    return bad("BAD_REQUEST", "Cross-method refunds (destination_id) are not supported by the emulator.", "destination_id")
  }
  const payment = kit.store.payment(paymentId)
  if (payment === undefined || payment.id !== paymentId) {
    return storedErrors(404, [invalidRequest("NOT_FOUND", `Could not find payment with id: ${paymentId.slice(0, 192)}`)])
  }
  const onPayment = kit.store.list((r) => r.paymentId === payment.id)
  if (present(body.payment_version_token) && body.payment_version_token !== versionTokenOf(payment, onPayment.length)) {
    // `payment_version_token`: "If the server has a different version of the Payment, the update fails and a
    // response with a VERSION_MISMATCH error is returned" (RefundPaymentRequest; also in the endpoint's errors).
    return bad("VERSION_MISMATCH", "The payment has changed since `payment_version_token` was read.", "payment_version_token")
  }
  if (money.currency !== payment.currency) {
    return bad(
      "CURRENCY_MISMATCH",
      `The refund currency ${money.currency} does not match the payment currency ${payment.currency}.`,
      "amount_money.currency"
    )
  }
  const fee = body.app_fee_money
  if (present(fee)) {
    const appFee = fee as MoneyBody
    if (appFee.amount > money.amount) {
      // "The value cannot be more than the amount_money."
      return bad("VALUE_TOO_HIGH", "`app_fee_money.amount` cannot be more than `amount_money.amount`.", "app_fee_money.amount")
    }
    // "You can specify this parameter in a refund request only if the same parameter was also included when
    // taking the payment": emulated payments never carry app_fee_money.
    return bad("BAD_REQUEST", "`app_fee_money` can only be refunded on a payment taken with `app_fee_money`.", "app_fee_money")
  }
  if (money.amount > kit.store.refundable(payment.id)) {
    return storedErrors(400, [{
      category: "REFUND_ERROR",
      code: "REFUND_AMOUNT_INVALID",
      detail: "The requested refund amount exceeds the amount available to refund.",
      field: "amount_money.amount"
    }])
  }
  const reason = present(body.reason) ? body.reason as string : undefined
  const refund = kit.store.createRefund({
    id: newRefundId(payment.id),
    payment,
    amount: money.amount,
    currency: payment.currency,
    idempotencyKey: key,
    reference: reason,
    attributes: {
      orderId: orderIdOf(payment.id),
      locationId,
      reason,
      teamMemberId: present(body.team_member_id) ? body.team_member_id as string : undefined
    }
  })
  return stored(200, { refund: refundObject(refund) })
}

const notFoundRefund = (id: string) =>
  errorResponse(404, invalidRequest("NOT_FOUND", `Could not find payment refund with id: ${id.slice(0, 255)}`))

const yearMillis = 365 * 24 * 60 * 60 * 1000

/**
 * The default lag of `ListPaymentRefunds`: "Results are eventually consistent, and new refunds or changes to refunds
 * might take several seconds to appear" (Square API reference, ListPaymentRefunds;
 * https://developer.squareup.com/reference/square/refunds/list-payment-refunds). "Several seconds" is not a number:
 * 5 s of emulator time [derived].
 */
export const defaultListLagMillis = 5_000

/**
 * A list cursor. Square's cursors are opaque; the emulator's carry the position after the last refund returned
 * (its creation time and creation sequence), so the next page starts by binary search and refunds created meanwhile
 * neither shift nor repeat a page. (`UPDATED_AT` listings carry an offset.)
 */
type Cursor = { readonly _tag: "Key"; readonly key: ListingKey } | { readonly _tag: "Offset"; readonly offset: number }

const encodeCursor = (cursor: Cursor): string =>
  Buffer.from(JSON.stringify(cursor._tag === "Key" ? { t: cursor.key.createdAt, s: cursor.key.seq } : { o: cursor.offset }))
    .toString("base64url")

const isIndex = (u: unknown): u is number => typeof u === "number" && Number.isSafeInteger(u) && u >= 0

const decodeCursor = (text: string): Cursor | undefined => {
  try {
    const value: unknown = JSON.parse(Buffer.from(text, "base64url").toString("utf8"))
    if (!isRecord(value)) return undefined
    const int = isIndex
    if (int(value["t"]) && int(value["s"])) return { _tag: "Key", key: { createdAt: value["t"], seq: value["s"] } }
    if (int(value["o"])) return { _tag: "Offset", offset: value["o"] }
    return undefined
  } catch {
    return undefined
  }
}

/** A refund as a lagging listing shows it: its status and `updated_at` as of `cutoff`. */
const listedObject = (refund: RefundRecord<SquareRefundAttributes>, cutoff: number): Record<string, unknown> => {
  const asOf = statusAsOf(refund, cutoff)
  const object = refundObject(refund)
  return asOf === undefined ? object : { ...object, status: asOf.status, updated_at: rfc3339(asOf.since) }
}

/**
 * `GET /v2/refunds` (`ListPaymentRefunds`, square/connect-api-specification api.json and the API reference):
 * - `begin_time` / `end_time`: RFC 3339, on `created_at`, begin inclusive; defaults "the current time minus one
 *   year" and "the current time";
 * - `sort_order`: `ASC` | `DESC` (default), by `created_at`; `sort_field`: `CREATED_AT` (default) | `UPDATED_AT`;
 *   `updated_at_begin_time` / `updated_at_end_time` filter on `updated_at`;
 * - `location_id`, `status`, `source_type` (every emulated payment is `CARD`);
 * - `limit`: default 100, "also the maximum allowed value"; "If the supplied value is greater than 100, no more
 *   than 100 results are returned" (answered, not refused);
 * - `cursor`: the `cursor` of the previous page; the last page has none. An empty page is `{}`.
 * Eventually consistent: a refund appears, and its changes show, only `listLagMillis` after they happen.
 *
 * Cost: by `created_at` (the default), a page is a binary search plus the page (plus the refunds the `status` /
 * `location_id` filters skip); `sort_field=UPDATED_AT` or the `updated_at_*` filters scan the time window.
 */
const listRefunds = (kit: Kit, index: ListingIndex<SquareRefundAttributes>, lagMillis: number, request: EmulatorRequest): HttpServerResponse.HttpServerResponse => {
  const q = request.query
  const unknown = unknownQueryParameters(q, listRefundsParameters)
  if (unknown.length > 0) return errorsResponse(400, unknown)
  const now = kit.clock.now()
  const time = (name: string, fallback: number): number | SquareError => {
    const raw = q.get(name)
    if (raw === null) return fallback
    return parseRfc3339(raw) ?? invalidRequest("INVALID_TIME", `\`${name}\` must be an RFC 3339 time.`, name)
  }
  const begin = time("begin_time", now - yearMillis)
  const end = time("end_time", now)
  const updatedBegin = time("updated_at_begin_time", typeof begin === "number" ? begin : 0)
  const updatedEnd = time("updated_at_end_time", now)
  const timeErrors = [begin, end, updatedBegin, updatedEnd].filter((t): t is SquareError => typeof t !== "number")
  if (timeErrors.length > 0) return errorsResponse(400, timeErrors)
  // A range is only refused when the client set both ends (a default end cannot make the client's request wrong).
  const given = (name: string) => q.get(name) !== null
  if (given("begin_time") && given("end_time") && (begin as number) > (end as number)) {
    return errorResponse(400, invalidRequest("INVALID_TIME_RANGE", "`begin_time` is after `end_time`.", "begin_time"))
  }
  if (given("updated_at_begin_time") && given("updated_at_end_time") && (updatedBegin as number) > (updatedEnd as number)) {
    return errorResponse(400, invalidRequest("INVALID_TIME_RANGE", "`updated_at_begin_time` is after `updated_at_end_time`.", "updated_at_begin_time"))
  }
  const order = q.get("sort_order") ?? "DESC"
  if (order !== "ASC" && order !== "DESC") {
    return errorResponse(400, invalidRequest("INVALID_SORT_ORDER", "`sort_order` must be ASC or DESC.", "sort_order"))
  }
  const sortField = q.get("sort_field") ?? "CREATED_AT"
  if (sortField !== "CREATED_AT" && sortField !== "UPDATED_AT") {
    return errorResponse(400, invalidRequest("INVALID_ENUM_VALUE", `\`${sortField.slice(0, 32)}\` is not a valid enum value for \`sort_field\`.`, "sort_field"))
  }
  const rawLimit = q.get("limit")
  if (rawLimit !== null && !/^\d+$/.test(rawLimit)) return errorResponse(400, invalidRequest("EXPECTED_INTEGER", "`limit` must be an integer.", "limit"))
  if (rawLimit !== null && Number(rawLimit) < 1) return errorResponse(400, invalidRequest("VALUE_TOO_LOW", "`limit` must be at least 1.", "limit"))
  const limit = rawLimit === null ? 100 : Math.min(Number(rawLimit), 100)
  const rawCursor = q.get("cursor")
  const cursor = rawCursor === null ? undefined : decodeCursor(rawCursor)
  const byUpdate = sortField === "UPDATED_AT" || given("updated_at_begin_time") || given("updated_at_end_time")
  if (rawCursor !== null && (cursor === undefined || (cursor._tag === "Offset") !== byUpdate)) {
    return errorResponse(400, invalidRequest("INVALID_CURSOR", "The cursor is invalid.", "cursor"))
  }
  const status = q.get("status")
  const location = q.get("location_id")
  const sourceType = q.get("source_type")
  // Every emulated payment is a card payment.
  if (sourceType !== null && sourceType !== "CARD") return json(200, {})
  // What the listing can see: refunds created up to `cutoff`, as they were then.
  const cutoff = now - lagMillis
  const window = index.window(begin as number, Math.min(end as number, cutoff))
  const matches = (r: RefundRecord<SquareRefundAttributes>) =>
    (status === null || statusAsOf(r, cutoff)?.status === status) && (location === null || r.attributes.locationId === location)

  if (!byUpdate) {
    const page: Array<RefundRecord<SquareRefundAttributes>> = []
    let last: ListingKey | undefined
    let more = false
    const key = cursor?._tag === "Key" ? cursor.key : undefined
    // Index positions in the page's order: oldest first from after the cursor, or newest first from before it.
    const positions = function*() {
      if (order === "ASC") {
        for (let i = Math.max(window.start, key === undefined ? 0 : index.positionAfter(key)); i < window.end; i++) yield i
      } else {
        for (let i = Math.min(window.end, key === undefined ? window.end : index.positionOf(key)) - 1; i >= window.start; i--) yield i
      }
    }
    for (const i of positions()) {
      const entry = index.at(i)!
      if (!matches(entry.refund)) continue
      if (page.length === limit) {
        more = true
        break
      }
      page.push(entry.refund)
      last = entry.key
    }
    return json(200, {
      ...(page.length === 0 ? {} : { refunds: page.map((r) => listedObject(r, cutoff)) }),
      ...(more && last !== undefined ? { cursor: encodeCursor({ _tag: "Key", key: last }) } : {})
    })
  }

  const updated = (r: RefundRecord<SquareRefundAttributes>) => statusAsOf(r, cutoff)?.since ?? r.createdAt
  const matching: Array<RefundRecord<SquareRefundAttributes>> = []
  for (let i = window.start; i < window.end; i++) {
    const r = index.at(i)!.refund
    if (matches(r) && updated(r) >= (updatedBegin as number) && updated(r) <= (updatedEnd as number)) matching.push(r)
  }
  const sortKey = (r: RefundRecord<SquareRefundAttributes>) => sortField === "UPDATED_AT" ? updated(r) : r.createdAt
  // Creation order first; the sort is stable, so refunds of the same instant keep it (reversed for DESC).
  const ordered = (order === "ASC" ? matching : matching.toReversed())
    .toSorted((a, b) => order === "ASC" ? sortKey(a) - sortKey(b) : sortKey(b) - sortKey(a))
  const offset = cursor?._tag === "Offset" ? cursor.offset : 0
  const page = ordered.slice(offset, offset + limit)
  const next = offset + limit < ordered.length ? encodeCursor({ _tag: "Offset", offset: offset + limit }) : undefined
  return json(200, {
    ...(page.length === 0 ? {} : { refunds: page.map((r) => listedObject(r, cutoff)) }),
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
      const index = new ListingIndex(kit.store)
      yield* router.add("POST", "/v2/refunds", Effect.map(readRequest, (request) => createRefund(kit, locationId, request)))
      yield* router.add("GET", "/v2/refunds", Effect.map(readRequest, (request) => listRefunds(kit, index, kit.store.listLagMillis, request)))
      yield* router.add(
        "GET",
        "/v2/refunds/:id",
        withId((id, request) => {
          // `GetPaymentRefund` takes no query parameters.
          const unknown = unknownQueryParameters(request.query, [])
          if (unknown.length > 0) return errorsResponse(400, unknown)
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
            return errorResponse(404, invalidRequest("NOT_FOUND", `Could not find payment with id: ${id.slice(0, 192)}`))
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
  const squareVersion = options.squareVersion ?? defaultSquareVersion
  const listLagMillis = checkLag("listLagMillis", options.listLagMillis ?? defaultListLagMillis)

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
    if (version !== undefined && !isVersionDate(version.trim())) {
      return errorResponse(400, invalidRequest(
        "INVALID_SQUARE_VERSION_FORMAT",
        `Invalid Square-Version format: ${version.slice(0, 32)}. Expected YYYY-MM-DD.`
      ))
    }
    return undefined
  }

  /**
   * "Successful API responses include the Square-Version header to indicate the API version used to process
   * request" (Square developer forum, t/2896, a Square answer): the request's version, else the app's default.
   * Versions are not checked against Square's list: the emulator serves 2025-08-20 whatever is asked.
   */
  const decorate = (response: HttpServerResponse.HttpServerResponse, request: EmulatorRequest) => {
    const asked = request.headers["square-version"]?.trim()
    const version = asked !== undefined && isVersionDate(asked) ? asked : squareVersion
    return HttpServerResponse.setHeader(response, "square-version", version)
  }

  return {
    name: "square",
    // The store holds the lag, so `setListLagMillis` and `PUT /__emulator/list-lag` change what the listing shows.
    listLagMillis,
    credentials: { accessToken },
    webhookSecret: signatureKey,
    webhookUrl: options.webhookUrl,
    lifecycle,
    ...Server.numbers(options, numbers),
    newPayment: (input) => ({ id: newObjectId(), currency: input.currency.toUpperCase() }),
    authenticate,
    decorate,
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
