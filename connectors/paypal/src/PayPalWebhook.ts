/**
 * PayPal webhooks: offline signature verification and refund event parsing.
 *
 * Verification is PayPal's own offline scheme, as its SDKs implement it (PayPal-Java-SDK
 * `Event.validateReceivedEvent` and `SSLUtil.crc32` / `validateData`; the same in PayPal-node-SDK):
 *
 *   message   = `${PAYPAL-TRANSMISSION-ID}|${PAYPAL-TRANSMISSION-TIME}|${webhookId}|${crc32(raw body)}`
 *   signature = base64-decode(PAYPAL-TRANSMISSION-SIG)
 *   valid     = RSASSA-PKCS1-v1_5 / SHA-256 verification of `message` with the signing certificate's public key
 *
 * - `webhookId` is the id of the webhook **you** registered (PAYPAL_WEBHOOK_ID), never taken from the
 *   request: a delivery for another webhook (another app, another merchant) does not verify.
 * - crc32 is the IEEE CRC-32 of the exact raw bytes, written as an unsigned decimal integer.
 * - `PAYPAL-AUTH-ALGO` must be `SHA256withRSA`; the certificate's key must be RSA.
 * - The certificate is the pinned one when `certificatePem` is configured (no fetch at all);
 *   otherwise it is fetched from `PAYPAL-CERT-URL` through the context's `fetchText`, but only when
 *   the URL is `https` on one of PayPal's API hosts ({@link certificateHosts}, exact host names: a
 *   look-alike such as `api.paypal.com.example.net` is refused without a request). Fetched
 *   certificates are cached per URL ({@link CertificateCache}, bounded).
 * - The certificate must be valid at the receiver's time (`context.now`).
 *
 * Failure reasons: a missing header → MissingSignature; a disallowed certificate URL, an algorithm
 * other than SHA256withRSA, a certificate outside its validity period, a non-RSA key or a signature
 * that does not match → InvalidSignature (401, PayPal retries); a certificate that could not be
 * fetched or read → VerificationUnavailable (503, PayPal retries later).
 *
 * Not done (as in PayPal's Node SDK and PayPal's own Node sample): X.509 chain validation of the
 * fetched certificate. It is fetched over TLS from PayPal's own API hosts only, which authenticates it.
 */
import { X509Certificate, verify as rsaVerify } from "node:crypto"
import { crc32 } from "node:zlib"
import { Money, Refund, Signature, WebhookError, WebhookEvent } from "@refract/core"
import type { Connector, RefundStatus } from "@refract/core"
import { Effect, Result } from "effect"
import * as PayPalSchema from "./PayPalSchema.ts"

const connectorId = "paypal"

/** Header names, lower case. */
export const SignatureHeaders = {
  transmissionId: "paypal-transmission-id",
  transmissionTime: "paypal-transmission-time",
  transmissionSig: "paypal-transmission-sig",
  certUrl: "paypal-cert-url",
  authAlgo: "paypal-auth-algo"
} as const

/** The only algorithm PayPal signs with. */
export const AUTH_ALGO = "SHA256withRSA"

/** The webhook secrets a receiver holds. */
export const secrets = {
  webhookId: {
    secret: false,
    pattern: /^[A-Za-z0-9_-]{1,64}$/,
    description: "the id of the webhook you registered for this endpoint (Developer Dashboard → your app → Webhooks, e.g. 1JE4291016473214C)",
    env: "PAYPAL_WEBHOOK_ID"
  },
  certificatePem: {
    secret: false,
    optional: true,
    multiline: true,
    pattern: /^-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----$/,
    description:
      "a pinned PEM signing certificate; when set, PAYPAL-CERT-URL is never fetched (emulators, air-gapped receivers). Literal \\n sequences are read as newlines",
    env: "PAYPAL_WEBHOOK_CERT_PEM"
  }
} as const

/** PayPal's API hosts, the only hosts a signing certificate is fetched from (exact names). */
export const certificateHosts: ReadonlySet<string> = new Set([
  "api.paypal.com",
  "api-m.paypal.com",
  "api.sandbox.paypal.com",
  "api-m.sandbox.paypal.com"
])

