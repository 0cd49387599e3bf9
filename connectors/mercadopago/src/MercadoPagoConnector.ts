/**
 * The Mercado Pago connector: refunds through `POST /v1/payments/{id}/refunds` (`X-Idempotency-Key`), status
 * through `GET /v1/payments/{id}` (the payment carries `currency_id` and its `refunds`; a refund object has no
 * currency), and signed payment notifications.
 *
 * Not offered, with the reason:
 * - lookup by merchant refund id: the refund request takes only `amount` (API reference "Create refund"; SDK
 *   `CreateRefundBody`), so nothing the merchant chooses is stored on a refund to find it by; an OutcomeUnknown is
 *   resolved by replaying the same `X-Idempotency-Key` within its window;
 * - listing: Mercado Pago has no refund listing over time (refunds are listed per payment only);
 * - cancel: no cancel endpoint for a payment refund.
 *
 *   Effect:   MercadoPagoConnector.layer({ accessToken: Redacted.make(token), environment: "sandbox" })
 *             MercadoPagoConnector.layerConfig()   // MERCADOPAGO_ACCESS_TOKEN, MERCADOPAGO_WEBHOOK_SECRET, ...
 *   Promise:  new PaymentClient({ connector: "mercadopago", credentials: { accessToken }, environment: "sandbox" })
 */
import { BoundConnector, Connector, ConnectorLayer, Money, ProcessorHttp, Refund, RefundError, Timestamp } from "@refract/core"
import type { ConnectorRegistry, Credentials, RefundClient, RefundStatus } from "@refract/core"
import { Context, Layer, Redacted, Result } from "effect"
import type { Config } from "effect"
import type { HttpClient } from "effect/http"
import * as MercadoPagoError from "./MercadoPagoError.ts"
import * as MercadoPagoSchema from "./MercadoPagoSchema.ts"
import * as MercadoPagoWebhook from "./MercadoPagoWebhook.ts"

/** One host for both modes: the access token selects test or live (SDK `AppConfig.BASE_URL`). */
export const BASE_URL = "https://api.mercadopago.com"

export const credentials = {
  accessToken: {
    secret: true,
    pattern: /^(?:TEST|APP_USR)-[A-Za-z0-9-]{8,}$/,
    description: "a Mercado Pago access token (TEST-… test credential, or APP_USR-… production / test-user credential)",
    env: "MERCADOPAGO_ACCESS_TOKEN"
  }
} as const satisfies Credentials.CredentialSpec

export type MercadoPagoCredentials = Credentials.Decoded<typeof credentials>

/**
 * Production must not run on a `TEST-` credential. A sandbox may use either prefix: Mercado Pago's test users
 * have `APP_USR-` credentials too. The message names the variable, never the value.
 */
export const tokenEnvironmentProblem = (token: string, environment: Connector.Environment): string | undefined =>
  environment === "production" && token.startsWith("TEST-")
    ? "the production environment needs a production access token (APP_USR-…); MERCADOPAGO_ACCESS_TOKEN is a TEST- credential"
    : undefined

// ---------------------------------------------------------------------------------------------
// Request builders
// ---------------------------------------------------------------------------------------------

export const IDEMPOTENCY_HEADER = "X-Idempotency-Key"

/**
 * `X-Idempotency-Key`: mandatory on refunds; the docs suggest a UUID V4 "or random strings" and publish neither
 * a length limit nor a retention period. 64 characters of `[A-Za-z0-9_-]` and a one-day window are declared
 * (the shortest plausible: the other processors' shortest) [derived, unconfirmed].
 */
export const idempotencyKeyRules: Connector.IdempotencyKeyRules = {
  maxLength: 64,
  minLength: 1,
  pattern: /^[A-Za-z0-9_-]{1,64}$/,
  windowMillis: 24 * 60 * 60 * 1000
}

/**
 * `X-Render-In-Process-Refunds: true`: a refund Mercado Pago is still processing (a Pix refund in contingency) is
 * answered `201` with `status: in_process` instead of a `400 Bad Request` that would read as a refusal while the
 * refund may still complete (developers docs, "Refund of transactions with Pix").
 */
export const IN_PROCESS_HEADER = "X-Render-In-Process-Refunds"

