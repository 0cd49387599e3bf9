/**
 * A stateful PayPal REST emulator for refunds (Payments v2): OAuth2 client credentials
 * (`POST /v1/oauth2/token`, Bearer tokens that expire and can be revoked), `POST /v2/payments/captures/:id/refund`
 * reading exactly PayPal's `refund_request` (see `RefundRequest.ts`) with decimal-string amounts in the currency's
 * exact precision, `GET /v2/payments/refunds/:id`, PayPal's error
 * bodies (`name`, `message`, `debug_id`, `details[]`, `links`), `PayPal-Request-Id` idempotency, `Prefer`
 * minimal/representation answers, and webhooks signed exactly as PayPal signs them: RSA-SHA256 over
 * `transmissionId|transmissionTime|webhookId|crc32(body)`, with a self-signed certificate served at the
 * `PAYPAL-CERT-URL` (on loopback). Transaction Search (`GET /v1/reporting/transactions`, `TransactionSearch.ts`)
 * lists captures and refunds three hours late by default.
 *
 * @since 0.1.0
 */
import { Context, Effect, Layer } from "effect"
import type { Scope } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"
import type { ServeError } from "effect/http/HttpServerError"
import { createHash, randomBytes, randomUUID, sign, verify, X509Certificate } from "node:crypto"
import type { KeyObject } from "node:crypto"
import { crc32 } from "node:zlib"
import type { Emulator, EmulatorOptions, EmulatorService, Outcome } from "../emulator/Emulator.ts"
import { EmulatorService as EmulatorServiceKey } from "../emulator/Emulator.ts"
import type { EmulatorRequest } from "../emulator/Http.ts"
import { json, randomString, readRequest } from "../emulator/Http.ts"
import type { StoredResponse } from "../emulator/Idempotency.ts"
import type { Lifecycle, PaymentRecord, RefundRecord, Step } from "../emulator/RefundStore.ts"
import * as RetrySchedule from "../emulator/RetrySchedule.ts"
import * as Server from "../emulator/Server.ts"
import { checkLag } from "../emulator/ListingIndex.ts"
import * as RefundRequest from "./RefundRequest.ts"
import * as TransactionSearch from "./TransactionSearch.ts"
import type { SigningMaterial } from "./Certificate.ts"
import { generateSigningMaterial } from "./Certificate.ts"

// ---------------------------------------------------------------------------------------------------------------
// Options and defaults
// ---------------------------------------------------------------------------------------------------------------

/** Options of the PayPal emulator. `apiKey` is not used (PayPal authenticates with client credentials). */
export interface PayPalEmulatorOptions extends EmulatorOptions {
  /** The one valid REST app client id. */
  readonly clientId?: string
  /** Its secret. */
  readonly clientSecret?: string
  /** The merchant's webhook id, which every signature covers. Alias of `webhookSecret`. */
  readonly webhookId?: string
  /** Lifetime of access tokens in seconds (fractions allowed, for tests). Default 32400 (9 h), as PayPal. */
  readonly tokenLifetimeSeconds?: number
  /** `app_id` in token answers. */
  readonly appId?: string
  /**
   * Also deliver `PAYMENT.REFUND.PENDING` (on creation), `PAYMENT.REFUND.FAILED` and `PAYMENT.REFUND.CANCELLED`.
   * PayPal documents only `PAYMENT.CAPTURE.REFUNDED` for refunds, so these are off by default.
   */
  readonly unconfirmedRefundEvents?: boolean
  /** Reuse signing material (key pair + certificate) instead of generating a new RSA key at start. */
  readonly signingMaterial?: SigningMaterial
  /**
   * How long (emulator ms) a capture or refund takes to appear in Transaction Search
   * (`GET /v1/reporting/transactions`). Default 3 h: "It takes a maximum of three hours for executed transactions
   * to appear in the list transactions call" (reporting_transactions_v1.json). (The same name as the
   * framework-wide option being added, so the two can be unified.)
   */
  readonly listLagMillis?: number
  /** `account_number` in Transaction Search answers (the merchant's PayPal account). */
  readonly accountNumber?: string
}

/** The running PayPal emulator: the common interface plus token and certificate helpers. */
export interface PayPalEmulatorHandle extends Emulator {
  /** PEM of the self-signed certificate whose key signs the webhooks. */
  readonly certificatePem: string
  /** Where the emulator serves it (`PAYPAL-CERT-URL`, on loopback). */
  readonly certificateUrl: string
  /** `POST /v1/oauth2/token` requests received since start or the last `reset()` (failed ones included). */
  tokenRequests(): number
  /** Invalidates every issued access token (the next API call with one gets 401 AUTHENTICATION_FAILURE). */
  revokeTokens(): number
}

/** Default client id (shaped like a sandbox REST app id). */
export const defaultClientId = "AeRefractEmulatorSandboxClientId0000000000000000000000000000000000000000000000"
/** Default client secret. */
export const defaultClientSecret = "ERefractEmulatorSandboxClientSecret000000000000000000000000000000000000000000"
/** Default webhook id (17 upper-case alphanumerics, like the ids PayPal assigns to webhooks). */
export const defaultWebhookId = "0EMULATORWEBHOOK1"
/** Default `account_number` of Transaction Search answers (13 characters of PayPal's payer-id alphabet). */
export const defaultAccountNumber = "EMULATR7Q2XZ8"
/** Default `app_id` (PayPal's sandbox sample app id). */
export const defaultAppId = "APP-80W284485P519543T"
/** PayPal's documented token lifetime. */
export const defaultTokenLifetimeSeconds = 32_400
/** The signing algorithm announced in `PAYPAL-AUTH-ALGO`. */
export const authAlgo = "SHA256withRSA"
/** The common name of the emulator's self-signed certificate (PayPal's sandbox signing-cert CN). */
export const certificateCommonName = "messageverificationcerts.sandbox.paypal.com"

const tokenPath = "/v1/oauth2/token"
const certPathPrefix = "/v1/notifications/certs/"
const scopes = [
  "https://uri.paypal.com/services/invoicing",
  "https://uri.paypal.com/services/payments/payment/authcapture",
  "https://uri.paypal.com/services/payments/refund",
  "https://uri.paypal.com/services/applications/webhooks",
  "https://uri.paypal.com/services/payments/realtimepayment",
  // Transaction Search's scope (reporting_transactions_v1.json `securitySchemes`).
  "https://uri.paypal.com/services/reporting/search/read",
  "openid"
].join(" ")