/** Why a certificate URL is refused, or undefined when it may be fetched. Never fetches. */
export const certificateUrlProblem = (url: string): string | undefined => {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return "PAYPAL-CERT-URL is not a URL"
  }
  if (parsed.protocol !== "https:") return `PAYPAL-CERT-URL must be https, got ${parsed.protocol.replace(/:$/, "")}`
  if (parsed.username !== "" || parsed.password !== "") return "PAYPAL-CERT-URL must not carry credentials"
  // The URL parser drops the default port (443 for https), so any port left is another one.
  if (parsed.port !== "") return `PAYPAL-CERT-URL must use the default https port, got ${parsed.port}`
  if (!certificateHosts.has(parsed.hostname.toLowerCase())) {
    return `PAYPAL-CERT-URL host ${JSON.stringify(parsed.hostname.slice(0, 253))} is not one of PayPal's API hosts (${[...certificateHosts].join(", ")})`
  }
  return undefined
}

/** A bounded cache of fetched signing certificates, by URL (least recently used goes first). */
export interface CertificateCache {
  readonly get: (url: string) => X509Certificate | undefined
  readonly set: (url: string, certificate: X509Certificate) => void
  readonly size: () => number
  readonly clear: () => void
}

export const makeCertificateCache = (maxEntries = 32): CertificateCache => {
  const entries = new Map<string, X509Certificate>()
  return {
    get: (url) => {
      const hit = entries.get(url)
      if (hit !== undefined) {
        entries.delete(url)
        entries.set(url, hit)
      }
      return hit
    },
    set: (url, certificate) => {
      entries.delete(url)
      entries.set(url, certificate)
      while (entries.size > maxEntries) entries.delete(entries.keys().next().value!)
    },
    size: () => entries.size,
    clear: () => entries.clear()
  }
}

/** The process-wide cache the connector's `verify` uses. */
export const certificateCache: CertificateCache = makeCertificateCache()

/** CRC-32 (IEEE) of the raw bytes as PayPal signs it: an unsigned decimal string. */
export const crc32Decimal = (body: Uint8Array | string): string => String(crc32(body))

/** The string PayPal signs. */
export const signedMessage = (input: {
  readonly transmissionId: string
  readonly transmissionTime: string
  readonly webhookId: string
  readonly body: Uint8Array | string
}): string => `${input.transmissionId}|${input.transmissionTime}|${input.webhookId}|${crc32Decimal(input.body)}`

/** Reads a PEM certificate (the first one of a chain); undefined when it is not one. */
export const readCertificate = (pem: string): X509Certificate | undefined => {
  const normalised = pem.includes("\\n") && !pem.includes("\n") ? pem.replace(/\\n/g, "\n") : pem
  try {
    return new X509Certificate(normalised)
  } catch {
    return undefined
  }
}

/** Why a certificate cannot be used at `now`, or undefined. */
export const certificateValidityProblem = (certificate: X509Certificate, now: number): string | undefined => {
  const from = certificate.validFromDate.getTime()
  const to = certificate.validToDate.getTime()
  if (Number.isNaN(from) || Number.isNaN(to)) return "the signing certificate has unreadable validity dates"
  if (now < from) return `the signing certificate is not valid before ${new Date(from).toISOString()}`
  if (now > to) return `the signing certificate expired at ${new Date(to).toISOString()}`
  return undefined
}

const fail = (reason: WebhookError.WebhookErrorReason) => Effect.fail(new WebhookError.WebhookError({ connector: connectorId, reason }))
const invalid = (message: string) => fail(new WebhookError.InvalidSignature({ message }))
const unavailable = (message: string) => fail(new WebhookError.VerificationUnavailable({ message }))

/** The decoded webhook secrets. */
export interface VerifySecrets {
  readonly webhookId: string
  readonly certificatePem?: string | undefined
}

export interface VerifyOptions {
  /** Receiver time, epoch ms (certificate validity). */
  readonly now: number
  /** GETs the certificate URL (core's `VerifyContext.fetchText`). Never called for a pinned certificate or a refused URL. */
  readonly fetchText: Connector.VerifyContext["fetchText"]
  /** Defaults to the process-wide {@link certificateCache}. */
  readonly cache?: CertificateCache | undefined
}

