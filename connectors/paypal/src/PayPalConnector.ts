/**
 * The PayPal connector (Payments v2): refunds through `POST /v2/payments/captures/{capture_id}/refund`,
 * status through `GET /v2/payments/refunds/{refund_id}`, OAuth2 client-credentials access tokens, and
 * offline-verified refund webhooks.
 *
 * Everything here is a pure description; `@refract/core` runs it: the access token is fetched once,
 * shared by concurrent calls, cached until shortly before it expires and refreshed once on a 401;
 * retries carry the same `PayPal-Request-Id`, which PayPal keeps for 45 days. PayPal cannot search
 * refunds by the merchant's id, so an OutcomeUnknown is resolved by replaying the create with the
 * same `PayPal-Request-Id` (PayPal answers the stored refund), never by a new create.
 *
 *   Effect:   PayPalConnector.layer({ clientId, clientSecret: Redacted.make(secret), environment: "sandbox" })
 *             PayPalConnector.layerConfig()        // PAYPAL_CLIENT_ID, PAYPAL_CLIENT_SECRET, PAYPAL_ENVIRONMENT, ...
 *   Promise:  new PaymentClient({ connector: "paypal", credentials: { clientId, clientSecret } })
 */
import { ConnectorLayer, Connector, ProcessorHttp, RefundError } from "@refract/core"
import { BoundConnector, Refund } from "@refract/core"
import type { ConnectorRegistry, Credentials, RefundClient } from "@refract/core"
import { Context, Layer, Redacted, Result } from "effect"
import type { Config } from "effect"
import type { HttpClient } from "effect/http"
import * as PayPalError from "./PayPalError.ts"
import * as PayPalList from "./PayPalList.ts"
import * as PayPalSchema from "./PayPalSchema.ts"
import * as PayPalWebhook from "./PayPalWebhook.ts"

export const SANDBOX_URL = "https://api-m.sandbox.paypal.com"
export const PRODUCTION_URL = "https://api-m.paypal.com"

/** The OAuth2 token endpoint, relative to the base URL. */
export const TOKEN_PATH = "/v1/oauth2/token"

/** Credential fields. */
export const credentials = {
  clientId: {
    secret: false,
    pattern: /^[A-Za-z0-9._~+/=-]{1,256}$/,
    description: "the REST app's client id (Developer Dashboard → Apps & Credentials), letters, digits and - _ . ~ + / =",
    env: "PAYPAL_CLIENT_ID"
  },
  clientSecret: {
    secret: true,
    pattern: /^[\x21-\x7e]{1,256}$/,
    description: "the REST app's client secret (printable characters without spaces)",
    env: "PAYPAL_CLIENT_SECRET"
  }
} as const satisfies Credentials.CredentialSpec

export type PayPalCredentials = Credentials.Decoded<typeof credentials>

// ---------------------------------------------------------------------------------------------
// Access tokens
// ---------------------------------------------------------------------------------------------

/** `Authorization: Basic base64(clientId:clientSecret)`, kept Redacted until the core writes it. */
export const basicAuthorization = (c: PayPalCredentials): Redacted.Redacted<string> =>
  Redacted.make(`Basic ${Buffer.from(`${c.clientId}:${Redacted.value(c.clientSecret)}`, "utf8").toString("base64")}`, {
    label: "authorization"
  })

export const tokenRequest = (c: PayPalCredentials): ProcessorHttp.ProcessorRequest => ({
  method: "POST",
  path: TOKEN_PATH,
  headers: { Authorization: basicAuthorization(c), Accept: "application/json" },
  body: ProcessorHttp.form([["grant_type", "client_credentials"]])
})

/** Reads `{ access_token, token_type, expires_in }`; the token is Redacted at once. */
export const parseToken = (response: ProcessorHttp.ProcessorResponse): Result.Result<Connector.AccessToken, RefundError.RefundErrorReason> => {
  const decoded = PayPalSchema.decodeAccessToken(ProcessorHttp.parseJson(response.body))
  if (Result.isFailure(decoded)) {
    // Never echo the body: it may hold a token.
    return Result.fail(new RefundError.UnexpectedResponse({ message: `PayPal answered ${response.status} to the token request with a body that is not a token` }))
  }
  const token = decoded.success
  if (token.access_token.trim() === "" || /\s/.test(token.access_token)) {
    return Result.fail(new RefundError.UnexpectedResponse({ message: "PayPal answered an empty or malformed access_token" }))
  }
  if (token.token_type !== undefined && token.token_type.toLowerCase() !== "bearer") {
    return Result.fail(new RefundError.UnexpectedResponse({ message: `PayPal answered token_type ${JSON.stringify(token.token_type.slice(0, 32))}, not Bearer` }))
  }
  if (!Number.isFinite(token.expires_in) || token.expires_in <= 0) {
    return Result.fail(new RefundError.UnexpectedResponse({ message: `PayPal answered expires_in ${token.expires_in}, not a positive number of seconds` }))
  }
  return Result.succeed({ token: Redacted.make(token.access_token, { label: "paypal access token" }), expiresInSeconds: token.expires_in })
}

