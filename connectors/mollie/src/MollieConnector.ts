/**
 * The Mollie connector (Payments API v2): refunds through `POST /v2/payments/{paymentId}/refunds`, status through
 * `GET /v2/payments/{paymentId}/refunds/{refundId}`, lookup by merchant refund id (kept in the refund's
 * `metadata.merchant_refund_id`) through `GET /v2/payments/{paymentId}/refunds`, cancellation while queued or
 * pending through `DELETE /v2/payments/{paymentId}/refunds/{refundId}`, reconciliation over `GET /v2/refunds`
 * (cursor `from`, newest first), and the classic webhook ping read as a notice.
 *
 * Everything here is a pure description; `@refract/core` runs it (timeouts, retries with the same
 * `Idempotency-Key` within Mollie's 24 hours, rate limits, tracing, redaction).
 *
 *   Effect:   MollieConnector.layer({ apiKey: Redacted.make(key), environment: "sandbox" })
 *             MollieConnector.layerConfig()   // MOLLIE_API_KEY, MOLLIE_ENVIRONMENT, MOLLIE_BASE_URL
 *   Promise:  new PaymentClient({ connector: "mollie", credentials: { apiKey }, environment: "sandbox" })
 */
import { BoundConnector, Connector, ConnectorLayer, Money, ProcessorHttp, Refund, RefundError, Timestamp } from "@refract/core"
import type { ConnectorRegistry, Credentials, RefundClient } from "@refract/core"
import { Context, Layer, Option, Redacted, Result } from "effect"
import type { Config } from "effect"
import type { HttpClient } from "effect/http"
import * as MollieError from "./MollieError.ts"
import * as MollieSchema from "./MollieSchema.ts"
import * as MollieWebhook from "./MollieWebhook.ts"

/**
 * One host for both modes: "Most API credentials are specifically created for either live mode or test mode"
 * (the key's `test_` / `live_` prefix picks the mode; docs "Authentication", SDK default
 * `https://api.mollie.com:443/v2/`). Paths here start with `/v2/`.
 */
export const BASE_URL = "https://api.mollie.com"

/** Credential fields. */
export const credentials = {
  apiKey: {
    secret: true,
    pattern: /^(test|live)_[A-Za-z0-9]{30,}$/,
    description: "a Mollie API key (test_… for sandbox, live_… for production; Dashboard → Developers → API keys)",
    env: "MOLLIE_API_KEY"
  }
} as const satisfies Credentials.CredentialSpec

export type MollieCredentials = Credentials.Decoded<typeof credentials>

// ---------------------------------------------------------------------------------------------
// Key mode vs environment
// ---------------------------------------------------------------------------------------------

/** "test" or "live" from an API key's prefix; undefined for anything else. */
export const keyMode = (apiKey: string): "test" | "live" | undefined => {
  const match = /^(test|live)_/.exec(apiKey)
  return match === null ? undefined : (match[1] as "test" | "live")
}

/**
 * Production needs a live key and sandbox a test key, so a test key never "refunds" in production and a live
 * key never moves real money from a sandbox setup. The message names the variable, never the key.
 */
export const keyEnvironmentProblem = (apiKey: string | undefined, environment: Connector.Environment): string | undefined => {
  if (apiKey === undefined) return undefined
  const mode = keyMode(apiKey)
  if (mode === undefined) return undefined // malformed keys are reported by the credential spec
  if (environment === "production" && mode === "test") {
    return "the production environment needs a live API key (live_…); MOLLIE_API_KEY is a test key"
  }
  if (environment === "sandbox" && mode === "live") {
    return "the sandbox environment needs a test API key (test_…); MOLLIE_API_KEY is a live key"
  }
  return undefined
}

// ---------------------------------------------------------------------------------------------
// Request builders
// ---------------------------------------------------------------------------------------------

/** A Mollie payment id: `tr_` + letters and digits (the docs' `tr_WDqYK6vllg`). */
export const isPaymentId = (id: string): boolean => MollieWebhook.paymentIdPattern.test(id)
/** A Mollie refund id: `re_` + letters and digits (the docs' `re_4qqhO89gsT`). */
export const isRefundId = (id: string): boolean => /^re_[A-Za-z0-9]{1,64}$/.test(id)