/** The signing certificate: the pinned one, or the fetched (and cached) one from an allowed URL. */
const signingCertificate = (
  headers: Readonly<Record<string, string>>,
  pinned: string | undefined,
  options: VerifyOptions
): Effect.Effect<X509Certificate, WebhookError.WebhookError> =>
  Effect.suspend(() => {
    if (pinned !== undefined) {
      const certificate = readCertificate(pinned)
      return certificate === undefined
        ? unavailable("the pinned certificate (PAYPAL_WEBHOOK_CERT_PEM) is not a readable PEM certificate")
        : Effect.succeed(certificate)
    }
    const url = headers[SignatureHeaders.certUrl]!.trim()
    const problem = certificateUrlProblem(url)
    if (problem !== undefined) return invalid(`refusing to fetch the signing certificate: ${problem}`)
    const cache = options.cache ?? certificateCache
    const cached = cache.get(url)
    if (cached !== undefined) return Effect.succeed(cached)
    return options.fetchText(url).pipe(
      Effect.mapError((e) =>
        new WebhookError.WebhookError({
          connector: connectorId,
          reason: e.reason._tag === "VerificationUnavailable"
            ? e.reason
            : new WebhookError.VerificationUnavailable({ message: `could not fetch the signing certificate: ${e.reason.message}` })
        })
      ),
      Effect.flatMap((pem) => {
        const certificate = readCertificate(pem)
        if (certificate === undefined) return unavailable(`${url} did not return a PEM certificate`)
        cache.set(url, certificate)
        return Effect.succeed(certificate)
      })
    )
  })

/** Verifies a delivery over its raw bytes. Fails closed. */
export const verifySignature = (
  request: { readonly headers: Readonly<Record<string, string>>; readonly body: Uint8Array },
  secrets: VerifySecrets,
  options: VerifyOptions
): Effect.Effect<void, WebhookError.WebhookError> =>
  Effect.gen(function*() {
    const headers = request.headers
    const pinned = secrets.certificatePem
    const required = [
      SignatureHeaders.transmissionId,
      SignatureHeaders.transmissionTime,
      SignatureHeaders.transmissionSig,
      SignatureHeaders.authAlgo,
      ...(pinned === undefined ? [SignatureHeaders.certUrl] : [])
    ]
    const missing = required.filter((name) => (headers[name] ?? "").trim() === "")
    if (missing.length > 0) {
      return yield* fail(new WebhookError.MissingSignature({ message: `missing ${missing.map((h) => h.toUpperCase()).join(", ")}` }))
    }
    const algo = headers[SignatureHeaders.authAlgo]!.trim()
    if (algo.toLowerCase() !== AUTH_ALGO.toLowerCase()) {
      return yield* invalid(`unsupported PAYPAL-AUTH-ALGO ${JSON.stringify(algo.slice(0, 32))} (expected ${AUTH_ALGO})`)
    }
    const signature = Signature.fromBase64(headers[SignatureHeaders.transmissionSig]!.trim())
    if (signature === undefined || signature.length === 0) return yield* invalid("PAYPAL-TRANSMISSION-SIG is not base64")
    const certificate = yield* signingCertificate(headers, pinned, options)
    const expired = certificateValidityProblem(certificate, options.now)
    if (expired !== undefined) return yield* invalid(expired)
    const key = certificate.publicKey
    if (key.asymmetricKeyType !== "rsa") {
      return yield* invalid(`the signing certificate's key is ${key.asymmetricKeyType ?? "unknown"}, not RSA`)
    }
    const message = signedMessage({
      transmissionId: headers[SignatureHeaders.transmissionId]!.trim(),
      transmissionTime: headers[SignatureHeaders.transmissionTime]!.trim(),
      webhookId: secrets.webhookId,
      body: request.body
    })
    let valid = false
    try {
      valid = rsaVerify("sha256", Buffer.from(message), key, signature)
    } catch {
      valid = false
    }
    if (!valid) {
      return yield* invalid(
        "the signature does not match: check PAYPAL_WEBHOOK_ID (the id of the webhook this endpoint is registered as) and that the raw body is passed unchanged"
      )
    }
  })

// ---------------------------------------------------------------------------------------------
// Status mapping and snapshots
// ---------------------------------------------------------------------------------------------

/** PayPal refund status → unified status. Anything else is Unknown, with the raw string. */
export const statusOf = (raw: string | undefined): { readonly status: RefundStatus.ObservedStatus; readonly rawStatus: string } => {
  switch (raw) {
    case "PENDING":
      return { status: "Pending", rawStatus: raw }
    case "COMPLETED":
      return { status: "Succeeded", rawStatus: raw }
    case "FAILED":
      return { status: "Failed", rawStatus: raw }
    case "CANCELLED":
      return { status: "Cancelled", rawStatus: raw }
    default:
      return { status: "Unknown", rawStatus: raw ?? "missing" }
  }
}

