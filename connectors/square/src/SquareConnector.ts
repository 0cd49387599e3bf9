/**
 * The Square connector (Refunds API): refunds through `POST /v2/refunds`, status through
 * `GET /v2/refunds/{refund_id}`, and `refund.created` / `refund.updated` webhooks.
 *
 * Square has no lookup by the merchant's id (its refund list filters by time, location and status
 * only, and a refund carries no metadata). An OutcomeUnknown is resolved by replaying the create with
 * the SAME `idempotency_key` (a body field here), which Square answers with the refund it created.
 *
 * Everything here is a pure description; `@refract/core` runs it (timeouts, retries under the same
 * idempotency key, rate limits, tracing, redaction).
 *
 *   Effect:   SquareConnector.layer({ accessToken: Redacted.make(token), environment: "sandbox" })
 *             SquareConnector.layerConfig()        // SQUARE_ACCESS_TOKEN, SQUARE_ENVIRONMENT, ...
 *   Promise:  new PaymentClient({ connector: "square", credentials: { accessToken }, environment: "sandbox" })
 */
import { Connector, ConnectorLayer, ProcessorHttp, RefundError } from "@refract/core"
import { BoundConnector, Refund } from "@refract/core"
import type { ConnectorRegistry, Credentials, RefundClient } from "@refract/core"
import { Context, Layer, Redacted, Result } from "effect"
import type { Config } from "effect"
import type { HttpClient } from "effect/http"
import * as SquareError from "./SquareError.ts"
import * as SquareSchema from "./SquareSchema.ts"
import * as SquareWebhook from "./SquareWebhook.ts"

/**
 * The API version every request pins with `Square-Version`: the version of the spec this connector
 * was written against (square/connect-api-specification 2025-08-20). Pinning keeps the answers'
 * shape stable whatever version the application's Developer Console defaults to.
 */
export const SQUARE_VERSION = "2025-08-20"

export const SANDBOX_URL = "https://connect.squareupsandbox.com"
export const PRODUCTION_URL = "https://connect.squareup.com"

/** `RefundPayment.idempotency_key`: "Keys are limited to a max of 45 characters". */
export const IDEMPOTENCY_KEY_MAX_LENGTH = 45

/** `RefundPayment.reason` maxLength. */
export const REASON_MAX_LENGTH = 192

/** The metadata key whose value, when given, is sent as Square's `reason` (Square refunds have no metadata). */
export const REASON_METADATA_KEY = "reason"

/** Credential fields. */
export const credentials = {
  accessToken: {
    secret: true,
    // Printable ASCII without spaces: never a header-injection vector. Sandbox and production tokens
    // share the same shape (EAAA…), so the environment cannot be checked against the token.
    pattern: /^[\x21-\x7e]+$/,
    description: "a Square access token (personal or OAuth, EAAA…), sent as Authorization: Bearer",
    env: "SQUARE_ACCESS_TOKEN"
  }
} as const satisfies Credentials.CredentialSpec

export type SquareCredentials = Credentials.Decoded<typeof credentials>

// ---------------------------------------------------------------------------------------------
// Request builders
// ---------------------------------------------------------------------------------------------

/**
 * Square payment ids are opaque strings of letters and digits ("R2B3Z8WMVt3EAmzYWLZvz7Y69EbZY");
 * `payment_id` is at most 192 characters. `_` and `-` are allowed as well, nothing else.
 */
export const paymentIdPattern = /^[A-Za-z0-9][A-Za-z0-9_-]{0,191}$/

/** Refund ids are the payment id, `_`, and a suffix; at most 255 characters. */
export const refundIdPattern = /^[A-Za-z0-9][A-Za-z0-9_-]{0,254}$/

/** Refract refund reasons as the text Square shows in the Dashboard. */
export const reasonTexts: Readonly<Record<Refund.RefundReason, string>> = {
  duplicate: "Duplicate payment",
  fraudulent: "Fraudulent payment",
  requested_by_customer: "Requested by customer",
  other: "Other"
}

const codePoints = (text: string): number => [...text].length

/** The `reason` to send: `metadata.reason` when given, else the refund reason's text, else none. */
export const reasonOf = (
  input: Refund.CreateRefundRequest
): Result.Result<string | undefined, RefundError.RefundErrorReason> => {
  const custom = input.metadata?.[REASON_METADATA_KEY]
  if (custom !== undefined) {
    if (custom.trim() === "" || codePoints(custom) > REASON_MAX_LENGTH) {
      return Result.fail(new RefundError.InvalidRequest({
        message: `metadata.${REASON_METADATA_KEY} is sent as Square's reason: 1 to ${REASON_MAX_LENGTH} characters`,
        field: "metadata"
      }))
    }
    return Result.succeed(custom)
  }
  return Result.succeed(input.reason !== undefined ? reasonTexts[input.reason] : undefined)
}