// ---------------------------------------------------------------------------------------------------------------
// Statuses and outcomes
// ---------------------------------------------------------------------------------------------------------------

/** PayPal's refund statuses. */
export type RefundStatus = "PENDING" | "COMPLETED" | "FAILED" | "CANCELLED"

/**
 * How each {@link Outcome} plays out (after `PENDING`). PayPal has no "requires action" state for refunds (the
 * refund stays `PENDING`) and no reversal of a completed refund (the `succeeded_then_*` outcomes end at
 * `COMPLETED`).
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
        return [reason === undefined ? { status: "FAILED" } : { status: "FAILED", reason }]
      case "canceled":
        return [reason === undefined ? { status: "CANCELLED" } : { status: "CANCELLED", reason }]
      case "requires_action":
        return []
    }
  },
  holdsFunds: (status) => status === "PENDING" || status === "COMPLETED",
  successStatuses: ["COMPLETED"]
}

/**
 * PayPal's numbers:
 * - `PayPal-Request-Id`: "The server stores keys for 45 days" (payments_payment_v2.json, processors.md §5);
 * - webhook retries: not found in the stored docs (PayPal is often quoted as retrying "up to 25 times over
 *   3 days", [unverified]). Until someone finds the source: the same shape as Stripe's, 1 min doubling,
 *   capped at 12 h, within 3 days [derived].
 */
export const numbers: Server.ProcessorNumbers = {
  timing: Server.defaultTiming,
  idempotencyWindowMillis: 45 * RetrySchedule.millis.day,
  retrySchedule: RetrySchedule.exponential({
    firstMillis: RetrySchedule.millis.minute,
    factor: 2,
    maxMillis: 12 * RetrySchedule.millis.hour,
    withinMillis: 3 * RetrySchedule.millis.day
  })
}

// ---------------------------------------------------------------------------------------------------------------
// Money
// ---------------------------------------------------------------------------------------------------------------

const zeroDecimal = new Set([
  "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF",
  // PayPal: "This currency does not support decimals."
  "HUF", "TWD"
])
const threeDecimal = new Set(["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"])

/** Decimal places PayPal expects for a currency (ISO 4217, with PayPal's no-decimals HUF and TWD). */
export const currencyDecimals = (currency: string): number => {
  const upper = currency.toUpperCase()
  return zeroDecimal.has(upper) ? 0 : threeDecimal.has(upper) ? 3 : 2
}

/** Minor units → PayPal's decimal string (`1099, "USD"` → `"10.99"`; `500, "JPY"` → `"500"`). */
export const formatValue = (minor: number, currency: string): string => {
  const decimals = currencyDecimals(currency)
  if (decimals === 0) return String(minor)
  const sign = minor < 0 ? "-" : ""
  const digits = String(Math.abs(minor)).padStart(decimals + 1, "0")
  return `${sign}${digits.slice(0, -decimals)}.${digits.slice(-decimals)}`
}

/** The result of reading a `money.value`. */
export type ParsedValue =
  | { readonly _tag: "Ok"; readonly minor: number }
  | { readonly _tag: "Syntax" }
  | { readonly _tag: "DecimalsNotSupported" }
  | { readonly _tag: "DecimalPrecision"; readonly decimals: number }

/**
 * Reads a `money.value` (PayPal's pattern; fewer decimals than the currency has are accepted, more are not). The
 * digits are read exactly; a value beyond `Number.MAX_SAFE_INTEGER` minor units is reported as `Infinity`, never
 * rounded.
 */
export const parseValue = (value: string, currency: string): ParsedValue => {
  if (value.length > 32 || !RefundRequest.valuePattern.test(value)) return { _tag: "Syntax" }
  const decimals = currencyDecimals(currency)
  const negative = value.startsWith("-")
  const [whole = "", fraction] = (negative ? value.slice(1) : value).split(".")
  if (fraction !== undefined && decimals === 0) return { _tag: "DecimalsNotSupported" }
  if (fraction !== undefined && fraction.length > decimals) return { _tag: "DecimalPrecision", decimals }
  const digits = BigInt(`${whole === "" ? "0" : whole}${(fraction ?? "").padEnd(decimals, "0")}`)
  const minor = digits > BigInt(Number.MAX_SAFE_INTEGER) ? Infinity : Number(digits)
  return { _tag: "Ok", minor: negative ? -minor : minor }
}

// ---------------------------------------------------------------------------------------------------------------
// Ids
// ---------------------------------------------------------------------------------------------------------------

const upperAlphanumerics = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

/** A 17-character PayPal id (captures, refunds), like `2GG279541U471931P`. */
export const newPayPalId = (): string => randomString(17, upperAlphanumerics)

/** PayPal's `debug_id` / `Paypal-Debug-Id`: 13 lower-case hex characters. */
export const newDebugId = (): string => randomBytes(7).toString("hex").slice(0, 13)

/** A stable id derived from a seed (so an event keeps its id across redeliveries). */
const derivedId = (seed: string, length: number): string => {
  const digest = createHash("sha256").update(seed).digest()
  let out = ""
  for (let i = 0; i < length; i++) out += upperAlphanumerics[digest[i]! % upperAlphanumerics.length]
  return out
}

/** The webhook event id of one event type for one refund: `WH-…-…`, stable across redeliveries. */
export const eventId = (refundId: string, eventType: string): string =>
  `WH-${derivedId(`${refundId}/${eventType}/a`, 17)}-${derivedId(`${refundId}/${eventType}/b`, 17)}`

// ---------------------------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------------------------

/** One entry of PayPal's `details[]`. */
export interface ErrorDetail {
  readonly field?: string
  readonly value?: string
  readonly location?: "body" | "path" | "query" | "header"
  readonly issue: string
  readonly description: string
}

