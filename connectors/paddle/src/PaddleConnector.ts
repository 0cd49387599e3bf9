/**
 * The Paddle Billing connector. Paddle refunds are adjustments:
 * - create: `POST /adjustments` with `action: "refund"`, the transaction id, a `reason`, and either
 *   `type: "full"` (no amount: the transaction's remaining total) or `type: "partial"` with one item
 *   `{ item_id, type: "partial", amount }` (the line item comes from the `paddle_item_id` metadata key);
 * - status: `GET /adjustments?id=adj_…` (Paddle has no single-adjustment read);
 * - lookup by merchant refund id: `GET /adjustments?transaction_id=txn_…&action=refund`, matching the marker the
 *   create writes into `reason` (adjustments have no metadata);
 * - listing (reconciliation): `GET /adjustments?action=refund&order_by=id[DESC]&after=…`;
 * - webhooks: `Paddle-Signature` (see PaddleWebhook.ts).
 *
 * Paddle has no idempotency key: a create that reached Paddle is never replayed (`windowMillis: 0`); an
 * OutcomeUnknown is resolved by lookup. Paddle itself refuses a second adjustment while a refund of the
 * transaction is `pending_approval` (`adjustment_pending_refund_request`).
 *
 *   Effect:   PaddleConnector.layer({ apiKey: Redacted.make(key), environment: "sandbox" })
 *             PaddleConnector.layerConfig()   // PADDLE_API_KEY, PADDLE_WEBHOOK_SECRET, PADDLE_ENVIRONMENT, ...
 *   Promise:  new PaymentClient({ connector: "paddle", credentials: { apiKey }, environment: "sandbox" })
 */
import { ConnectorLayer, Connector, ProcessorHttp, RefundError, Timestamp } from "@refract/core"
import { BoundConnector, Refund } from "@refract/core"
import type { ConnectorRegistry, Credentials, RefundClient } from "@refract/core"
import { Context, Layer, Option, Redacted, Result } from "effect"
import type { Config } from "effect"
import type { HttpClient } from "effect/http"
import * as PaddleError from "./PaddleError.ts"
import * as PaddleSchema from "./PaddleSchema.ts"
import * as PaddleWebhook from "./PaddleWebhook.ts"

/** https://developer.paddle.com/api-reference/about/paddle-api (and the SDK's `API_ENVIRONMENT_TO_BASE_URL_MAP`). */
export const SANDBOX_URL = "https://sandbox-api.paddle.com"
export const PRODUCTION_URL = "https://api.paddle.com"

export const credentials = {
  apiKey: {
    secret: true,
    pattern: /^\S{16,}$/,
    description: "a Paddle Billing API key (pdl_sdbx_apikey_… for sandbox, pdl_live_apikey_… for live; Paddle → Developer tools → Authentication) with adjustment.read and adjustment.write",
    env: "PADDLE_API_KEY"
  }
} as const satisfies Credentials.CredentialSpec

export type PaddleCredentials = Credentials.Decoded<typeof credentials>

/** `sandbox` / `live` from a key's prefix (`pdl_sdbx_apikey_`, `pdl_live_apikey_`); undefined for other (older) keys. */
export const keyMode = (apiKey: string): "sandbox" | "live" | undefined => {
  const match = /^pdl_(sdbx|live)_apikey_/.exec(apiKey)
  return match === null ? undefined : match[1] === "sdbx" ? "sandbox" : "live"
}

/** A sandbox key never goes to production and a live key never to the sandbox. The message names the variable only. */
export const keyEnvironmentProblem = (apiKey: string, environment: Connector.Environment): string | undefined => {
  const mode = keyMode(apiKey)
  if (mode === "sandbox" && environment === "production") return "the production environment needs a live API key (pdl_live_apikey_…); PADDLE_API_KEY is a sandbox key"
  if (mode === "live" && environment === "sandbox") return "the sandbox environment needs a sandbox API key (pdl_sdbx_apikey_…); PADDLE_API_KEY is a live key"
  return undefined
}

// ---------------------------------------------------------------------------------------------
// Request builders
// ---------------------------------------------------------------------------------------------

/** Paddle ids: a prefix and 26 lower-case letters or digits (`txn_01h…`). */
const paddleId = (prefix: string) => new RegExp(`^${prefix}_[a-z\\d]{26}$`)
export const isTransactionId = (id: string): boolean => paddleId("txn").test(id)
export const isAdjustmentId = (id: string): boolean => paddleId("adj").test(id)
export const isTransactionItemId = (id: string): boolean => paddleId("txnitm").test(id)