export const buildCreate = (
  input: Refund.CreateRefundRequest,
  context: Connector.CreateContext<SquareCredentials>
): Result.Result<ProcessorHttp.ProcessorRequest, RefundError.RefundErrorReason> => {
  if (!paymentIdPattern.test(input.connectorTransactionId)) {
    return Result.fail(new RefundError.InvalidRequest({
      message: `a Square payment id is 1 to 192 letters, digits, _ and -, got ${JSON.stringify(input.connectorTransactionId.slice(0, 64))}`,
      field: "connectorTransactionId"
    }))
  }
  // Square requires amount_money (RefundPayment: "required"); the core refuses a create without one first.
  if (input.amount === undefined) {
    return Result.fail(new RefundError.InvalidRequest({ message: "Square needs the amount of every refund", field: "amount" }))
  }
  const reason = reasonOf(input)
  if (Result.isFailure(reason)) return Result.fail(reason.failure)
  // Metadata other than `reason` is not sent: Square refunds have no metadata field.
  const body: SquareSchema.RefundPaymentRequest = {
    idempotency_key: context.idempotencyKey,
    amount_money: { amount: input.amount.amount, currency: input.amount.currency },
    payment_id: input.connectorTransactionId,
    ...(reason.success !== undefined ? { reason: reason.success } : {})
  }
  return Result.succeed({ method: "POST", path: "/v2/refunds", body: ProcessorHttp.json(body) })
}

export const buildGet = (
  input: Refund.RefundReference,
  _context: Connector.BuildContext<SquareCredentials>
): Result.Result<ProcessorHttp.ProcessorRequest, RefundError.RefundErrorReason> => {
  if (!refundIdPattern.test(input.connectorRefundId)) {
    return Result.fail(new RefundError.InvalidRequest({
      message: `a Square refund id is 1 to 255 letters, digits, _ and -, got ${JSON.stringify(input.connectorRefundId.slice(0, 64))}`,
      field: "connectorRefundId"
    }))
  }
  return Result.succeed({ method: "GET", path: `/v2/refunds/${ProcessorHttp.segment(input.connectorRefundId)}` })
}

// ---------------------------------------------------------------------------------------------
// Response parsers
// ---------------------------------------------------------------------------------------------

const unexpected = (message: string) => Result.fail(new RefundError.UnexpectedResponse({ message }))

/**
 * Reads a `RefundPaymentResponse` / `GetPaymentRefundResponse`. Square may answer 200 with `errors`:
 * - with a refund (Square: "present with a status of FAILED"): the refund is the answer, and the first
 *   error becomes its failure details;
 * - without a refund: the errors are mapped like an error answer (a decline is RefundRejected).
 */
const readRefund = (
  response: ProcessorHttp.ProcessorResponse,
  operation: "create" | "get",
  options: { readonly merchantRefundId?: string | undefined }
): Result.Result<Refund.RefundSnapshot, RefundError.RefundErrorReason> => {
  const json = ProcessorHttp.parseJson(response.body)
  if (json === undefined) return unexpected(`Square answered HTTP ${response.status} with a body that is not JSON`)
  const decoded = SquareSchema.decodeRefundResponse(json)
  if (Result.isFailure(decoded)) {
    return unexpected(`Square answered HTTP ${response.status} with a body that is not a refund response: ${decoded.failure}`)
  }
  const errors = SquareError.fromSchema(decoded.success.errors ?? [])
  const refund = decoded.success.refund
  if (refund == null) {
    if (errors.length > 0) return Result.fail(SquareError.reasonOf(response.status, errors, operation))
    return unexpected(`Square answered HTTP ${response.status} without a refund`)
  }
  const first = errors[0]
  const snapshot = SquareWebhook.toSnapshot(refund, {
    merchantRefundId: options.merchantRefundId,
    failure: first !== undefined ? { code: first.code, message: first.detail } : undefined
  })
  // Square refunds carry no metadata; the raw object is the answer's `refund`.
  const raw = (ProcessorHttp.parseJson(response.body) as { refund?: unknown } | undefined)?.refund
  return Result.isFailure(snapshot) ? unexpected(snapshot.failure) : Result.succeed(Refund.withProcessorData(snapshot.success, { raw }))
}

export const parseCreate = (
  response: ProcessorHttp.ProcessorResponse,
  input: Refund.CreateRefundRequest
): Result.Result<Refund.RefundSnapshot, RefundError.RefundErrorReason> => {
  const snapshot = readRefund(response, "create", { merchantRefundId: input.merchantRefundId })
  if (Result.isFailure(snapshot)) return snapshot
  const payment = snapshot.success.connectorTransactionId
  if (payment !== undefined && payment !== input.connectorTransactionId) {
    return unexpected(`refunded payment ${input.connectorTransactionId}, Square answered with a refund of payment ${payment}`)
  }
  return snapshot
}

export const parseGet = (
  response: ProcessorHttp.ProcessorResponse,
  input: Refund.RefundReference
): Result.Result<Refund.RefundSnapshot, RefundError.RefundErrorReason> => {
  const snapshot = readRefund(response, "get", { merchantRefundId: input.merchantRefundId })
  if (Result.isFailure(snapshot)) return snapshot
  if (snapshot.success.connectorRefundId !== input.connectorRefundId) {
    return unexpected(`asked for refund ${input.connectorRefundId}, Square answered ${snapshot.success.connectorRefundId}`)
  }
  return snapshot
}