/** The `message` of each error `name` (the `error_4xx` / `error_5xx` enums of payments_payment_v2.json). */
const errorMessages: Readonly<Record<string, string>> = {
  INVALID_REQUEST: "Request is not well-formed, syntactically incorrect, or violates schema.",
  RESOURCE_NOT_FOUND: "The specified resource does not exist.",
  RESOURCE_CONFLICT: "The server has detected a conflict while processing this request.",
  UNSUPPORTED_MEDIA_TYPE: "The server does not support the request payload's media type.",
  UNPROCESSABLE_ENTITY: "The requested action could not be performed, semantically incorrect, or failed business validation.",
  RATE_LIMIT_REACHED: "Too many requests. Blocked due to rate limiting.",
  INTERNAL_SERVER_ERROR: "An internal server error occurred.",
  SERVICE_UNAVAILABLE: "Service Unavailable."
}

/**
 * A PayPal error answer: `{ name, message, debug_id, details?, links }`, with the same `debug_id` in the
 * `Paypal-Debug-Id` header.
 */
export const errorResponse = (
  status: number,
  name: string,
  details?: ReadonlyArray<ErrorDetail>
): HttpServerResponse.HttpServerResponse => {
  const debugId = newDebugId()
  const anchor = details?.[0]?.issue ?? name
  return json(
    status,
    {
      name,
      message: errorMessages[name] ?? name,
      debug_id: debugId,
      ...(details === undefined ? {} : { details }),
      links: [{ href: `https://developer.paypal.com/docs/api/payments/v2/#error-${anchor}`, rel: "information_link", method: "GET" }]
    },
    { headers: { "paypal-debug-id": debugId } }
  )
}

/**
 * The 401 every v1/v2 API answers for a missing, unknown, expired or revoked Bearer token.
 *
 * Sources disagree on the message: the spec's `error_401` enum says "Authentication failed due to missing
 * authorization header, or invalid authentication credentials." (payments_payment_v2.json @ ec4d8f36), while every
 * answer quoted from PayPal's servers in integrations (PHP and Java clients, test doubles written from captured
 * traffic) reads "Authentication failed due to invalid authentication credentials or a missing Authorization
 * header." with no `debug_id` and an `/docs/api/overview/#error` link. The emulator sends what the servers send.
 */
export const authenticationFailure = (): HttpServerResponse.HttpServerResponse =>
  json(401, {
    name: "AUTHENTICATION_FAILURE",
    message: "Authentication failed due to invalid authentication credentials or a missing Authorization header.",
    links: [{ href: "https://developer.paypal.com/docs/api/overview/#error", rel: "information_link" }]
  })

/**
 * The OAuth endpoint's answer to wrong client credentials. The shape is the OAuth 2 one (RFC 6749 §5.2), not the
 * REST error body: the official SDK (@paypal/paypal-server-sdk 2.5.0 `controllers/oAuthAuthorizationController.ts`)
 * parses 400 and 401 answers of `POST /v1/oauth2/token` into `OAuthProviderError` with `{ error, error_description?,
 * error_uri? }`, `error` ∈ invalid_request, invalid_client, invalid_grant, unauthorized_client,
 * unsupported_grant_type, invalid_scope (`models/oAuthProviderError.ts`). The description text is the one quoted
 * from PayPal's servers [unverified wording].
 */
export const invalidClient = (): HttpServerResponse.HttpServerResponse =>
  json(401, { error: "invalid_client", error_description: "Client Authentication failed" })

const detail = (issue: string, description: string, field?: string, value?: string, location: ErrorDetail["location"] = "body"): ErrorDetail => ({
  ...(field === undefined ? {} : { field }),
  ...(value === undefined ? {} : { value }),
  ...(field === undefined ? {} : { location }),
  issue,
  description
})

const invalidRequest = (issue: string, description: string, field?: string, value?: string) =>
  errorResponse(400, "INVALID_REQUEST", [detail(issue, description, field, value)])

const unprocessable = (issue: string, description: string, field?: string, value?: string) =>
  errorResponse(422, "UNPROCESSABLE_ENTITY", [detail(issue, description, field, value)])

const resourceNotFound = () =>
  errorResponse(404, "RESOURCE_NOT_FOUND", [
    detail("INVALID_RESOURCE_ID", "Specified resource ID does not exist. Please check the resource ID and try again.")
  ])

// ---------------------------------------------------------------------------------------------------------------
// Webhook signing
// ---------------------------------------------------------------------------------------------------------------

/** `crc32` of the raw body bytes as an unsigned decimal string. */
export const bodyCrc32 = (body: string | Uint8Array): string => String(crc32(typeof body === "string" ? Buffer.from(body, "utf8") : body) >>> 0)

/** The string PayPal signs: `${transmissionId}|${transmissionTime}|${webhookId}|${crc32(body)}`. */
export const signedString = (transmissionId: string, transmissionTime: string, webhookId: string, body: string | Uint8Array): string =>
  `${transmissionId}|${transmissionTime}|${webhookId}|${bodyCrc32(body)}`

/** Base64 RSASSA-PKCS1-v1_5 / SHA-256 signature of the signed string. */
export const transmissionSignature = (
  privateKey: KeyObject,
  transmissionId: string,
  transmissionTime: string,
  webhookId: string,
  body: string | Uint8Array
): string => sign("sha256", Buffer.from(signedString(transmissionId, transmissionTime, webhookId, body), "utf8"), privateKey).toString("base64")

/**
 * Verifies a delivery offline the way PayPal's SDKs do: the signed string rebuilt with *your* webhook id, checked
 * against the public key of the certificate (PEM). Never throws. (Certificate chain and dates are not checked.)
 */
export const verifyTransmission = (input: {
  readonly certificatePem: string
  readonly transmissionId: string
  readonly transmissionTime: string
  readonly transmissionSig: string
  readonly webhookId: string
  readonly body: string | Uint8Array
}): boolean => {
  try {
    const key = new X509Certificate(input.certificatePem).publicKey
    return verify(
      "sha256",
      Buffer.from(signedString(input.transmissionId, input.transmissionTime, input.webhookId, input.body), "utf8"),
      key,
      Buffer.from(input.transmissionSig, "base64")
    )
  } catch {
    return false
  }
}

/** `2017-03-30T20:04:05Z`: the shape of `PAYPAL-TRANSMISSION-TIME` and of resource timestamps. */
export const paypalTime = (millis: number): string => `${new Date(millis).toISOString().slice(0, 19)}Z`