const quoted = (value: string): string => JSON.stringify(value.slice(0, 64))

const invalid = (message: string, field: string) => Result.fail(new RefundError.InvalidRequest({ message, field }))

/** The metadata key naming the transaction line item a partial refund adjusts (`details.line_items[].id`). */
export const ITEM_ID_KEY = "paddle_item_id"

/** Idempotency keys: Paddle has none. The key is written into `reason` (see {@link PaddleWebhook.markReason}). */
export const idempotencyKeyRules: Connector.IdempotencyKeyRules = {
  maxLength: 64,
  pattern: /^[A-Za-z0-9_-]{1,64}$/,
  // No idempotency mechanism in Paddle's API (no header or field in the API reference or the SDK client):
  // a create that may have reached Paddle is never replayed.
  windowMillis: 0
}

/**
 * `POST /adjustments`. No amount → `type: "full"` (Paddle refunds the transaction's remaining grand total,
 * https://developer.paddle.com/changelog/2024/refund-credit-full-total). An amount → `type: "partial"` with one
 * item of that amount (tax included, `tax_mode` left at its default `internal`) on the line item named by the
 * `paddle_item_id` metadata key; without it the request is refused before sending. Paddle adjustments keep no
 * metadata, so any other metadata key is refused too rather than dropped silently. Paddle takes no currency:
 * the transaction's is used (checked on the answer).
 */
export const buildCreate = (
  input: Refund.CreateRefundRequest,
  context: Connector.CreateContext<PaddleCredentials>
): Result.Result<ProcessorHttp.ProcessorRequest, RefundError.RefundErrorReason> => {
  if (!isTransactionId(input.connectorTransactionId)) {
    return invalid(`a Paddle transaction id is txn_ followed by 26 lower-case letters or digits, got ${quoted(input.connectorTransactionId)}`, "connectorTransactionId")
  }
  const metadata = input.metadata ?? {}
  for (const key of Object.keys(metadata)) {
    if (key !== ITEM_ID_KEY) return invalid(`Paddle adjustments carry no metadata; only ${ITEM_ID_KEY} is read (got ${quoted(key)})`, "metadata")
  }
  const itemId = Object.hasOwn(metadata, ITEM_ID_KEY) ? metadata[ITEM_ID_KEY] : undefined
  const reason = PaddleWebhook.markReason(String(input.reason ?? "requested_by_customer"), input.merchantRefundId, context.idempotencyKey)
  let body: Record<string, unknown>
  if (input.amount === undefined) {
    if (itemId !== undefined) return invalid(`${ITEM_ID_KEY} is for partial refunds (with an amount); a refund without an amount is the full transaction`, "metadata")
    body = { action: "refund", transaction_id: input.connectorTransactionId, reason, type: "full" }
  } else {
    if (itemId === undefined) {
      return invalid(`a partial Paddle refund names its transaction line item: set metadata.${ITEM_ID_KEY} to a txnitm_ id (the transaction's details.line_items[].id), or omit the amount to refund the whole transaction`, "metadata")
    }
    if (!isTransactionItemId(itemId)) return invalid(`${ITEM_ID_KEY} is txnitm_ followed by 26 lower-case letters or digits, got ${quoted(itemId)}`, "metadata")
    if (input.amount.amount <= 0) return invalid("a refund amount is at least one minor unit", "amount")
    body = {
      action: "refund",
      transaction_id: input.connectorTransactionId,
      reason,
      type: "partial",
      items: [{ item_id: itemId, type: "partial", amount: String(input.amount.amount) }]
    }
  }
  return Result.succeed({ method: "POST", path: "/adjustments", body: ProcessorHttp.json(body) })
}

export const buildGet = (
  input: Refund.RefundReference,
  _context: Connector.BuildContext<PaddleCredentials>
): Result.Result<ProcessorHttp.ProcessorRequest, RefundError.RefundErrorReason> =>
  isAdjustmentId(input.connectorRefundId)
    ? Result.succeed({ method: "GET", path: "/adjustments", query: { id: input.connectorRefundId } })
    : invalid(`a Paddle adjustment id is adj_ followed by 26 lower-case letters or digits, got ${quoted(input.connectorRefundId)}`, "connectorRefundId")