export const bearerHeaders = (token: Redacted.Redacted<string>): Readonly<Record<string, ProcessorHttp.HeaderValue>> => ({
  Authorization: Redacted.make(`Bearer ${Redacted.value(token)}`, { label: "authorization" }),
  Accept: "application/json"
})

// ---------------------------------------------------------------------------------------------
// Request builders
// ---------------------------------------------------------------------------------------------

/** PayPal capture and refund ids: upper-case letters and digits, 17 in practice (`2GG279541U471931P`). */
export const isPayPalId = (id: string): boolean => /^[A-Z0-9]{10,32}$/.test(id)

const invalid = (message: string, field: string) => Result.fail(new RefundError.InvalidRequest({ message, field }))

const describeId = (id: string) => JSON.stringify(id.slice(0, 64))

/** The metadata keys that become refund fields; PayPal refunds carry no free-form metadata. */
export const METADATA_FIELDS = {
  custom_id: 127,
  note_to_payer: 255
} as const

/**
 * `custom_id` and `note_to_payer` are declared `pattern: "^.*$"` in `refund_request`
 * (paypal/paypal-rest-api-specifications `openapi/payments_payment_v2.json`): one line, in the ECMA-262 regex
 * dialect OpenAPI uses, where `.` matches anything but these line terminators. PayPal answers a value with one of
 * them with 400 INVALID_PARAMETER_SYNTAX.
 */
const LINE_BREAK = /[\n\r\u2028\u2029]/

/** `invoice_id` carries the merchant refund id (PayPal refuses an invoice id it has seen: a guard beyond the 45 days of PayPal-Request-Id). */
export const INVOICE_ID_MAX = 127

type MetadataFields = { custom_id?: string; note_to_payer?: string }

const metadataFields = (
  merchantRefundId: string,
  metadata: Readonly<Record<string, string>> | undefined
): Result.Result<MetadataFields, RefundError.RefundErrorReason> => {
  const out: MetadataFields = {}
  for (const [key, value] of Object.entries(metadata ?? {})) {
    if (key === "invoice_id") {
      if (value !== merchantRefundId) return invalid("metadata key invoice_id is reserved: PayPal's invoice_id carries the merchant refund id", "metadata")
      continue
    }
    if (key !== "custom_id" && key !== "note_to_payer") {
      return invalid(
        `PayPal refunds carry no free-form metadata: ${JSON.stringify(key.slice(0, 64))} is not one of custom_id, note_to_payer`,
        "metadata"
      )
    }
    const max = METADATA_FIELDS[key]
    if (value.length === 0 || value.length > max) return invalid(`metadata ${key} must be 1 to ${max} characters`, "metadata")
    if (LINE_BREAK.test(value)) return invalid(`metadata ${key} must be a single line: PayPal refuses line breaks in it`, "metadata")
    out[key] = value
  }
  return Result.succeed(out)
}

export const buildCreate = (
  input: Refund.CreateRefundRequest,
  context: Connector.CreateContext<PayPalCredentials>
): Result.Result<ProcessorHttp.ProcessorRequest, RefundError.RefundErrorReason> => {
  if (!isPayPalId(input.connectorTransactionId)) {
    return invalid(
      `a PayPal capture id is 10 to 32 upper-case letters and digits (17 in practice), got ${describeId(input.connectorTransactionId)}`,
      "connectorTransactionId"
    )
  }
  // No amount: PayPal refunds what remains of the capture ("If you omit the amount, the full remaining amount is refunded").
  const value = input.amount === undefined ? undefined : PayPalWebhook.toPayPalValue(input.amount)
  if (value !== undefined && Result.isFailure(value)) return invalid(value.failure, "amount")
  const extra = metadataFields(input.merchantRefundId, input.metadata)
  if (Result.isFailure(extra)) return Result.fail(extra.failure)
  const body: PayPalSchema.RefundRequest = {
    ...(input.amount !== undefined && value !== undefined ? { amount: { currency_code: input.amount.currency, value: value.success } } : {}),
    invoice_id: input.merchantRefundId,
    ...extra.success
  }
  return Result.succeed({
    method: "POST",
    path: `/v2/payments/captures/${ProcessorHttp.segment(input.connectorTransactionId)}/refund`,
    headers: { "PayPal-Request-Id": context.idempotencyKey, Prefer: "return=representation" },
    body: ProcessorHttp.json(body)
  })
}