const quoted = (value: string): string => JSON.stringify(value.slice(0, 64))

const invalid = (message: string, field: string) => new RefundError.InvalidRequest({ message, field })
const invalidPayment = (id: string) =>
  invalid(`a Mollie payment id is tr_ followed by letters or digits, got ${quoted(id)}`, "connectorTransactionId")
const invalidRefund = (id: string) => invalid(`a Mollie refund id is re_ followed by letters or digits, got ${quoted(id)}`, "connectorRefundId")

export const MERCHANT_REFUND_ID_KEY = MollieWebhook.MERCHANT_REFUND_ID_KEY

/** "You can use up to approximately 1kB" of metadata (docs create-refund): kept to 1024 bytes of JSON. */
export const MAX_METADATA_BYTES = 1024

/**
 * `Idempotency-Key`: "If another request is made with the exact same header value within 24 hours, the Mollie
 * API will return a cached version of the initial response"; "Keys older than 24 hours will be removed"
 * (docs "API idempotency"). Mollie publishes no format: the SDK sends 24 base64 characters; keys here stay
 * within 64 characters of `[A-Za-z0-9_-]` [derived].
 */
export const idempotencyKeyRules: Connector.IdempotencyKeyRules = {
  minLength: 1,
  maxLength: 64,
  pattern: /^[A-Za-z0-9_-]{1,64}$/,
  windowMillis: 24 * 60 * 60 * 1000
}

export const IDEMPOTENCY_HEADER = "Idempotency-Key"

/**
 * The `metadata` object: `merchant_refund_id` first, then the caller's metadata sorted by key, so the body is a
 * pure function of the input (Mollie answers 400 to a replayed key whose parameters differ).
 */
export const metadataFor = (
  merchantRefundId: string,
  metadata: Readonly<Record<string, string>> | undefined
): Result.Result<Readonly<Record<string, string>>, RefundError.RefundErrorReason> => {
  const out: Record<string, string> = { [MERCHANT_REFUND_ID_KEY]: merchantRefundId }
  for (const [key, value] of Object.entries(metadata ?? {}).toSorted(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (key === MERCHANT_REFUND_ID_KEY) {
      if (value !== merchantRefundId) return Result.fail(invalid(`metadata key ${MERCHANT_REFUND_ID_KEY} is reserved for the merchant refund id`, "metadata"))
      continue
    }
    Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true })
  }
  if (Buffer.byteLength(JSON.stringify(out), "utf8") > MAX_METADATA_BYTES) {
    return Result.fail(invalid(`Mollie keeps about 1kB of metadata; with ${MERCHANT_REFUND_ID_KEY} this is more than ${MAX_METADATA_BYTES} bytes`, "metadata"))
  }
  return Result.succeed(out)
}

/**
 * `POST /v2/payments/{paymentId}/refunds` with `{ amount: { currency, value }, metadata }` and the
 * `Idempotency-Key` header. `value` is the amount with the currency's exact decimals (`Money.toDecimalString`).
 * Mollie requires an amount ("amount … required"), so a full refund needs one (`fullRefundWithoutAmount: false`).
 */
export const buildCreate = (
  input: Refund.CreateRefundRequest,
  context: Connector.CreateContext<MollieCredentials>
): Result.Result<ProcessorHttp.ProcessorRequest, RefundError.RefundErrorReason> => {
  if (!isPaymentId(input.connectorTransactionId)) return Result.fail(invalidPayment(input.connectorTransactionId))
  if (input.amount === undefined) return Result.fail(invalid("Mollie needs the amount of every refund, a full one included", "amount"))
  if (input.amount.amount <= 0) return Result.fail(invalid("a refund amount must be positive", "amount"))
  const metadata = metadataFor(input.merchantRefundId, input.metadata)
  if (Result.isFailure(metadata)) return Result.fail(metadata.failure)
  return Result.succeed({
    method: "POST",
    path: `/v2/payments/${ProcessorHttp.segment(input.connectorTransactionId)}/refunds`,
    headers: { [IDEMPOTENCY_HEADER]: context.idempotencyKey },
    body: ProcessorHttp.json({
      amount: { currency: input.amount.currency, value: Money.toDecimalString(input.amount) },
      metadata: metadata.success
    })
  })
}

