/**
 * The Square connector (Refunds API): refunds through `POST /v2/refunds`, status through
 * `GET /v2/refunds/{refund_id}`, listing over a window of creation times through `GET /v2/refunds`
 * (reconciliation), and `refund.created` / `refund.updated` webhooks.
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

/** `ListPaymentRefunds.limit`: "If the supplied value is greater than 100, no more than 100 results are returned." */
export const LIST_PAGE_SIZE = 100

/**
 * How long a new or changed refund may take to show in `ListPaymentRefunds`: "Results are eventually
 * consistent, and new refunds or changes to refunds might take several seconds to appear"
 * (square-nodejs-sdk `RefundsClient.list`). "Several seconds" with a wide margin: one minute [derived].
 */
export const LIST_LAG_MILLIS = 60_000

/** A Square cursor is opaque; it is sent back as given, so it only has to be a sane query value. */
const cursorPattern = /^[!-~]{1,2048}$/

const invalidList = (message: string, field: string) => Result.fail(new RefundError.InvalidRequest({ message, field }))

/** RFC 3339 in UTC with milliseconds ("2025-11-22T12:00:00.000Z"). */
export const rfc3339 = (millis: number): string => new Date(millis).toISOString()

/**
 * `GET /v2/refunds?begin_time=<from>&end_time=<to>&sort_order=ASC&limit=<n>[&cursor=<cursor>]`.
 * Both times filter on `created_at`; `begin_time` is inclusive, and whether `end_time` is inclusive is
 * not documented, so it is sent as the window's end and a refund created exactly then is left out by
 * the parser (it belongs to the next window). Oldest first: a refund created during the walk lands
 * after the pages already read. No `location_id`: the connector has none, so all the seller's
 * locations are listed (Square's default). The cursor is Square's own, sent back unchanged.
 */
export const buildList = (
  input: Connector.ListRequest,
  _context: Connector.BuildContext<SquareCredentials>
): Result.Result<ProcessorHttp.ProcessorRequest, RefundError.RefundErrorReason> => {
  const { from, to } = input.window
  if (!Number.isFinite(from) || !Number.isFinite(to) || from < 0 || from >= to || to > 8_640_000_000_000_000) {
    return invalidList(`a listing window needs 0 <= from < to (epoch ms), got [${from}, ${to})`, "window")
  }
  if (!Number.isInteger(input.pageSize) || input.pageSize < 1 || input.pageSize > LIST_PAGE_SIZE) {
    return invalidList(`a page holds 1 to ${LIST_PAGE_SIZE} refunds, got ${input.pageSize}`, "pageSize")
  }
  if (input.cursor !== undefined && !cursorPattern.test(input.cursor)) {
    return invalidList("a Square listing cursor is the opaque cursor Square answered (printable ASCII, no spaces)", "cursor")
  }
  return Result.succeed({
    method: "GET",
    path: "/v2/refunds",
    query: {
      begin_time: rfc3339(from),
      end_time: rfc3339(to),
      sort_order: "ASC",
      limit: String(input.pageSize),
      ...(input.cursor !== undefined ? { cursor: input.cursor } : {})
    }
  })
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

/**
 * Reads one page of `ListPaymentRefunds`: every `PaymentRefund` through the status mapping of a read
 * (`occurredAt` = its `updated_at`), with its raw object; `next` = Square's `cursor` when it gives a
 * non-empty one. Square refunds carry no merchant refund id and no metadata, so neither is set (the
 * core matches listed refunds by their Square id). A 200 with `errors` and no refunds is mapped like
 * an error answer. Refunds created outside the window (at its exclusive end) are left out.
 */
export const parseList = (
  response: ProcessorHttp.ProcessorResponse,
  input: Connector.ListRequest
): Result.Result<Connector.ListPage, RefundError.RefundErrorReason> => {
  const json = ProcessorHttp.parseJson(response.body)
  if (json === undefined) return unexpected(`Square answered HTTP ${response.status} with a body that is not JSON`)
  const decoded = SquareSchema.decodeListRefundsResponse(json)
  if (Result.isFailure(decoded)) {
    return unexpected(`Square answered HTTP ${response.status} with a body that is not a list of refunds: ${decoded.failure}`)
  }
  const errors = SquareError.fromSchema(decoded.success.errors ?? [])
  const items = decoded.success.refunds ?? []
  if (errors.length > 0 && items.length === 0) return Result.fail(SquareError.reasonOf(response.status, errors, "list"))
  const rawItems = (json as { readonly refunds?: ReadonlyArray<unknown> }).refunds ?? []
  const refunds: Array<Refund.RefundSnapshot> = []
  for (const [index, refund] of items.entries()) {
    const snapshot = SquareWebhook.toSnapshot(refund)
    if (Result.isFailure(snapshot)) return unexpected(snapshot.failure)
    if (Connector.createdIn(snapshot.success, input.window)) refunds.push(Refund.withProcessorData(snapshot.success, { raw: rawItems[index] }))
  }
  const cursor = decoded.success.cursor
  return Result.succeed({ refunds, ...(cursor != null && cursor !== "" ? { next: cursor } : {}) })
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
    // ListPaymentRefunds over created_at windows; eventually consistent (see LIST_LAG_MILLIS).
    list: true,
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
  list: { maxPageSize: LIST_PAGE_SIZE, lagMillis: LIST_LAG_MILLIS, page: { build: buildList, parse: parseList } },
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