export const buildGet = (
  input: Refund.RefundReference,
  _context: Connector.BuildContext<PayPalCredentials>
): Result.Result<ProcessorHttp.ProcessorRequest, RefundError.RefundErrorReason> =>
  isPayPalId(input.connectorRefundId)
    ? Result.succeed({ method: "GET", path: `/v2/payments/refunds/${ProcessorHttp.segment(input.connectorRefundId)}` })
    : invalid(
      `a PayPal refund id is 10 to 32 upper-case letters and digits (17 in practice), got ${describeId(input.connectorRefundId)}`,
      "connectorRefundId"
    )

// ---------------------------------------------------------------------------------------------
// Response parsers
// ---------------------------------------------------------------------------------------------

const unexpected = (message: string) => new RefundError.UnexpectedResponse({ message })

const readRefund = (response: ProcessorHttp.ProcessorResponse) => {
  const decoded = PayPalSchema.decodeRefund(ProcessorHttp.parseJson(response.body))
  return Result.isFailure(decoded)
    ? Result.fail(unexpected(`PayPal answered ${response.status} with a body that is not a refund: ${decoded.failure}`))
    : Result.succeed(decoded.success)
}

/**
 * The refund's metadata (the refund fields Refract maps metadata onto: `custom_id`, `note_to_payer`)
 * and its raw object.
 */
export const processorData = (raw: unknown) => {
  const r = (typeof raw === "object" && raw !== null ? raw : {}) as Record<string, unknown>
  return { metadata: Refund.metadataOf({ custom_id: r["custom_id"], note_to_payer: r["note_to_payer"] }), raw }
}

const snapshot = (refund: PayPalSchema.Refund, options: PayPalWebhook.SnapshotOptions, raw?: unknown) => {
  const result = PayPalWebhook.toSnapshot(refund, options)
  return Result.isFailure(result)
    ? Result.fail(unexpected(result.failure))
    : Result.succeed(raw === undefined ? result.success : Refund.withProcessorData(result.success, processorData(raw)))
}

/** The create answer (201, or 200 when PayPal replays a stored answer for the same PayPal-Request-Id). */
export const parseCreate = (
  response: ProcessorHttp.ProcessorResponse,
  input: Refund.CreateRefundRequest
): Result.Result<Refund.RefundSnapshot, RefundError.RefundErrorReason> => {
  const refund = readRefund(response)
  if (Result.isFailure(refund)) return Result.fail(refund.failure)
  const capture = PayPalSchema.captureIdOf(refund.success.links)
  if (capture !== undefined && capture !== input.connectorTransactionId) {
    return Result.fail(unexpected(`refunded capture ${input.connectorTransactionId}, PayPal answered a refund of capture ${capture.slice(0, 64)}`))
  }
  return snapshot(refund.success, { transactionId: input.connectorTransactionId }, ProcessorHttp.parseJson(response.body))
}

export const parseGet = (
  response: ProcessorHttp.ProcessorResponse,
  input: Refund.RefundReference
): Result.Result<Refund.RefundSnapshot, RefundError.RefundErrorReason> => {
  const refund = readRefund(response)
  if (Result.isFailure(refund)) return Result.fail(refund.failure)
  if (refund.success.id !== input.connectorRefundId) {
    return Result.fail(unexpected(`asked for refund ${input.connectorRefundId}, PayPal answered ${refund.success.id.slice(0, 64)}`))
  }
  return snapshot(refund.success, { transactionId: input.connectorTransactionId }, ProcessorHttp.parseJson(response.body))
}

// ---------------------------------------------------------------------------------------------
// The connector
// ---------------------------------------------------------------------------------------------