const refundPath = (input: Refund.RefundReference): Result.Result<string, RefundError.RefundErrorReason> => {
  if (!isRefundId(input.connectorRefundId)) return Result.fail(invalidRefund(input.connectorRefundId))
  const payment = input.connectorTransactionId
  if (payment === undefined) {
    return Result.fail(invalid("Mollie reads a refund through its payment: the reference needs the payment id (tr_…)", "connectorTransactionId"))
  }
  if (!isPaymentId(payment)) return Result.fail(invalidPayment(payment))
  return Result.succeed(`/v2/payments/${ProcessorHttp.segment(payment)}/refunds/${ProcessorHttp.segment(input.connectorRefundId)}`)
}

export const buildGet = (
  input: Refund.RefundReference,
  _context: Connector.BuildContext<MollieCredentials>
): Result.Result<ProcessorHttp.ProcessorRequest, RefundError.RefundErrorReason> =>
  Result.map(refundPath(input), (path) => ({ method: "GET", path }))

/**
 * `DELETE /v2/payments/{paymentId}/refunds/{refundId}`: "A queued refund can be canceled", a pending one too;
 * Mollie answers 204. Mollie ignores `Idempotency-Key` on DELETE (docs "API idempotency"), so none is sent: a
 * replay of a cancel that went through is refused (422) and read back by the caller.
 */
export const buildCancel = (
  input: Refund.RefundReference,
  _context: Connector.CancelContext<MollieCredentials>
): Result.Result<ProcessorHttp.ProcessorRequest, RefundError.RefundErrorReason> =>
  Result.map(refundPath(input), (path) => ({ method: "DELETE", path }))

/** Mollie's largest page: `limit` "1 to 250" (docs list refunds). */
export const MAX_PAGE_SIZE = 250

export const buildLookup = (
  input: Connector.LookupRequest,
  _context: Connector.BuildContext<MollieCredentials>
): Result.Result<ProcessorHttp.ProcessorRequest, RefundError.RefundErrorReason> => {
  if (!isPaymentId(input.connectorTransactionId)) return Result.fail(invalidPayment(input.connectorTransactionId))
  return Result.succeed({
    method: "GET",
    path: `/v2/payments/${ProcessorHttp.segment(input.connectorTransactionId)}/refunds`,
    query: { limit: String(MAX_PAGE_SIZE) }
  })
}

/**
 * Mollie publishes nothing on how soon a refund shows in `GET /v2/refunds`; a minute is declared so
 * reconciliation does not call a just-created refund missing [derived, unconfirmed].
 */
export const LIST_LAG_MILLIS = 60_000

/**
 * `GET /v2/refunds?limit=<n>[&from=<cursor>]`. Mollie's listing has no time filter: it pages newest first
 * (the default `sort`), from the refund named by `from` (inclusive). A window's walk therefore starts at the
 * newest refund and reads back until a refund older than the window shows (see {@link parseList}); the cursor
 * is the id of the next refund to read, which stays valid across a restart (ids never change).
 */
export const buildList = (
  input: Connector.ListRequest,
  _context: Connector.BuildContext<MollieCredentials>
): Result.Result<ProcessorHttp.ProcessorRequest, RefundError.RefundErrorReason> => {
  const { from, to } = input.window
  if (!Number.isFinite(from) || !Number.isFinite(to) || from < 0 || from >= to) {
    return Result.fail(invalid(`a listing window needs 0 <= from < to (epoch ms), got [${from}, ${to})`, "window"))
  }
  if (!Number.isInteger(input.pageSize) || input.pageSize < 1 || input.pageSize > MAX_PAGE_SIZE) {
    return Result.fail(invalid(`a page holds 1 to ${MAX_PAGE_SIZE} refunds, got ${input.pageSize}`, "pageSize"))
  }
  if (input.cursor !== undefined && !isRefundId(input.cursor)) {
    return Result.fail(invalid(`a Mollie listing cursor is a refund id (re_…), got ${quoted(input.cursor)}`, "cursor"))
  }
  return Result.succeed({
    method: "GET",
    path: "/v2/refunds",
    query: { limit: String(input.pageSize), ...(input.cursor !== undefined ? { from: input.cursor } : {}) }
  })
}