const quoted = (value: string): string => JSON.stringify(value.slice(0, 64))

const invalid = (message: string, field: string) => Result.fail(new RefundError.InvalidRequest({ message, field }))

/**
 * `POST /v1/payments/{id}/refunds`, body `{"amount":<major units>}` or `{}` for a full refund. The amount is a
 * JSON number written from `Money.toDecimalString` (digits, no floating point); Mercado Pago takes no currency
 * (the payment's is used), no reason and no metadata on a refund.
 */
export const buildCreate = (
  input: Refund.CreateRefundRequest,
  context: Connector.CreateContext<MercadoPagoCredentials>
): Result.Result<ProcessorHttp.ProcessorRequest, RefundError.RefundErrorReason> => {
  if (!MercadoPagoSchema.isNumericId(input.connectorTransactionId)) {
    return invalid(`a Mercado Pago payment id is a decimal number, got ${quoted(input.connectorTransactionId)}`, "connectorTransactionId")
  }
  if (input.amount !== undefined && input.amount.amount <= 0) return invalid("a refund amount must be positive", "amount")
  const text = input.amount === undefined ? "{}" : `{"amount":${Money.toDecimalString(input.amount)}}`
  return Result.succeed({
    method: "POST",
    path: `/v1/payments/${ProcessorHttp.segment(input.connectorTransactionId)}/refunds`,
    headers: { [IDEMPOTENCY_HEADER]: context.idempotencyKey, [IN_PROCESS_HEADER]: "true" },
    body: { _tag: "Text", contentType: "application/json", text }
  })
}

/** `GET /v1/payments/{payment id}`: the payment with its currency and refunds. */
export const buildGet = (
  input: Refund.RefundReference,
  _context: Connector.BuildContext<MercadoPagoCredentials>
): Result.Result<ProcessorHttp.ProcessorRequest, RefundError.RefundErrorReason> => {
  const parts = MercadoPagoSchema.parseRefundId(input.connectorRefundId)
  if (Result.isFailure(parts)) return invalid(`${parts.failure}; got ${quoted(input.connectorRefundId)}`, "connectorRefundId")
  if (input.connectorTransactionId !== undefined && input.connectorTransactionId !== parts.success.paymentId) {
    return invalid(`refund ${input.connectorRefundId} belongs to payment ${parts.success.paymentId}, not ${quoted(input.connectorTransactionId)}`, "connectorTransactionId")
  }
  return Result.succeed({ method: "GET", path: `/v1/payments/${ProcessorHttp.segment(parts.success.paymentId)}` })
}

// ---------------------------------------------------------------------------------------------
// Status and snapshots
// ---------------------------------------------------------------------------------------------

/**
 * Mercado Pago refund status → unified status (API reference, refund `status` enum). `authorized` ("authorized
 * but not captured yet") is not settled: Pending. Anything else is Unknown with the raw string.
 */
export const statusOf = (raw: string | null | undefined): { readonly status: RefundStatus.ObservedStatus; readonly rawStatus: string } => {
  switch (raw) {
    case "approved":
      return { status: "Succeeded", rawStatus: raw }
    case "in_process":
    case "authorized":
      return { status: "Pending", rawStatus: raw }
    case "rejected":
      return { status: "Failed", rawStatus: raw }
    case "cancelled":
      return { status: "Cancelled", rawStatus: raw }
    default:
      return { status: "Unknown", rawStatus: raw ?? "null" }
  }
}

const unexpected = (message: string) => new RefundError.UnexpectedResponse({ message })

/**
 * A refund object → a snapshot. `currency` is the payment's (the refund has none); without it the amount is
 * left out rather than guessed. The amount is read from the JSON number's decimal text, never multiplied.
 */