/**
 * `per_page` maximum of `GET /adjustments`: "Default: 10; Maximum: 50"
 * (https://developer.paddle.com/api-reference/adjustments/list-adjustments).
 */
export const MAX_PAGE_SIZE = 50

export const buildLookup = (
  input: Connector.LookupRequest,
  _context: Connector.BuildContext<PaddleCredentials>
): Result.Result<ProcessorHttp.ProcessorRequest, RefundError.RefundErrorReason> =>
  isTransactionId(input.connectorTransactionId)
    ? Result.succeed({
      method: "GET",
      path: "/adjustments",
      query: { transaction_id: input.connectorTransactionId, action: "refund", order_by: "id[DESC]", per_page: String(MAX_PAGE_SIZE) }
    })
    : invalid(`a Paddle transaction id is txn_ followed by 26 lower-case letters or digits, got ${quoted(input.connectorTransactionId)}`, "connectorTransactionId")

/** Paddle publishes nothing on how soon a new adjustment is listed: a minute is declared [derived]. */
export const LIST_LAG_MILLIS = 60_000

/**
 * `GET /adjustments?action=refund&order_by=id[DESC]&per_page=<n>[&after=<cursor>]`. Paddle's adjustment list has no
 * creation-time filter, so the walk starts at the newest refund and goes back in time; the cursor is the last
 * adjustment id of the previous page (Paddle's own `after`). See {@link parseList} for where it stops.
 */
export const buildList = (
  input: Connector.ListRequest,
  _context: Connector.BuildContext<PaddleCredentials>
): Result.Result<ProcessorHttp.ProcessorRequest, RefundError.RefundErrorReason> => {
  const { from, to } = input.window
  if (!Number.isFinite(from) || !Number.isFinite(to) || from < 0 || from >= to) return invalid(`a listing window needs 0 <= from < to (epoch ms), got [${from}, ${to})`, "window")
  if (!Number.isInteger(input.pageSize) || input.pageSize < 1 || input.pageSize > MAX_PAGE_SIZE) return invalid(`a page holds 1 to ${MAX_PAGE_SIZE} refunds, got ${input.pageSize}`, "pageSize")
  if (input.cursor !== undefined && !isAdjustmentId(input.cursor)) return invalid(`a Paddle listing cursor is an adjustment id, got ${quoted(input.cursor)}`, "cursor")
  return Result.succeed({
    method: "GET",
    path: "/adjustments",
    query: { action: "refund", order_by: "id[DESC]", per_page: String(input.pageSize), ...(input.cursor !== undefined ? { after: input.cursor } : {}) }
  })
}

// ---------------------------------------------------------------------------------------------
// Response parsers
// ---------------------------------------------------------------------------------------------

const unexpected = (message: string) => new RefundError.UnexpectedResponse({ message })

const snapshotOf = (adjustment: PaddleSchema.Adjustment, raw: unknown, occurredAt?: number) => {
  const result = PaddleWebhook.toSnapshot(adjustment, { occurredAt })
  return Result.isFailure(result) ? Result.fail(unexpected(result.failure)) : Result.succeed(PaddleWebhook.withRaw(result.success, raw))
}

const readPage = (response: ProcessorHttp.ProcessorResponse) => {
  const json = ProcessorHttp.parseJson(response.body)
  const decoded = PaddleSchema.decodeAdjustmentPage(json)
  return Result.isFailure(decoded)
    ? Result.fail(unexpected(`Paddle answered ${response.status} with a body that is not a list of adjustments: ${decoded.failure}`))
    : Result.succeed({ page: decoded.success, raw: (json as { readonly data: ReadonlyArray<unknown> }).data })
}

/** Reads the created adjustment; it must be a refund of the transaction asked for, in the currency asked for. */
export const parseCreate = (
  response: ProcessorHttp.ProcessorResponse,
  input: Refund.CreateRefundRequest
): Result.Result<Refund.RefundSnapshot, RefundError.RefundErrorReason> => {
  const json = ProcessorHttp.parseJson(response.body)
  const decoded = PaddleSchema.decodeAdjustmentResponse(json)
  if (Result.isFailure(decoded)) return Result.fail(unexpected(`Paddle answered ${response.status} with a body that is not an adjustment: ${decoded.failure}`))
  const a = decoded.success.data
  if (a.transaction_id !== input.connectorTransactionId) {
    return Result.fail(unexpected(`refunded transaction ${input.connectorTransactionId}, Paddle answered adjustment ${a.id} of ${a.transaction_id}`))
  }
  if (a.action !== "refund") return Result.fail(unexpected(`Paddle answered adjustment ${a.id} with action ${a.action}, not refund`))
  if (input.amount !== undefined && a.currency_code.toUpperCase() !== input.amount.currency) {
    return Result.fail(unexpected(`adjustment ${a.id} is in ${a.currency_code} (the transaction's currency), the request said ${input.amount.currency}: check it at Paddle`))
  }
  return snapshotOf(a, (json as { readonly data: unknown }).data, Timestamp.fromIsoString(a.created_at))
}