// ---------------------------------------------------------------------------------------------
// Response parsers
// ---------------------------------------------------------------------------------------------

const unexpected = (message: string) => new RefundError.UnexpectedResponse({ message })

const readRefund = (json: unknown, status: number) => {
  const decoded = MollieSchema.decodeRefund(json)
  return Result.isFailure(decoded)
    ? Result.fail(unexpected(`Mollie answered ${status} with a body that is not a refund: ${decoded.failure}`))
    : Result.succeed(decoded.success)
}

const snapshot = (refund: MollieSchema.Refund, raw: unknown, occurredAt?: number) => {
  const result = MollieWebhook.toSnapshot(refund, { raw, occurredAt })
  return Result.isFailure(result) ? Result.fail(unexpected(result.failure)) : Result.succeed(result.success)
}

/**
 * Reads the created refund (201). It must belong to the payment asked for and be in the currency and amount
 * asked for; anything else is reported loudly (UnexpectedResponse naming the refund), never returned as if it
 * were the refund requested.
 */
export const parseCreate = (
  response: ProcessorHttp.ProcessorResponse,
  input: Refund.CreateRefundRequest
): Result.Result<Refund.RefundSnapshot, RefundError.RefundErrorReason> => {
  const json = ProcessorHttp.parseJson(response.body)
  const refund = readRefund(json, response.status)
  if (Result.isFailure(refund)) return Result.fail(refund.failure)
  const r = refund.success
  if (r.paymentId !== undefined && r.paymentId !== null && r.paymentId !== input.connectorTransactionId) {
    return Result.fail(unexpected(`refunded payment ${input.connectorTransactionId}, Mollie answered refund ${r.id} of payment ${r.paymentId}`))
  }
  // The create answer is the state at creation (a replay under the same key returns the stored answer).
  const parsed = snapshot(r, json, Timestamp.fromIsoString(r.createdAt))
  if (Result.isFailure(parsed)) return parsed
  if (input.amount !== undefined && !Money.equals(parsed.success.amount!, input.amount)) {
    return Result.fail(unexpected(`asked Mollie to refund ${Money.toDecimalString(input.amount)} ${input.amount.currency}, refund ${r.id} is ${r.amount.value} ${r.amount.currency}`))
  }
  return parsed
}

export const parseGet = (
  response: ProcessorHttp.ProcessorResponse,
  input: Refund.RefundReference
): Result.Result<Refund.RefundSnapshot, RefundError.RefundErrorReason> => {
  const json = ProcessorHttp.parseJson(response.body)
  const refund = readRefund(json, response.status)
  if (Result.isFailure(refund)) return Result.fail(refund.failure)
  if (refund.success.id !== input.connectorRefundId) {
    return Result.fail(unexpected(`asked for refund ${input.connectorRefundId}, Mollie answered ${refund.success.id}`))
  }
  return snapshot(refund.success, json)
}

/**
 * A cancel answers `204 No Content` ("The requested entity was canceled / deleted successfully", docs "Handling
 * errors"): that answer is Mollie saying the refund is now `canceled`. A 2xx with a refund body is read as one.
 */
export const parseCancel = (
  response: ProcessorHttp.ProcessorResponse,
  input: Refund.RefundReference
): Result.Result<Refund.RefundSnapshot, RefundError.RefundErrorReason> => {
  if (response.body.trim() !== "") return parseGet(response, input)
  if (response.status !== 204) return Result.fail(unexpected(`Mollie answered a cancel with ${response.status} and no body`))
  return Result.succeed(new Refund.RefundSnapshot({
    connectorRefundId: input.connectorRefundId,
    connectorTransactionId: input.connectorTransactionId,
    merchantRefundId: input.merchantRefundId,
    status: "Cancelled",
    rawStatus: "canceled"
  }))
}

const readPage = (response: ProcessorHttp.ProcessorResponse) => {
  const json = ProcessorHttp.parseJson(response.body)
  const decoded = MollieSchema.decodeRefundPage(json)
  return Result.isFailure(decoded)
    ? Result.fail(unexpected(`Mollie answered ${response.status} with a body that is not a list of refunds: ${decoded.failure}`))
    : Result.succeed(decoded.success)
}