// ---------------------------------------------------------------------------------------------
// The connector
// ---------------------------------------------------------------------------------------------

export const connector = Connector.make({
  id: "square",
  displayName: "Square",
  capabilities: {
    create: true,
    get: true,
    // The refund list cannot filter by the merchant's id; recovery replays the create under the same key.
    lookup: false,
    lookupFindsPending: false,
    webhooks: true,
    partialRefunds: true,
    fullRefundWithoutAmount: false,
    // A COMPLETED refund is final at Square; no later failure or reversal is documented.
    reportsReversals: false,
    // No cancelled state (REJECTED is a decline: Failed).
    cancellation: false,
    // The Refunds API has RefundPayment, GetPaymentRefund and ListPaymentRefunds only: no cancel.
    cancelRefund: false,
    list: false,
    reports: false
  },
  environments: { sandbox: SANDBOX_URL, production: PRODUCTION_URL },
  credentials,
  auth: {
    _tag: "Static",
    headers: (c: SquareCredentials) => ({
      Authorization: Redacted.make(`Bearer ${Redacted.value(c.accessToken)}`, { label: "authorization" }),
      "Square-Version": SQUARE_VERSION
    })
  },
  // In the BODY (`idempotency_key`), at most 45 characters: the core derives a key that fits.
  // Square publishes no retention period for idempotency keys (Square developer forum, "How long are
  // idempotency keys retained", 2026-10-22): assume the 24 hours common to processors that do.
  idempotencyKey: { maxLength: IDEMPOTENCY_KEY_MAX_LENGTH, windowMillis: 24 * 60 * 60 * 1000 },
  secretHeaders: ["authorization"],
  // Square publishes no request rate; a 429 is still RateLimited and honours Retry-After.
  rateLimit: undefined,
  create: { build: buildCreate, parse: parseCreate },
  get: { build: buildGet, parse: parseGet },
  mapError: SquareError.mapError,
  retryHint: SquareError.retryHint,
  webhooks: SquareWebhook.webhooks
})

// ---------------------------------------------------------------------------------------------
// Layers
// ---------------------------------------------------------------------------------------------

/** The Square refund client, for code that wants Square specifically (generic code uses `RefundService`). */
export class SquareRefunds extends Context.Service<SquareRefunds, RefundClient.RefundClient>()("@refract/square/SquareRefunds") {}

export interface SquareOptions extends BoundConnector.CommonOptions {
  /** A sandbox or production access token. Prefer `Redacted`. */
  readonly accessToken: string | Redacted.Redacted<string>
  /** The webhook subscription's signature key, for processes that receive webhooks. */
  readonly signatureKey?: string | Redacted.Redacted<string> | undefined
  /** The exact notification URL of the webhook subscription (Square signs it); needed with `signatureKey`. */
  readonly notificationUrl?: string | undefined
}

const webhookSecretsOf = (
  o: Partial<Pick<SquareOptions, "signatureKey" | "notificationUrl">>
): BoundConnector.ConnectorOptions["webhookSecrets"] =>
  o.signatureKey !== undefined || o.notificationUrl !== undefined
    ? {
      ...(o.signatureKey !== undefined ? { signatureKey: o.signatureKey } : {}),
      ...(o.notificationUrl !== undefined ? { notificationUrl: o.notificationUrl } : {})
    }
    : undefined

/** Maps {@link SquareOptions} onto core's generic connector options. */
export const toConnectorOptions = (options: SquareOptions): BoundConnector.ConnectorOptions => ({
  ...BoundConnector.commonOptions(options),
  credentials: { accessToken: options.accessToken },
  webhookSecrets: webhookSecretsOf(options),
})

/**
 * Binds Square with explicit options, registers it in the `ConnectorRegistry` (for `RefundService`)
 * and provides {@link SquareRefunds}. Needs an `HttpClient` and a `ConnectorRegistry`.
 */
export const layer = (
  options: SquareOptions
): Layer.Layer<SquareRefunds, RefundError, ConnectorRegistry.ConnectorRegistry | HttpClient.HttpClient> =>
  ConnectorLayer.layer(SquareRefunds, connector, toConnectorOptions(options))

/**
 * Like {@link layer}, from configuration: `SQUARE_ACCESS_TOKEN`, `SQUARE_WEBHOOK_SIGNATURE_KEY`,
 * `SQUARE_WEBHOOK_URL`, `SQUARE_ENVIRONMENT` (sandbox | production) and `SQUARE_BASE_URL`, read by
 * core's `ConnectorLayer.optionsConfig`. `overrides` win over configuration, field by field. A missing
 * token fails with a `RefundError` (Configuration) naming `SQUARE_ACCESS_TOKEN`, never echoing a value.
 */
export const layerConfig = (
  overrides?: Partial<SquareOptions>
): Layer.Layer<SquareRefunds, RefundError | Config.ConfigError, ConnectorRegistry.ConnectorRegistry | HttpClient.HttpClient> =>
  ConnectorLayer.layerConfig(SquareRefunds, connector, overrides && toConnectorOptions(overrides as SquareOptions))