export const connector = Connector.make({
  id: "paypal",
  displayName: "PayPal",
  capabilities: {
    create: true,
    get: true,
    // No refund search by merchant id: OutcomeUnknown is resolved by replaying the create with the
    // same PayPal-Request-Id (stored 45 days), which answers the refund already made.
    lookup: false,
    lookupFindsPending: false,
    webhooks: true,
    partialRefunds: true,
    fullRefundWithoutAmount: true,
    reportsReversals: false,
    cancellation: true,
    // Payments v2 has no refund cancel endpoint (CANCELLED is reported, never requested).
    cancelRefund: false,
    // Transaction Search (GET /v1/reporting/transactions), refunds only: see PayPalList.
    list: true,
    reports: false
  },
  environments: { sandbox: SANDBOX_URL, production: PRODUCTION_URL },
  credentials,
  auth: {
    _tag: "AccessToken",
    tokenRequest,
    parseToken,
    headers: (token) => bearerHeaders(token)
  },
  // PayPal-Request-Id: PayPal documents at most 108 characters for its request ids.
  // PayPal-Request-Id on captures.refund: "The server stores keys for 45 days" (payments_payment_v2.json).
  idempotencyKey: { maxLength: 108, minLength: 1, windowMillis: 45 * 24 * 60 * 60 * 1000 },
  secretHeaders: ["authorization"],
  create: { build: buildCreate, parse: parseCreate },
  get: { build: buildGet, parse: parseGet },
  list: PayPalList.listing,
  mapError: PayPalError.mapError,
  retryHint: PayPalError.retryHint,
  webhooks: PayPalWebhook.webhooks
})

// ---------------------------------------------------------------------------------------------
// Layers
// ---------------------------------------------------------------------------------------------

/** The PayPal refund client, for code that wants PayPal specifically (generic code uses `RefundService`). */
export class PayPalRefunds extends Context.Service<PayPalRefunds, RefundClient.RefundClient>()("@refract/paypal/PayPalRefunds") {}

export interface PayPalOptions extends BoundConnector.CommonOptions {
  /** The REST app's client id. */
  readonly clientId: string
  /** The REST app's client secret. Prefer `Redacted`. */
  readonly clientSecret: string | Redacted.Redacted<string>
  /** The id of the webhook registered for this endpoint, for processes that receive webhooks. */
  readonly webhookId?: string | undefined
  /** A pinned signing certificate (PEM); when set, `PAYPAL-CERT-URL` is never fetched. */
  readonly certificatePem?: string | undefined
}

const webhookSecretsOf = (o: Partial<PayPalOptions>) =>
  o.webhookId !== undefined || o.certificatePem !== undefined
    ? {
      ...(o.webhookId !== undefined ? { webhookId: o.webhookId } : {}),
      ...(o.certificatePem !== undefined ? { certificatePem: o.certificatePem } : {})
    }
    : undefined

/** Maps {@link PayPalOptions} onto core's generic connector options. */
export const toConnectorOptions = (options: PayPalOptions): BoundConnector.ConnectorOptions => ({
  ...BoundConnector.commonOptions(options),
  credentials: { clientId: options.clientId, clientSecret: options.clientSecret },
  webhookSecrets: webhookSecretsOf(options),
})

/**
 * Binds PayPal with explicit options, registers it in the `ConnectorRegistry` (for `RefundService`)
 * and provides {@link PayPalRefunds}. Needs an `HttpClient` and a `ConnectorRegistry`.
 */
export const layer = (
  options: PayPalOptions
): Layer.Layer<PayPalRefunds, RefundError, ConnectorRegistry.ConnectorRegistry | HttpClient.HttpClient> =>
  ConnectorLayer.layer(PayPalRefunds, connector, toConnectorOptions(options))

/**
 * Like {@link layer}, from configuration: `PAYPAL_CLIENT_ID`, `PAYPAL_CLIENT_SECRET`,
 * `PAYPAL_WEBHOOK_ID`, `PAYPAL_WEBHOOK_CERT_PEM`, `PAYPAL_ENVIRONMENT` (sandbox | production) and
 * `PAYPAL_BASE_URL`, read by core's `ConnectorLayer.optionsConfig`. `overrides` win over
 * configuration, field by field. A missing variable fails with a `RefundError` (Configuration)
 * naming it, never echoing a value.
 */
export const layerConfig = (
  overrides?: Partial<PayPalOptions>
): Layer.Layer<PayPalRefunds, RefundError | Config.ConfigError, ConnectorRegistry.ConnectorRegistry | HttpClient.HttpClient> =>
  ConnectorLayer.layerConfig(PayPalRefunds, connector, overrides && toConnectorOptions(overrides as PayPalOptions))