/**
 * Finds the refund whose `metadata.merchant_refund_id` is the merchant refund id among the payment's refunds.
 * Refuses to say "none" when Mollie has another page: a wrong "none" could lead to a second refund.
 */
export const parseLookup = (
  response: ProcessorHttp.ProcessorResponse,
  input: Connector.LookupRequest
): Result.Result<Option.Option<Refund.RefundSnapshot>, RefundError.RefundErrorReason> => {
  const page = readPage(response)
  if (Result.isFailure(page)) return Result.fail(page.failure)
  for (const raw of page.success._embedded.refunds) {
    const refund = MollieSchema.decodeRefund(raw)
    if (Result.isFailure(refund)) return Result.fail(unexpected(`a listed refund is not a refund: ${refund.failure}`))
    if (MollieWebhook.merchantRefundIdOf(refund.success) !== input.merchantRefundId) continue
    if (refund.success.paymentId !== undefined && refund.success.paymentId !== null && refund.success.paymentId !== input.connectorTransactionId) {
      return Result.fail(unexpected(`listed refunds of payment ${input.connectorTransactionId}, Mollie answered refund ${refund.success.id} of ${refund.success.paymentId}`))
    }
    return Result.map(snapshot(refund.success, raw), Option.some)
  }
  const next = page.success._links?.next
  if (next !== undefined && next !== null) {
    return Result.fail(unexpected(
      `payment ${input.connectorTransactionId} has more than ${MAX_PAGE_SIZE} refunds; refund ${input.merchantRefundId} is not among the first ${MAX_PAGE_SIZE} and cannot be ruled out`
    ))
  }
  return Result.succeed(Option.none())
}

/** The `from` of a `_links.next` href: the id of the first refund on the next page. */
export const nextCursor = (href: string): string | undefined => {
  try {
    const from = new URL(href, BASE_URL).searchParams.get("from")
    return from !== null && isRefundId(from) ? from : undefined
  } catch {
    return undefined
  }
}

/**
 * Reads one page of `GET /v2/refunds` (newest first): every refund as a snapshot (status, merchant refund id,
 * settlement evidence, metadata and raw object, like a status read), keeping those created in the window.
 * Refunds newer than the window are passed over; once a refund older than the window shows, the walk ends (no
 * `next`): everything after it is older still. Otherwise `next` is the `from` of Mollie's `_links.next`.
 * Creation times are whole seconds (`2018-03-14T17:09:02+00:00`), the same on every read, so consecutive
 * windows never list a refund twice.
 */
export const parseList = (
  response: ProcessorHttp.ProcessorResponse,
  input: Connector.ListRequest
): Result.Result<Connector.ListPage, RefundError.RefundErrorReason> => {
  const page = readPage(response)
  if (Result.isFailure(page)) return Result.fail(page.failure)
  const items = page.success._embedded.refunds
  if (items.length > input.pageSize) {
    return Result.fail(unexpected(`asked Mollie for ${input.pageSize} refunds, it answered ${items.length}`))
  }
  const refunds: Array<Refund.RefundSnapshot> = []
  let passedWindow = false
  for (const raw of items) {
    const refund = MollieSchema.decodeRefund(raw)
    if (Result.isFailure(refund)) return Result.fail(unexpected(`a listed refund is not a refund: ${refund.failure}`))
    const parsed = snapshot(refund.success, raw)
    if (Result.isFailure(parsed)) return Result.fail(parsed.failure)
    const createdAt = parsed.success.createdAt
    if (createdAt !== undefined && createdAt < input.window.from) {
      passedWindow = true
      continue
    }
    if (Connector.createdIn(parsed.success, input.window)) refunds.push(parsed.success)
  }
  const href = page.success._links?.next?.href
  if (passedWindow || href === undefined) return Result.succeed({ refunds })
  const next = nextCursor(href)
  if (next === undefined) return Result.fail(unexpected(`Mollie's next page link has no refund id to continue from: ${quoted(href)}`))
  return Result.succeed({ refunds, next })
}

// ---------------------------------------------------------------------------------------------
// The connector
// ---------------------------------------------------------------------------------------------

/** `Authorization: Bearer <API key>`, held Redacted until the core writes it. */
export const authorization = (c: MollieCredentials): Redacted.Redacted<string> =>
  Redacted.make(`Bearer ${Redacted.value(c.apiKey)}`, { label: "authorization" })