export const toSnapshot = (
  refund: MercadoPagoSchema.Refund,
  paymentId: string,
  currency: string | undefined,
  raw: unknown
): Result.Result<Refund.RefundSnapshot, string> => {
  const id = MercadoPagoSchema.idText(refund.id)
  if (id === undefined || !MercadoPagoSchema.isNumericId(id)) return Result.fail(`a refund id is not a decimal number: ${quoted(String(refund.id))}`)
  let amount: Money.Money | undefined
  if (currency !== undefined && refund.amount !== null && refund.amount !== undefined) {
    const money = Money.fromDecimalString(String(refund.amount), currency)
    if (Result.isFailure(money)) return Result.fail(`refund ${id}: ${Money.describeProblem(money.failure)}`)
    amount = money.success
  }
  const { status, rawStatus } = statusOf(refund.status)
  const trace = refund.unique_sequence_number ?? undefined
  try {
    return Result.succeed(Refund.withProcessorData(
      new Refund.RefundSnapshot({
        connectorRefundId: MercadoPagoSchema.refundId(paymentId, id),
        connectorTransactionId: paymentId,
        amount,
        status,
        rawStatus,
        ...(refund.reason !== null && refund.reason !== undefined ? { reason: refund.reason } : {}),
        createdAt: Timestamp.fromIsoString(refund.date_created),
        ...(trace !== undefined && trace.trim() !== ""
          ? { settlement: new Refund.Settlement({ traceReference: trace, traceReferenceType: "unique_sequence_number" }) }
          : {})
      }),
      { metadata: Refund.metadataOf(refund.metadata), raw }
    ))
  } catch (error) {
    return Result.fail(`refund ${id}: ${error instanceof Error ? error.message.replace(/\s+/g, " ") : "invalid"}`)
  }
}

/** Reads the created refund (201). It must belong to the payment asked for. */
export const parseCreate = (
  response: ProcessorHttp.ProcessorResponse,
  input: Refund.CreateRefundRequest
): Result.Result<Refund.RefundSnapshot, RefundError.RefundErrorReason> => {
  const json = ProcessorHttp.parseJson(response.body)
  const decoded = MercadoPagoSchema.decodeRefund(json)
  if (Result.isFailure(decoded)) return Result.fail(unexpected(`Mercado Pago answered ${response.status} with a body that is not a refund: ${decoded.failure}`))
  const paymentId = MercadoPagoSchema.idText(decoded.success.payment_id ?? undefined)
  if (paymentId !== undefined && paymentId !== input.connectorTransactionId) {
    return Result.fail(unexpected(`refunded payment ${input.connectorTransactionId}, Mercado Pago answered a refund of payment ${paymentId}`))
  }
  const snapshot = toSnapshot(decoded.success, input.connectorTransactionId, input.amount?.currency, json)
  if (Result.isFailure(snapshot)) return Result.fail(unexpected(snapshot.failure))
  if (input.amount !== undefined && snapshot.success.amount !== undefined && snapshot.success.amount.amount !== input.amount.amount) {
    return Result.fail(unexpected(
      `asked Mercado Pago to refund ${Money.toDecimalString(input.amount)} ${input.amount.currency}, it answered refund ` +
        `${snapshot.success.connectorRefundId} of ${String(decoded.success.amount)}: check the payment's currency`
    ))
  }
  return Result.succeed(snapshot.success)
}

/** Finds the refund in the payment's `refunds`, with the payment's currency. */
export const parseGet = (
  response: ProcessorHttp.ProcessorResponse,
  input: Refund.RefundReference
): Result.Result<Refund.RefundSnapshot, RefundError.RefundErrorReason> => {
  const parts = MercadoPagoSchema.parseRefundId(input.connectorRefundId)
  if (Result.isFailure(parts)) return Result.fail(unexpected(parts.failure))
  const json = ProcessorHttp.parseJson(response.body)
  const payment = MercadoPagoSchema.decodePayment(json)
  if (Result.isFailure(payment)) return Result.fail(unexpected(`Mercado Pago answered ${response.status} with a body that is not a payment: ${payment.failure}`))
  if (MercadoPagoSchema.idText(payment.success.id) !== parts.success.paymentId) {
    return Result.fail(unexpected(`asked for payment ${parts.success.paymentId}, Mercado Pago answered ${String(payment.success.id)}`))
  }
  for (const raw of payment.success.refunds ?? []) {
    const refund = MercadoPagoSchema.decodeRefund(raw)
    if (Result.isFailure(refund)) return Result.fail(unexpected(`payment ${parts.success.paymentId} lists a refund that does not decode: ${refund.failure}`))
    if (MercadoPagoSchema.idText(refund.success.id) !== parts.success.refundId) continue
    const snapshot = toSnapshot(refund.success, parts.success.paymentId, payment.success.currency_id.toUpperCase(), raw)
    return Result.isFailure(snapshot) ? Result.fail(unexpected(snapshot.failure)) : Result.succeed(snapshot.success)
  }
  return Result.fail(new RefundError.NotFound({
    message: `payment ${parts.success.paymentId} lists no refund ${parts.success.refundId}`,
    resource: "refund"
  }))
}