// ---------------------------------------------------------------------------------------------------------------
// Objects
// ---------------------------------------------------------------------------------------------------------------

/** PayPal-specific state of an emulated refund. */
export interface PayPalRefundAttributes {
  readonly captureId: string
  readonly invoiceId: string | undefined
  readonly customId: string | undefined
  readonly noteToPayer: string | undefined
}

type Kit = Server.EmulatorKit<PayPalRefundAttributes>

const money = (minor: number, currency: string) => ({ currency_code: currency, value: formatValue(minor, currency) })

const completedOn = (kit: Kit, captureId: string): number =>
  kit.store.list((r) => r.paymentId === captureId && r.status === "COMPLETED").reduce((sum, r) => sum + r.amount, 0)

/** The `refund` resource. */
export const refundObject = (refund: RefundRecord<PayPalRefundAttributes>, kit: Kit, origin: string): Record<string, unknown> => {
  const a = refund.attributes
  const updated = refund.history[refund.history.length - 1]?.at ?? refund.createdAt
  return {
    id: refund.id,
    amount: money(refund.amount, refund.currency),
    ...(a.invoiceId === undefined ? {} : { invoice_id: a.invoiceId }),
    ...(a.customId === undefined ? {} : { custom_id: a.customId }),
    ...(a.noteToPayer === undefined ? {} : { note_to_payer: a.noteToPayer }),
    ...(refund.status === "COMPLETED"
      ? {
        seller_payable_breakdown: {
          gross_amount: money(refund.amount, refund.currency),
          paypal_fee: money(0, refund.currency),
          net_amount: money(refund.amount, refund.currency),
          total_refunded_amount: money(completedOn(kit, refund.paymentId), refund.currency)
        }
      }
      : {}),
    status: refund.status,
    ...(refund.failureReason === undefined ? {} : { status_details: { reason: refund.failureReason } }),
    create_time: paypalTime(refund.createdAt),
    update_time: paypalTime(updated),
    links: refundLinks(refund, origin)
  }
}

const refundLinks = (refund: RefundRecord<PayPalRefundAttributes>, origin: string) => [
  { href: `${origin}/v2/payments/refunds/${refund.id}`, rel: "self", method: "GET" },
  { href: `${origin}/v2/payments/captures/${refund.attributes.captureId}`, rel: "up", method: "GET" }
]