export const parseGet = (
  response: ProcessorHttp.ProcessorResponse,
  input: Refund.RefundReference
): Result.Result<Refund.RefundSnapshot, RefundError.RefundErrorReason> => {
  const read = readPage(response)
  if (Result.isFailure(read)) return Result.fail(read.failure)
  const index = read.success.page.data.findIndex((a) => a.id === input.connectorRefundId)
  if (index < 0) {
    return read.success.page.data.length === 0
      ? Result.fail(new RefundError.NotFound({ message: `Paddle has no adjustment ${input.connectorRefundId}`, resource: "refund" }))
      : Result.fail(unexpected(`asked for adjustment ${input.connectorRefundId}, Paddle answered ${read.success.page.data.map((a) => a.id).join(", ")}`))
  }
  return snapshotOf(read.success.page.data[index]!, read.success.raw[index])
}

/**
 * Finds the refund whose `reason` marker names the merchant refund id. Refuses to say "none" when Paddle has
 * more refunds of the transaction than one page holds: a wrong "none" could lead to a second refund.
 */
export const parseLookup = (
  response: ProcessorHttp.ProcessorResponse,
  input: Connector.LookupRequest
): Result.Result<Option.Option<Refund.RefundSnapshot>, RefundError.RefundErrorReason> => {
  const read = readPage(response)
  if (Result.isFailure(read)) return Result.fail(read.failure)
  const { page, raw } = read.success
  const index = page.data.findIndex((a) => a.action === "refund" && PaddleWebhook.readMarker(a.reason)?.merchantRefundId === input.merchantRefundId)
  if (index < 0) {
    return page.meta.pagination.has_more
      ? Result.fail(unexpected(`transaction ${input.connectorTransactionId} has more than ${page.data.length} refunds; refund ${input.merchantRefundId} is not among those listed and cannot be ruled out`))
      : Result.succeed(Option.none())
  }
  const found = page.data[index]!
  if (found.transaction_id !== input.connectorTransactionId) {
    return Result.fail(unexpected(`listed refunds of ${input.connectorTransactionId}, Paddle answered adjustment ${found.id} of ${found.transaction_id}`))
  }
  const result = snapshotOf(found, raw[index])
  return Result.isFailure(result) ? Result.fail(result.failure) : Result.succeed(Option.some(result.success))
}

/**
 * One page of the newest-first walk: the refunds on it created in the window. `next` is the page's last id
 * while Paddle has more AND the page's oldest refund is not older than the window (ids are time-ordered, so
 * everything after it is older still). Refunds created after `window.to` are skipped, which costs pages when
 * the window is far in the past: Paddle offers no creation-time filter on adjustments. A refund created during
 * the walk is newer than every cursor, so it never shifts a page; an `after` id stays valid across a restart.
 */
export const parseList = (
  response: ProcessorHttp.ProcessorResponse,
  input: Connector.ListRequest
): Result.Result<Connector.ListPage, RefundError.RefundErrorReason> => {
  const read = readPage(response)
  if (Result.isFailure(read)) return Result.fail(read.failure)
  const { page, raw } = read.success
  if (page.data.length > input.pageSize) return Result.fail(unexpected(`asked Paddle for ${input.pageSize} adjustments, it answered ${page.data.length}`))
  const refunds: Array<Refund.RefundSnapshot> = []
  let oldest: number | undefined
  for (const [index, adjustment] of page.data.entries()) {
    if (adjustment.action !== "refund") continue
    const result = snapshotOf(adjustment, raw[index])
    if (Result.isFailure(result)) return Result.fail(result.failure)
    if (result.success.createdAt !== undefined) oldest = oldest === undefined ? result.success.createdAt : Math.min(oldest, result.success.createdAt)
    if (Connector.createdIn(result.success, input.window)) refunds.push(result.success)
  }
  const last = page.data.at(-1)
  const more = page.meta.pagination.has_more && last !== undefined && (oldest === undefined || oldest >= input.window.from)
  return Result.succeed({ refunds, ...(more ? { next: last.id } : {}) })
}