export const connector = Connector.make({
  id: "mollie",
  displayName: "Mollie",
  // Runs when the connector is bound: nothing is sent with a key of the wrong mode.
  validate: (c, environment) => keyEnvironmentProblem(Redacted.value(c.apiKey), environment),
  capabilities: {
    create: true,
    get: true,
    lookup: true,
    // GET /v2/payments/{id}/refunds lists a refund from its creation (queued and pending included).
    lookupFindsPending: true,
    webhooks: true,
    partialRefunds: true,
    // "amount … required" (create-refund): Mollie has no amount-less full refund.
    fullRefundWithoutAmount: false,
    // "failed: The refund has failed after processing. For example, the customer has closed his / her bank
    // account": a refund Mollie called refunded may still bounce [derived; see README].
    reportsReversals: true,
    cancellation: true,
    cancelRefund: true,
    list: true,
    reports: false
  },
  // One host: the key's prefix selects test or live mode (checked against the environment by `validate`).
  environments: { sandbox: BASE_URL, production: BASE_URL },
  credentials,
  auth: {
    _tag: "Static",
    headers: (c: MollieCredentials) => ({ Authorization: authorization(c) })
  },
  idempotencyKey: idempotencyKeyRules,
  secretHeaders: ["authorization"],
  create: { build: buildCreate, parse: parseCreate },
  get: { build: buildGet, parse: parseGet },
  lookup: { build: buildLookup, parse: parseLookup },
  cancel: { build: buildCancel, parse: parseCancel },
  list: { maxPageSize: MAX_PAGE_SIZE, lagMillis: LIST_LAG_MILLIS, page: { build: buildList, parse: parseList } },
  mapError: MollieError.mapError,
  retryHint: MollieError.retryHint,
  webhooks: MollieWebhook.webhooks
})

// ---------------------------------------------------------------------------------------------
// Layers
// ---------------------------------------------------------------------------------------------

/** The Mollie refund client, for code that wants Mollie specifically (generic code uses `RefundService`). */
export class MollieRefunds extends Context.Service<MollieRefunds, RefundClient.RefundClient>()("@refract/mollie/MollieRefunds") {}

export interface MollieOptions extends BoundConnector.CommonOptions {
  /** `test_…` for sandbox, `live_…` for production. Prefer `Redacted`. */
  readonly apiKey: string | Redacted.Redacted<string>
}

/** Maps {@link MollieOptions} onto core's generic connector options (classic webhooks need no secret). */
export const toConnectorOptions = (options: MollieOptions): BoundConnector.ConnectorOptions => ({
  ...BoundConnector.commonOptions(options),
  credentials: { apiKey: options.apiKey },
  webhookSecrets: {}
})

/**
 * Binds Mollie with explicit options, registers it in the `ConnectorRegistry` (for `RefundService`) and
 * provides {@link MollieRefunds}. Needs an `HttpClient` and a `ConnectorRegistry`.
 */
export const layer = (
  options: MollieOptions
): Layer.Layer<MollieRefunds, RefundError, ConnectorRegistry.ConnectorRegistry | HttpClient.HttpClient> =>
  ConnectorLayer.layer(MollieRefunds, connector, toConnectorOptions(options))

/**
 * Like {@link layer}, from configuration: `MOLLIE_API_KEY`, `MOLLIE_ENVIRONMENT` (sandbox | production) and
 * `MOLLIE_BASE_URL`, read by core's `ConnectorLayer.optionsConfig`. `overrides` win over configuration. A
 * missing variable fails with a `RefundError` (Configuration) naming it, never echoing a value.
 */
export const layerConfig = (
  overrides?: Partial<MollieOptions>
): Layer.Layer<MollieRefunds, RefundError | Config.ConfigError, ConnectorRegistry.ConnectorRegistry | HttpClient.HttpClient> =>
  ConnectorLayer.layerConfig(
    MollieRefunds,
    connector,
    overrides && { ...BoundConnector.commonOptions(overrides as MollieOptions), ...(overrides.apiKey !== undefined ? { credentials: { apiKey: overrides.apiKey } } : {}) }
  )