/** The (minimal) `capture` resource of a payment. */
export const captureObject = (payment: PaymentRecord, kit: Kit, origin: string): Record<string, unknown> => {
  const refunded = completedOn(kit, payment.id)
  const last = kit.store.list((r) => r.paymentId === payment.id && r.status === "COMPLETED")[0]
  return {
    id: payment.id,
    amount: money(payment.amount, payment.currency),
    final_capture: true,
    seller_protection: { status: "ELIGIBLE", dispute_categories: ["ITEM_NOT_RECEIVED", "UNAUTHORIZED_TRANSACTION"] },
    seller_receivable_breakdown: {
      gross_amount: money(payment.amount, payment.currency),
      paypal_fee: money(0, payment.currency),
      net_amount: money(payment.amount, payment.currency)
    },
    ...(payment.reference === undefined ? {} : { invoice_id: payment.reference }),
    status: refunded === 0 ? "COMPLETED" : refunded >= payment.amount ? "REFUNDED" : "PARTIALLY_REFUNDED",
    create_time: paypalTime(payment.createdAt),
    update_time: paypalTime(last?.history[last.history.length - 1]?.at ?? payment.createdAt),
    links: [
      { href: `${origin}/v2/payments/captures/${payment.id}`, rel: "self", method: "GET" },
      { href: `${origin}/v2/payments/captures/${payment.id}/refund`, rel: "refund", method: "POST" }
    ]
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Tokens
// ---------------------------------------------------------------------------------------------------------------

interface IssuedToken {
  readonly token: string
  readonly expiresAt: number
  revoked: boolean
}

/** Issued access tokens. PayPal hands out the same token again while it is valid, with a shrinking `expires_in`. */
class TokenStore {
  private readonly tokens = new Map<string, IssuedToken>()
  private current: IssuedToken | undefined
  private readonly lifetimeMillis: number

  constructor(lifetimeSeconds: number) {
    this.lifetimeMillis = lifetimeSeconds * 1000
  }

  issue(now: number): IssuedToken {
    if (this.current !== undefined && !this.current.revoked && this.current.expiresAt > now) return this.current
    const issued: IssuedToken = {
      token: `A21AA${randomString(92, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")}`,
      expiresAt: now + this.lifetimeMillis,
      revoked: false
    }
    this.tokens.set(issued.token, issued)
    this.current = issued
    return issued
  }

  valid(token: string, now: number): boolean {
    const issued = this.tokens.get(token)
    return issued !== undefined && !issued.revoked && issued.expiresAt > now
  }

  revokeAll(now: number): number {
    let count = 0
    for (const issued of this.tokens.values()) {
      if (!issued.revoked && issued.expiresAt > now) count++
      issued.revoked = true
    }
    return count
  }

  active(now: number): number {
    let count = 0
    for (const issued of this.tokens.values()) if (!issued.revoked && issued.expiresAt > now) count++
    return count
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Routes
// ---------------------------------------------------------------------------------------------------------------

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

interface RouteContext {
  readonly kit: Kit
  readonly transactions: TransactionSearch.TransactionIndex
  readonly accountNumber: string
  readonly origin: () => string
  readonly tokens: TokenStore
  readonly appId: string
  readonly webhookId: string
  readonly material: SigningMaterial
  readonly certificateId: string
}

/** 415 for a body that is not JSON by its `Content-Type` (error_415 of payments_payment_v2.json). */
const unsupportedMediaType = () => errorResponse(415, "UNSUPPORTED_MEDIA_TYPE")

/**
 * Reads the body of a refund request strictly (see {@link RefundRequest}): an empty body refunds what is left; a
 * non-empty one must be `application/json` and a valid `refund_request`.
 */
const readRefundRequest = (request: EmulatorRequest): RefundRequest.RefundRequest | HttpServerResponse.HttpServerResponse => {
  if (request.body.trim() === "") return RefundRequest.read({})
  if (RefundRequest.mediaType(request.headers["content-type"]) !== "application/json") return unsupportedMediaType()
  let body: unknown
  try {
    body = JSON.parse(request.body)
  } catch {
    return errorResponse(400, "INVALID_REQUEST", [RefundRequest.malformedJson])
  }
  const details = RefundRequest.validate(body)
  return details.length > 0 ? errorResponse(400, "INVALID_REQUEST", details) : RefundRequest.read(body)
}

/** `Prefer: return=representation` asks for the whole refund; anything else (the default) for the minimal one. */
const wantsRepresentation = (request: EmulatorRequest): boolean => /return=representation/i.test(request.headers["prefer"] ?? "")

/** A create answer: the whole refund or `{ id, status, links }`, as `Prefer` asks. */
const createdAnswer = (kit: Kit, origin: string, refund: RefundRecord<PayPalRefundAttributes>, status: number, request: EmulatorRequest) =>
  json(
    status,
    wantsRepresentation(request)
      ? refundObject(refund, kit, origin)
      : { id: refund.id, status: refund.status, links: refundLinks(refund, origin) }
  )

/** The refund id in a stored create answer (both shapes carry `id`). */
const storedRefundId = (stored: StoredResponse): string | undefined => {
  try {
    const id: unknown = JSON.parse(new TextDecoder().decode(stored.body))?.id
    return typeof id === "string" ? id : undefined
  } catch {
    return undefined
  }
}

/**
 * The refunded amount in minor units, or the 422 that refuses it. Amounts that are not safe integers in minor
 * units cannot be below what is left, so they are read as exceeding it.
 */
const requestedMinor = (
  amount: { readonly currency_code: string; readonly value: string },
  payment: PaymentRecord
): number | HttpServerResponse.HttpServerResponse => {
  if (amount.currency_code !== payment.currency) {
    return unprocessable("REFUND_CAPTURE_CURRENCY_MISMATCH", "Refund must be in the same currency as the capture", "/amount/currency_code", amount.currency_code)
  }
  const parsed = parseValue(amount.value, amount.currency_code)
  switch (parsed._tag) {
    case "Syntax":
      return invalidRequest("INVALID_PARAMETER_SYNTAX", "The value of a field does not conform to the expected format.", "/amount/value", amount.value)
    case "DecimalsNotSupported":
      return unprocessable("DECIMALS_NOT_SUPPORTED", "Currency does not support decimals.", "/amount/value", amount.value)
    case "DecimalPrecision":
      return unprocessable(
        "DECIMAL_PRECISION",
        `If the currency supports decimals, only ${parsed.decimals === 3 ? "three" : "two"} decimal place precision is supported.`,
        "/amount/value",
        amount.value
      )
    case "Ok":
      return parsed.minor <= 0
        ? unprocessable("CANNOT_BE_ZERO_OR_NEGATIVE", "Must be greater than zero.", "/amount/value", amount.value)
        : parsed.minor
  }
}

const createRefund = (ctx: RouteContext, captureId: string, request: EmulatorRequest): HttpServerResponse.HttpServerResponse => {
  const { kit } = ctx
  const asked = readRefundRequest(request)
  if (HttpServerResponse.isHttpServerResponse(asked)) return asked

  // Business rules (404 / 422).
  const payment = kit.store.payment(captureId)
  if (payment === undefined) return resourceNotFound()
  const remaining = kit.store.refundable(payment.id)
  const minor = asked.amount === undefined ? remaining : requestedMinor(asked.amount, payment)
  if (HttpServerResponse.isHttpServerResponse(minor)) return minor
  if (remaining <= 0) return unprocessable("CAPTURE_FULLY_REFUNDED", "The capture has already been fully refunded")
  if (minor > remaining) {
    return unprocessable(
      "REFUND_AMOUNT_EXCEEDED",
      "The refund amount must be less than or equal to the capture amount that has not yet been refunded."
    )
  }
  const invoiceId = asked.invoice_id
  if (invoiceId !== undefined && kit.store.list((r) => r.attributes.invoiceId === invoiceId).length > 0) {
    return unprocessable("DUPLICATE_INVOICE_ID", "Invoice ID was previously used to refund a capture.", "/invoice_id", invoiceId)
  }
  // The emulated merchant is not a PayPal Commerce Platform partner: a platform fee is refused the way PayPal
  // refuses it for such accounts (captures.refund-422 PLATFORM_FEE_NOT_ENABLED; description from
  // https://developer.paypal.com/api/payments/v2/errors/platform_fee_not_enabled).
  if (asked.platformFees > 0) {
    return unprocessable(
      "PLATFORM_FEE_NOT_ENABLED",
      "The API Caller account is not setup to be able to process refunds with 'platform_fees'. Please contact your Account Manager. This feature is useful when you want to contribute a portion of the 'platform_fees' you had capture as part of the refund being processed.",
      "/payment_instruction/platform_fees"
    )
  }

  const refund = kit.store.createRefund({
    id: newPayPalId(),
    payment,
    amount: minor,
    currency: payment.currency,
    idempotencyKey: request.headers["paypal-request-id"],
    reference: invoiceId,
    metadata: {
      ...(asked.custom_id === undefined ? {} : { custom_id: asked.custom_id }),
      ...(asked.note_to_payer === undefined ? {} : { note_to_payer: asked.note_to_payer })
    },
    attributes: { captureId: payment.id, invoiceId, customId: asked.custom_id, noteToPayer: asked.note_to_payer }
  })
  return createdAnswer(kit, ctx.origin(), refund, 201, request)
}

const issueToken = (ctx: RouteContext, request: EmulatorRequest): HttpServerResponse.HttpServerResponse => {
  const grant = new URLSearchParams(request.body).get("grant_type")
  if (grant === null || grant === "") {
    return json(400, { error: "unsupported_grant_type", error_description: "Grant Type is NULL" })
  }
  if (grant !== "client_credentials") {
    return json(400, { error: "unsupported_grant_type", error_description: "unsupported grant_type" })
  }
  const now = ctx.kit.clock.now()
  const issued = ctx.tokens.issue(now)
  return json(200, {
    scope: scopes,
    access_token: issued.token,
    token_type: "Bearer",
    app_id: ctx.appId,
    expires_in: Math.max(0, Math.ceil((issued.expiresAt - now) / 1000)),
    nonce: `${paypalTime(now)}${randomString(43, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")}`
  })
}

const verifyWebhookSignature = (ctx: RouteContext, request: EmulatorRequest): HttpServerResponse.HttpServerResponse => {
  let body: unknown
  try {
    body = JSON.parse(request.body)
  } catch {
    return invalidRequest("MALFORMED_REQUEST_JSON", "The request JSON is not well formed.")
  }
  if (!isRecord(body)) return invalidRequest("MALFORMED_REQUEST_JSON", "The request JSON is not well formed.")
  const fields = ["auth_algo", "cert_url", "transmission_id", "transmission_sig", "transmission_time", "webhook_id"] as const
  for (const field of [...fields, "webhook_event"] as const) {
    if (body[field] === undefined || body[field] === null || body[field] === "") {
      return invalidRequest("MISSING_REQUIRED_PARAMETER", "A required field / parameter is missing.", `/${field}`)
    }
  }
  const ok = body.auth_algo === authAlgo &&
    body.cert_url === certificateUrlOf(ctx.origin(), ctx.certificateId) &&
    body.webhook_id === ctx.webhookId &&
    verifyTransmission({
      certificatePem: ctx.material.certificatePem,
      transmissionId: String(body.transmission_id),
      transmissionTime: String(body.transmission_time),
      transmissionSig: String(body.transmission_sig),
      webhookId: String(body.webhook_id),
      // PayPal receives the event re-serialized, so only compact JSON in the original key order verifies.
      body: JSON.stringify(body.webhook_event)
    })
  return json(200, { verification_status: ok ? "SUCCESS" : "FAILURE" })
}

const certificateUrlOf = (origin: string, certificateId: string) => `${origin}${certPathPrefix}${certificateId}`

const withId = (f: (id: string, request: EmulatorRequest) => HttpServerResponse.HttpServerResponse) =>
  Effect.gen(function*() {
    const { id } = yield* HttpRouter.params
    return f(id ?? "", yield* readRequest)
  })

const routes = (ctx: RouteContext) => (kit: Kit): Layer.Layer<never, never, HttpRouter.HttpRouter> =>
  HttpRouter.use((router) =>
    Effect.gen(function*() {
      const notFound = HttpServerResponse.empty({ status: 404 })
      yield* router.add("POST", tokenPath, Effect.map(readRequest, (request) => issueToken(ctx, request)))
      yield* router.add(
        "GET",
        `${certPathPrefix}:id`,
        withId((id) =>
          id === ctx.certificateId
            ? HttpServerResponse.text(ctx.material.certificatePem, { contentType: "application/x-pem-file" })
            : notFound
        )
      )
      yield* router.add(
        "POST",
        "/v1/notifications/verify-webhook-signature",
        Effect.map(readRequest, (request) => verifyWebhookSignature(ctx, request))
      )
      yield* router.add("POST", "/v2/payments/captures/:id/refund", withId((id, request) => createRefund(ctx, id, request)))
      yield* router.add(
        "GET",
        "/v1/reporting/transactions",
        Effect.map(readRequest, (request) =>
          TransactionSearch.search({
            now: kit.clock.now(),
            lagMillis: kit.store.listLagMillis,
            accountNumber: ctx.accountNumber,
            origin: ctx.origin(),
            index: ctx.transactions
          }, request))
      )
      yield* router.add(
        "GET",
        "/v2/payments/captures/:id",
        withId((id) => {
          const payment = kit.store.payment(id)
          return payment === undefined ? resourceNotFound() : json(200, captureObject(payment, kit, ctx.origin()))
        })
      )
      yield* router.add(
        "GET",
        "/v2/payments/refunds/:id",
        withId((id) => {
          const refund = kit.store.get(id)
          return refund === undefined ? resourceNotFound() : json(200, refundObject(refund, kit, ctx.origin()))
        })
      )
      // Control API extension (never logged, faulted or authenticated: it lives under /__emulator).
      yield* router.add(
        "GET",
        "/__emulator/paypal/tokens",
        Effect.sync(() =>
          json(200, { tokenRequests: countTokenRequests(kit), active: ctx.tokens.active(kit.clock.now()) })
        )
      )
      yield* router.add(
        "DELETE",
        "/__emulator/paypal/tokens",
        Effect.sync(() => json(200, { revoked: ctx.tokens.revokeAll(kit.clock.now()) }))
      )
      yield* router.add("*", "/*", Effect.succeed(notFound))
    })
  )

const countTokenRequests = (kit: Kit): number =>
  kit.log.list().filter((r) => r.method === "POST" && r.path === tokenPath).length

// ---------------------------------------------------------------------------------------------------------------
// Webhooks
// ---------------------------------------------------------------------------------------------------------------

const eventForStatus: Readonly<Record<string, string>> = {
  PENDING: "PAYMENT.REFUND.PENDING",
  COMPLETED: "PAYMENT.CAPTURE.REFUNDED",
  FAILED: "PAYMENT.REFUND.FAILED",
  CANCELLED: "PAYMENT.REFUND.CANCELLED"
}

/**
 * The refund event types the emulator can render. PayPal's Payments v2 event list
 * (https://developer.paypal.com/api/rest/webhooks/event-names/#payments-v2, mirrored at
 * https://docs.paypal.ai/reference/webhook-events/payments-v2) has `PAYMENT.CAPTURE.REFUNDED` ("A merchant refunds
 * a payment capture") and `PAYMENT.CAPTURE.REVERSED` ("PayPal reverses a payment capture": a reversal of the
 * capture by PayPal, not the merchant's refund, so the emulator never sends it), and no refund pending, failed or
 * cancelled event. The three `PAYMENT.REFUND.*` names exist only behind `unconfirmedRefundEvents`.
 */
export const eventTypes: ReadonlyArray<string> = [
  "PAYMENT.CAPTURE.REFUNDED",
  "PAYMENT.REFUND.PENDING",
  "PAYMENT.REFUND.FAILED",
  "PAYMENT.REFUND.CANCELLED"
]

const statusOfEvent = (eventType: string): string | undefined =>
  Object.entries(eventForStatus).find(([, event]) => event === eventType)?.[0]

const summaryOf = (eventType: string, value: string, currency: string): string => {
  switch (eventType) {
    case "PAYMENT.CAPTURE.REFUNDED":
      return `A ${value} ${currency} capture payment was refunded`
    case "PAYMENT.REFUND.PENDING":
      return `A refund of ${value} ${currency} is pending`
    case "PAYMENT.REFUND.FAILED":
      return `A refund of ${value} ${currency} failed`
    case "PAYMENT.REFUND.CANCELLED":
      return `A refund of ${value} ${currency} was cancelled`
    default:
      return `${eventType} for ${value} ${currency}`
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Definition
// ---------------------------------------------------------------------------------------------------------------

const basicCredentials = (request: EmulatorRequest): string | undefined => {
  const basic = /^Basic\s+(\S+)\s*$/i.exec(request.headers["authorization"] ?? "")
  return basic === null ? undefined : Buffer.from(basic[1]!, "base64").toString("utf8")
}

/** The certificate id in `PAYPAL-CERT-URL` (`CERT-xxxxxxxx-xxxxxxxx-xxxxxxxx`), derived from the certificate. */
export const certificateIdOf = (certificatePem: string): string => {
  const hex = createHash("sha256").update(certificatePem).digest("hex")
  return `CERT-${hex.slice(0, 8)}-${hex.slice(8, 16)}-${hex.slice(16, 24)}`
}

/**
 * Builds the emulator definition (one per instance). `origin` resolves the emulator's own origin once it
 * listens (for HATEOAS links and `PAYPAL-CERT-URL`).
 */
export const definition = (
  options: PayPalEmulatorOptions,
  material: SigningMaterial,
  origin: () => string
): Server.EmulatorDefinition<PayPalRefundAttributes> & { readonly extensions: PayPalExtensions } => {
  const clientId = options.clientId ?? defaultClientId
  const clientSecret = options.clientSecret ?? defaultClientSecret
  const webhookId = options.webhookId ?? options.webhookSecret ?? defaultWebhookId
  const tokenLifetimeSeconds = options.tokenLifetimeSeconds ?? defaultTokenLifetimeSeconds
  if (!(tokenLifetimeSeconds > 0)) throw new RangeError("tokenLifetimeSeconds must be positive")
  const unconfirmed = options.unconfirmedRefundEvents === true
  const listLagMillis = checkLag("listLagMillis", options.listLagMillis ?? TransactionSearch.defaultListLagMillis)
  const transactions: { index: TransactionSearch.TransactionIndex | undefined } = { index: undefined }
  const tokens = new TokenStore(tokenLifetimeSeconds)
  const certificateId = certificateIdOf(material.certificatePem)
  const holder: { kit: Kit | undefined } = { kit: undefined }
  // Tokens expire on the emulator clock, like everything else (advancing a manual clock past 9 h expires them).
  const now = () => holder.kit?.clock.now() ?? Date.now()

  const authenticate = (request: EmulatorRequest): HttpServerResponse.HttpServerResponse | undefined => {
    if (request.path === tokenPath) {
      return basicCredentials(request) === `${clientId}:${clientSecret}` ? undefined : invalidClient()
    }
    // The signing certificate is public, as PayPal's is.
    if (request.method === "GET" && request.path.startsWith(certPathPrefix)) return undefined
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(request.headers["authorization"] ?? "")
    return bearer !== null && tokens.valid(bearer[1]!, now()) ? undefined : authenticationFailure()
  }

  const render = (
    refund: RefundRecord<PayPalRefundAttributes>,
    eventType: string,
    renderOptions: Server.RenderOptions,
    kit: Kit
  ) => {
    const base = origin()
    const resource = refundObject(refund, kit, base)
    const id = eventId(refund.id, eventType)
    const status = statusOfEvent(eventType)
    const at = refund.history.toReversed().find((h) => h.status === status)?.at ?? renderOptions.now
    const value = formatValue(refund.amount, refund.currency)
    const event = {
      id,
      event_version: "1.0",
      create_time: new Date(at).toISOString(),
      resource_type: "refund",
      resource_version: "2.0",
      event_type: eventType,
      summary: summaryOf(eventType, value, refund.currency),
      resource,
      links: [
        { href: `${base}/v1/notifications/webhooks-events/${id}`, rel: "self", method: "GET" },
        { href: `${base}/v1/notifications/webhooks-events/${id}/resend`, rel: "resend", method: "POST" }
      ]
    }
    const signedBody = JSON.stringify(event)
    const transmissionId = randomUUID()
    const transmissionTime = paypalTime(renderOptions.timestampSeconds === undefined ? renderOptions.now : renderOptions.timestampSeconds * 1000)
    const signature = transmissionSignature(material.privateKey, transmissionId, transmissionTime, renderOptions.secret, signedBody)
    const body = renderOptions.tamper === true
      ? JSON.stringify({
        ...event,
        resource: { ...resource, amount: money(refund.amount + 1, refund.currency) }
      })
      : signedBody
    return {
      headers: {
        "content-type": "application/json",
        "user-agent": "PayPal/AUHD-214.0-58842394",
        "paypal-transmission-id": transmissionId,
        "paypal-transmission-time": transmissionTime,
        "paypal-transmission-sig": signature,
        "paypal-cert-url": certificateUrlOf(base, certificateId),
        "paypal-auth-algo": authAlgo
      },
      body
    }
  }

  const extensions: PayPalExtensions = {
    certificatePem: material.certificatePem,
    certificateUrl: () => certificateUrlOf(origin(), certificateId),
    tokenRequests: () => (holder.kit === undefined ? 0 : countTokenRequests(holder.kit)),
    revokeTokens: () => tokens.revokeAll(now())
  }

  return {
    name: "paypal",
    // The store holds the lag, so `setListLagMillis` and `PUT /__emulator/list-lag` change what the listing shows.
    listLagMillis,
    credentials: { clientId, clientSecret },
    webhookSecret: webhookId,
    webhookUrl: options.webhookUrl,
    lifecycle,
    ...Server.numbers(options, numbers),
    newPayment: (input) => {
      const id = newPayPalId()
      transactions.index?.notePayment(id)
      return { id, currency: input.currency.toUpperCase() }
    },
    authenticate,
    idempotency: {
      header: "paypal-request-id",
      appliesTo: (request) => request.method === "POST" && request.path.startsWith("/v2/"),
      // PayPal answers a repeated PayPal-Request-Id with the first result, whatever the new body says.
      fingerprint: () => "",
      // Only created refunds are kept: a failed attempt leaves nothing behind, so a retry runs again.
      stores: ({ status }) => status >= 200 && status < 300,
      // "PayPal returns the latest status of the previous request that used that same header"
      // (https://developer.paypal.com/reference/guidelines/idempotency), with 200 rather than 201 when "the
      // resource was already created by a previous execution of the same method"
      // (https://developer.paypal.com/api/rest/responses/). The refund is rendered as it is now, in the shape the
      // repeated request's `Prefer` asks for.
      replay: (stored, _key, request) => {
        const kit = holder.kit
        const id = storedRefundId(stored)
        const refund = kit === undefined || id === undefined ? undefined : kit.store.get(id)
        return kit === undefined || refund === undefined ? Server.fromStored(stored) : createdAnswer(kit, origin(), refund, 200, request)
      },
      inFlight: () =>
        errorResponse(409, "RESOURCE_CONFLICT", [
          detail(
            "PREVIOUS_REQUEST_IN_PROGRESS",
            "A previous request on this resource is currently in progress. Please wait for sometime and try again. It is best to space out the initial and the subsequent request(s) to avoid receiving this error."
          )
        ])
    },
    faults: {
      rateLimit: () => errorResponse(429, "RATE_LIMIT_REACHED"),
      serverError: (status) => errorResponse(status, status === 503 ? "SERVICE_UNAVAILABLE" : "INTERNAL_SERVER_ERROR")
    },
    decorate: (response) =>
      response.headers["paypal-debug-id"] === undefined
        ? HttpServerResponse.setHeader(response, "paypal-debug-id", newDebugId())
        : response,
    routes: (kit) => {
      holder.kit = kit
      transactions.index = new TransactionSearch.TransactionIndex(kit.store)
      return routes({
        kit,
        transactions: transactions.index,
        accountNumber: options.accountNumber ?? defaultAccountNumber,
        origin,
        tokens,
        appId: options.appId ?? defaultAppId,
        webhookId,
        material,
        certificateId
      })(kit)
    },
    webhooks: {
      eventsFor: (transition) => {
        if (transition.to === "COMPLETED") return ["PAYMENT.CAPTURE.REFUNDED"]
        if (!unconfirmed) return []
        const event = eventForStatus[transition.to]
        return event === undefined ? [] : [event]
      },
      defaultEventType: (refund) => (unconfirmed ? eventForStatus[refund.status] ?? "PAYMENT.CAPTURE.REFUNDED" : "PAYMENT.CAPTURE.REFUNDED"),
      render,
      // Every transmission has its own id and time, and is signed anew (the body is the same event).
      resign: (message, attempt) => {
        const transmissionId = randomUUID()
        const transmissionTime = paypalTime(attempt.now)
        return {
          "paypal-transmission-id": transmissionId,
          "paypal-transmission-time": transmissionTime,
          "paypal-transmission-sig": transmissionSignature(material.privateKey, transmissionId, transmissionTime, attempt.secret, message.body)
        }
      },
      eventId: (message) => {
        try {
          const id: unknown = JSON.parse(message.body)?.id
          return typeof id === "string" ? id : undefined
        } catch {
          return undefined
        }
      }
    },
    extensions
  }
}

/** What the PayPal handle adds to the common interface (see {@link PayPalEmulatorHandle}). */
export interface PayPalExtensions {
  readonly certificatePem: string
  readonly certificateUrl: () => string
  readonly tokenRequests: () => number
  readonly revokeTokens: () => number
}

// ---------------------------------------------------------------------------------------------------------------
// Entry points
// ---------------------------------------------------------------------------------------------------------------

/** The PayPal emulator as its own service key. */
export class Service extends Context.Service<Service, PayPalEmulatorHandle>()("@refract/testkit/PayPalEmulator") {}

const extend = <E extends Emulator>(emulator: E, extensions: PayPalExtensions): E & PayPalEmulatorHandle =>
  Object.assign(emulator, {
    certificatePem: extensions.certificatePem,
    certificateUrl: extensions.certificateUrl(),
    tokenRequests: extensions.tokenRequests,
    revokeTokens: extensions.revokeTokens
  })

const prepare = (options: PayPalEmulatorOptions, material: SigningMaterial) => {
  const state = { origin: "" }
  const built = definition(options, material, () => state.origin)
  return { state, built }
}

/** Starts a PayPal emulator in the current scope (generates its RSA key and certificate first). */
export const make = (
  options: PayPalEmulatorOptions = {}
): Effect.Effect<Server.RunningEmulator<PayPalRefundAttributes> & PayPalEmulatorHandle, ServeError, Scope.Scope> =>
  Effect.gen(function*() {
    const material = options.signingMaterial ?? (yield* Effect.promise(() => generateSigningMaterial(certificateCommonName)))
    const { built, state } = prepare(options, material)
    const running = yield* Server.make(built, Server.serverOptions(options))
    state.origin = running.origin
    return extend(running, built.extensions)
  })

/** Starts a PayPal emulator; stop it with `close()`. */
export const start = async (options: PayPalEmulatorOptions = {}): Promise<PayPalEmulatorHandle> => {
  const material = options.signingMaterial ?? (await generateSigningMaterial(certificateCommonName))
  const { built, state } = prepare(options, material)
  const running = await Server.start(built, Server.serverOptions(options))
  state.origin = running.origin
  return extend(running, built.extensions)
}

/** A layer providing the running emulator as `EmulatorService` and {@link Service}. */
export const layer = (options: PayPalEmulatorOptions = {}): Layer.Layer<EmulatorService | Service, ServeError> =>
  Layer.effectContext(
    Effect.map(make(options), (emulator) =>
      Context.make(EmulatorServiceKey, emulator as Emulator).pipe(Context.add(Service, emulator as PayPalEmulatorHandle)))
  )

/** Generates signing material up front (e.g. to share one RSA key between several emulators in a test run). */
export const makeSigningMaterial = (): Promise<SigningMaterial> => generateSigningMaterial(certificateCommonName)