/**
 * Currencies PayPal takes in whole units although ISO 4217 gives them two decimals ("This currency
 * does not support decimals. Decimal amounts cause an error."). Amounts stay in ISO minor units in
 * Refract; they are sent as whole units and must be multiples of 100.
 */
export const wholeUnitCurrencies: ReadonlySet<string> = new Set(["HUF", "TWD"])

/**
 * Minor units → PayPal's exact decimal string ("10.50" USD, "1050" JPY, "1.050" KWD, "10" for
 * 1000 HUF), on the digits, never through floating point. Fails for a fractional HUF/TWD amount.
 */
export const toPayPalValue = (money: Money.Money): Result.Result<string, string> => {
  if (wholeUnitCurrencies.has(money.currency)) {
    if (money.amount % 100 !== 0) {
      return Result.fail(
        `PayPal takes ${money.currency} in whole units only: ${Money.toDecimalString(money)} ${money.currency} has a fraction (use a multiple of 100 minor units)`
      )
    }
    return Result.succeed(String(money.amount / 100))
  }
  return Result.succeed(Money.toDecimalString(money))
}

/** PayPal's `money` → Money; fails on an unknown currency or more decimals than the currency has (none for HUF, TWD). */
export const fromPayPalMoney = (money: PayPalSchema.Money): Result.Result<Money.Money, string> => {
  if (wholeUnitCurrencies.has(money.currency_code) && !/^\d+(?:\.0*)?$/.test(money.value)) {
    return Result.fail(`amount ${JSON.stringify(money.value.slice(0, 40))} ${money.currency_code}: PayPal's ${money.currency_code} has no decimals`)
  }
  const parsed = Money.fromDecimalString(money.value, money.currency_code)
  return Result.isFailure(parsed)
    ? Result.fail(`amount ${JSON.stringify(money.value.slice(0, 40))} ${money.currency_code.slice(0, 8)}: ${Money.describeProblem(parsed.failure)}`)
    : Result.succeed(parsed.success)
}

export interface SnapshotOptions {
  /** The capture id the caller used, when the refund names none (`Prefer: return=minimal`). */
  readonly transactionId?: string | undefined
  /** The status the event type implies, when the resource carries none. */
  readonly impliedStatus?: string | undefined
  /** Processor time of this state, when the refund carries no `update_time`. */
  readonly occurredAt?: number | undefined
}

/**
 * A PayPal refund → a snapshot: `status` mapped, `status_details.reason` as the reason (and as the
 * failure code of a FAILED refund), `invoice_id` as the merchant refund id, the capture from the `up`
 * link, `update_time` as the time of this state. Fails (never throws) on an amount that does not
 * convert exactly.
 */
export const toSnapshot = (refund: PayPalSchema.Refund, options: SnapshotOptions = {}): Result.Result<Refund.RefundSnapshot, string> => {
  let amount: Money.Money | undefined
  if (refund.amount !== undefined) {
    const money = fromPayPalMoney(refund.amount)
    if (Result.isFailure(money)) return Result.fail(`refund ${refund.id.slice(0, 64)}: ${money.failure}`)
    amount = money.success
  }
  const { status, rawStatus } = statusOf(refund.status ?? options.impliedStatus)
  const reason = refund.status_details?.reason
  try {
    return Result.succeed(
      new Refund.RefundSnapshot({
        connectorRefundId: refund.id,
        connectorTransactionId: PayPalSchema.captureIdOf(refund.links) ?? options.transactionId,
        merchantRefundId: refund.invoice_id,
        amount,
        status,
        rawStatus,
        reason,
        failure: status === "Failed"
          ? new Refund.FailureDetails({ code: reason, message: "PayPal could not process the refund" })
          : undefined,
        occurredAt: PayPalSchema.timeOf(refund.update_time) ?? options.occurredAt,
        createdAt: PayPalSchema.timeOf(refund.create_time),
        settlement: refund.acquirer_reference_number !== undefined && refund.acquirer_reference_number !== ""
          ? new Refund.Settlement({ traceReference: refund.acquirer_reference_number, traceReferenceType: "arn" })
          : undefined
      })
    )
  } catch (error) {
    return Result.fail(`refund ${refund.id.slice(0, 64)}: ${error instanceof Error ? error.message.replace(/\s+/g, " ") : "invalid"}`)
  }
}