// ---------------------------------------------------------------------------------------------
// The connector
// ---------------------------------------------------------------------------------------------

/** `Authorization: Bearer <api key>`, held Redacted until the core writes it. */
export const authorization = (c: PaddleCredentials): Redacted.Redacted<string> => Redacted.make(`Bearer ${Redacted.value(c.apiKey)}`, { label: "authorization" })

export const connector = Connector.make({
  id: "paddle",
  displayName: "Paddle",
  validate: (c, environment) => keyEnvironmentProblem(Redacted.value(c.apiKey), environment),
  capabilities: {
    create: true,
    get: true,
    lookup: true,
    // GET /adjustments lists pending_approval refunds too.
    lookupFindsPending: true,
    webhooks: true,
    // With metadata.paddle_item_id naming the line item (see buildCreate).
    partialRefunds: true,
    // type: "full" refunds the grand total without items or amount.
    fullRefundWithoutAmount: true,
    // An approved refund can later be `reversed` (SDK AdjustmentStatus).
    reportsReversals: true,
    // Paddle has no cancelled state; a refund it declines is `rejected` (Failed).
    cancellation: false,
    cancelRefund: false,
    list: true,
    reports: false
  },
  environments: { sandbox: SANDBOX_URL, production: PRODUCTION_URL },
  credentials,
  auth: { _tag: "Static", headers: (c: PaddleCredentials) => ({ Authorization: authorization(c) }) },
  idempotencyKey: idempotencyKeyRules,
  secretHeaders: ["authorization"],
  // "Most operations are limited to 240 requests per minute" per IP (https://developer.paddle.com/api-reference/about/rate-limiting).
  rateLimit: { requestsPerSecond: 4 },
  create: { build: buildCreate, parse: parseCreate },
  get: { build: buildGet, parse: parseGet },
  lookup: { build: buildLookup, parse: parseLookup },
  list: { maxPageSize: MAX_PAGE_SIZE, lagMillis: LIST_LAG_MILLIS, page: { build: buildList, parse: parseList } },
  mapError: PaddleError.mapError,
  retryHint: PaddleError.retryHint,
  webhooks: PaddleWebhook.webhooks
})

// ---------------------------------------------------------------------------------------------
// Layers
// ---------------------------------------------------------------------------------------------

export class PaddleRefunds extends Context.Service<PaddleRefunds, RefundClient.RefundClient>()("@refract/paddle/PaddleRefunds") {}

export interface PaddleOptions extends BoundConnector.CommonOptions {
  /** The API key. Prefer `Redacted`. */
  readonly apiKey: string | Redacted.Redacted<string>
  /** The notification destination's secret key, for processes that receive webhooks. */
  readonly webhookSecret?: string | Redacted.Redacted<string> | undefined
}

export const toConnectorOptions = (options: PaddleOptions): BoundConnector.ConnectorOptions => ({
  ...BoundConnector.commonOptions(options),
  credentials: { apiKey: options.apiKey },
  webhookSecrets: options.webhookSecret !== undefined ? { webhookSecret: options.webhookSecret } : undefined
})

/** Binds Paddle with explicit options, registers it in the `ConnectorRegistry` and provides {@link PaddleRefunds}. */
export const layer = (
  options: PaddleOptions
): Layer.Layer<PaddleRefunds, RefundError, ConnectorRegistry.ConnectorRegistry | HttpClient.HttpClient> =>
  ConnectorLayer.layer(PaddleRefunds, connector, toConnectorOptions(options))

/**
 * Like {@link layer}, from configuration: `PADDLE_API_KEY`, `PADDLE_WEBHOOK_SECRET`, `PADDLE_ENVIRONMENT`
 * (sandbox | production) and `PADDLE_BASE_URL`. `overrides` win over configuration.
 */
export const layerConfig = (
  overrides?: Partial<PaddleOptions>
): Layer.Layer<PaddleRefunds, RefundError | Config.ConfigError, ConnectorRegistry.ConnectorRegistry | HttpClient.HttpClient> =>
  ConnectorLayer.layerConfig(PaddleRefunds, connector, overrides && toConnectorOptions(overrides as PaddleOptions))