// ---------------------------------------------------------------------------------------------
// The connector
// ---------------------------------------------------------------------------------------------

/** `Authorization: Bearer <access token>`, Redacted until the core writes it. */
export const authorization = (c: MercadoPagoCredentials): Redacted.Redacted<string> =>
  Redacted.make(`Bearer ${Redacted.value(c.accessToken)}`, { label: "authorization" })

export const connector = Connector.make({
  id: "mercadopago",
  displayName: "Mercado Pago",
  validate: (c, environment) => tokenEnvironmentProblem(Redacted.value(c.accessToken), environment),
  capabilities: {
    create: true,
    get: true,
    // Nothing the merchant chooses is stored on a refund (the request takes `amount` only).
    lookup: false,
    lookupFindsPending: false,
    webhooks: true,
    partialRefunds: true,
    // "If this property (amount) is removed from body, it will create a full refund." (API reference, Create refund)
    fullRefundWithoutAmount: true,
    // No documented path from `approved` to another status.
    reportsReversals: false,
    // `cancelled` is a documented refund status.
    cancellation: true,
    cancelRefund: false,
    list: false,
    reports: false
  },
  environments: { sandbox: BASE_URL, production: BASE_URL },
  credentials,
  auth: { _tag: "Static", headers: (c: MercadoPagoCredentials) => ({ Authorization: authorization(c) }) },
  idempotencyKey: idempotencyKeyRules,
  secretHeaders: ["authorization"],
  create: { build: buildCreate, parse: parseCreate },
  get: { build: buildGet, parse: parseGet },
  mapError: MercadoPagoError.mapError,
  retryHint: MercadoPagoError.retryHint,
  webhooks: MercadoPagoWebhook.webhooks
})

// ---------------------------------------------------------------------------------------------
// Layers
// ---------------------------------------------------------------------------------------------

export class MercadoPagoRefunds extends Context.Service<MercadoPagoRefunds, RefundClient.RefundClient>()("@refract/mercadopago/MercadoPagoRefunds") {}

export interface MercadoPagoOptions extends BoundConnector.CommonOptions {
  /** `TEST-…` or `APP_USR-…`. Prefer `Redacted`. */
  readonly accessToken: string | Redacted.Redacted<string>
  /** The application's secret signature, for processes that receive notifications. */
  readonly webhookSecret?: string | Redacted.Redacted<string> | undefined
}

export const toConnectorOptions = (options: MercadoPagoOptions): BoundConnector.ConnectorOptions => ({
  ...BoundConnector.commonOptions(options),
  credentials: { accessToken: options.accessToken },
  webhookSecrets: options.webhookSecret !== undefined ? { webhookSecret: options.webhookSecret } : undefined
})

/** Binds Mercado Pago with explicit options and provides {@link MercadoPagoRefunds}. */
export const layer = (
  options: MercadoPagoOptions
): Layer.Layer<MercadoPagoRefunds, RefundError, ConnectorRegistry.ConnectorRegistry | HttpClient.HttpClient> =>
  ConnectorLayer.layer(MercadoPagoRefunds, connector, toConnectorOptions(options))

/**
 * Like {@link layer}, from configuration: `MERCADOPAGO_ACCESS_TOKEN`, `MERCADOPAGO_WEBHOOK_SECRET`,
 * `MERCADOPAGO_ENVIRONMENT` (sandbox | production) and `MERCADOPAGO_BASE_URL`.
 */
export const layerConfig = (
  overrides?: Partial<MercadoPagoOptions>
): Layer.Layer<MercadoPagoRefunds, RefundError | Config.ConfigError, ConnectorRegistry.ConnectorRegistry | HttpClient.HttpClient> =>
  ConnectorLayer.layerConfig(MercadoPagoRefunds, connector, overrides && toConnectorOptions(overrides as MercadoPagoOptions))