// ---------------------------------------------------------------------------------------------
// Events
// ---------------------------------------------------------------------------------------------

/**
 * Refund event types and the refund status each one implies when its resource carries none.
 * `PAYMENT.CAPTURE.REFUNDED` ("A merchant refunds a payment capture") carries the refund; the
 * `PAYMENT.REFUND.*` names are read too, should PayPal send them. Any event whose `resource_type`
 * is `refund` is read as a refund event.
 */
export const refundEventTypes: Readonly<Record<string, string>> = {
  "PAYMENT.CAPTURE.REFUNDED": "COMPLETED",
  "PAYMENT.REFUND.COMPLETED": "COMPLETED",
  "PAYMENT.REFUND.PENDING": "PENDING",
  "PAYMENT.REFUND.FAILED": "FAILED",
  "PAYMENT.REFUND.CANCELLED": "CANCELLED"
}

const malformed = (message: string) =>
  new WebhookError.WebhookError({ connector: connectorId, reason: new WebhookError.MalformedPayload({ message }) })

/**
 * Parses a verified delivery into one event: with the refund for refund events, without one for
 * every other event type. The event id is PayPal's event `id` (`WH-…`), the same on redelivery.
 */
export const parseEvents = (request: { readonly body: Uint8Array }): Result.Result<ReadonlyArray<WebhookEvent.WebhookEvent>, WebhookError.WebhookError> => {
  // Lenient (U+FFFD for invalid bytes): the bytes were verified, and JSON.parse refuses what is not JSON.
  const text = new TextDecoder().decode(request.body)
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    return Result.fail(malformed("the body is not JSON"))
  }
  const decoded = PayPalSchema.decodeEvent(json)
  if (Result.isFailure(decoded)) return Result.fail(malformed(`not a PayPal webhook event: ${decoded.failure}`))
  const evt = decoded.success
  if (evt.id.trim() === "") return Result.fail(malformed("the event has an empty id"))
  const occurredAt = PayPalSchema.timeOf(evt.create_time)
  const base = { connector: connectorId, eventId: evt.id, eventType: evt.event_type, occurredAt }
  // Own keys only: an event_type such as "constructor" must not find Object.prototype's members.
  const implied = Object.hasOwn(refundEventTypes, evt.event_type) ? refundEventTypes[evt.event_type] : undefined
  if (implied === undefined && evt.resource_type?.toLowerCase() !== "refund") {
    return Result.succeed([new WebhookEvent.WebhookEvent(base)])
  }
  const refund = PayPalSchema.decodeRefund(evt.resource)
  if (Result.isFailure(refund)) return Result.fail(malformed(`${evt.event_type} ${evt.id}: resource is not a refund: ${refund.failure}`))
  const snapshot = toSnapshot(refund.success, { impliedStatus: implied, occurredAt })
  if (Result.isFailure(snapshot)) return Result.fail(malformed(`${evt.event_type} ${evt.id}: ${snapshot.failure}`))
  const resource = (typeof evt.resource === "object" && evt.resource !== null ? evt.resource : {}) as Record<string, unknown>
  const withData = Refund.withProcessorData(snapshot.success, {
    metadata: Refund.metadataOf({ custom_id: resource["custom_id"], note_to_payer: resource["note_to_payer"] }),
    raw: evt.resource
  })
  return Result.succeed([new WebhookEvent.WebhookEvent({ ...base, refund: withData })])
}

/** The connector's webhook support. */
export const webhooks: Connector.WebhookSupport<typeof secrets> = {
  secrets,
  scheme:
    "PAYPAL-TRANSMISSION-SIG: base64 SHA256withRSA over \"<transmission id>|<transmission time>|<webhook id>|<crc32 of the raw body>\" with PayPal's signing certificate (pinned, or fetched from PayPal's API hosts only)",
  verify: (request, decoded, context) =>
    verifySignature(request, { webhookId: decoded.webhookId, certificatePem: decoded.certificatePem }, {
      now: context.now,
      fetchText: context.fetchText
    }),
  parse: parseEvents,
  acknowledgement: { status: 200, contentType: "text/plain", body: "" }
}
