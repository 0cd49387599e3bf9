/**
 * The GoCardless connector: refunds through `POST /refunds`, status through `GET /refunds/{id}`, lookup by
 * merchant refund id through `GET /refunds?payment=…` (the id is kept in the refund's metadata), listing
 * over a window of creation times through `GET /refunds?created_at[gte]&created_at[lt]&limit&after`
 * (reconciliation), and refund webhooks.
 *
 * Everything here is a pure description; `@refract/core` runs it (timeouts, retries, rate limits, tracing,
 * redaction).
 *
 *   Effect:   GoCardlessConnector.layer({ accessToken: Redacted.make(token), environment: "sandbox" })
 *             GoCardlessConnector.layerConfig()   // GOCARDLESS_ACCESS_TOKEN, GOCARDLESS_ENVIRONMENT, ...
 *   Promise:  new PaymentClient({ connector: "gocardless", credentials: { accessToken }, environment: "sandbox" })
 */
import { BoundConnector, ConnectorLayer, Connector, Money, ProcessorHttp, Refund, RefundError, Timestamp } from "@refract/core"
import type { ConnectorRegistry, Credentials, RefundClient } from "@refract/core"
import { Context, Layer, Option, Redacted, Result } from "effect"
import type { Config } from "effect"
import type { HttpClient } from "effect/http"
import * as GoCardlessError from "./GoCardlessError.ts"
import * as GoCardlessSchema from "./GoCardlessSchema.ts"
import * as GoCardlessWebhook from "./GoCardlessWebhook.ts"

/** gocardless-nodejs `esm/api/api.js`: live and sandbox hosts. */
export const BASE_URLS = { sandbox: "https://api-sandbox.gocardless.com", production: "https://api.gocardless.com" } as const
/** The `GoCardless-Version` every request carries (gocardless-nodejs `API_VERSION`). */
export const API_VERSION = "2015-07-06"

/** Credential fields. */
export const credentials = {
  accessToken: {
    secret: true,
    pattern: /^\S+$/,
    description: "a GoCardless access token (Dashboard → Developers → Create → Access token), read-write",
    env: "GOCARDLESS_ACCESS_TOKEN"
  }
} as const satisfies Credentials.CredentialSpec

export type GoCardlessCredentials = Credentials.Decoded<typeof credentials>

/**
 * Sandbox tokens begin `sandbox_` and live ones `live_` [observed prefixes, unconfirmed in GoCardless's
 * reference]: a token of the other environment is refused when the connector is bound. Tokens with
 * neither prefix are let through (the processor decides). The message names the variable, never a value.
 */
export const tokenEnvironmentProblem = (token: string, environment: Connector.Environment): string | undefined => {
  if (environment === "production" && token.startsWith("sandbox_")) {
    return "the production environment needs a live access token; GOCARDLESS_ACCESS_TOKEN is a sandbox token"
  }
  if (environment === "sandbox" && token.startsWith("live_")) {
    return "the sandbox environment needs a sandbox access token; GOCARDLESS_ACCESS_TOKEN is a live token"
  }
  return undefined
}

// ---------------------------------------------------------------------------------------------
// Request builders
// ---------------------------------------------------------------------------------------------

/** A GoCardless payment id: "Unique identifier, beginning with PM" (upper-case letters and digits). */
export const isPaymentId = (id: string): boolean => /^PM[0-9A-Z]{4,30}$/.test(id)
/** A GoCardless refund id: "Unique identifier, beginning with RF". */
export const isRefundId = (id: string): boolean => /^RF[0-9A-Z]{4,30}$/.test(id)

const quoted = (value: string): string => JSON.stringify(value.slice(0, 64))

const invalid = (message: string, field: string) => Result.fail(new RefundError.InvalidRequest({ message, field }))

const invalidPayment = (id: string) => invalid(`a GoCardless payment id is PM followed by upper-case letters or digits, got ${quoted(id)}`, "connectorTransactionId")

/** The metadata key that carries the merchant refund id (set on create, read by lookup and parsers). */
export const MERCHANT_REFUND_ID_KEY = "merchant_refund_id"
/**
 * An input metadata key the builder consumes instead of sending: the payment's total refunded amount
 * including this refund, in minor units (GoCardless `total_amount_confirmation`). Absent, the builder
 * sends this refund's amount, which is right for a payment's first refund.
 */
export const TOTAL_CONFIRMATION_KEY = "gocardless_total_amount_confirmation"
/** "Up to 3 keys are permitted, with key names up to 50 characters and values up to 500 characters." */
export const MAX_METADATA_KEYS = 3
export const MAX_METADATA_KEY_LENGTH = 50
export const MAX_METADATA_VALUE_LENGTH = 500

const characters = (text: string): number => [...text].length

/**
 * GoCardless answers a create sent again under a used `Idempotency-Key` with a 409 naming the refund it
 * made, never with the first answer, so it does not replay creates in the contract's sense: declared as
 * `windowMillis: 0`. The core then never sends a create again once one may have reached GoCardless and
 * resolves an unknown outcome through {@link buildLookup} (the merchant refund id in the metadata). The key
 * is still sent as `Idempotency-Key`, so a resend by anyone else is refused, not doubled. Keys: GoCardless
 * publishes no limits; the SDK sends UUIDs (36 characters); 64 of `[A-Za-z0-9_:.-]` declared [unconfirmed].
 */
export const idempotencyKeyRules: Connector.IdempotencyKeyRules = {
  maxLength: 64,
  pattern: /^[A-Za-z0-9_:.-]{1,64}$/,
  windowMillis: 0
}

export const IDEMPOTENCY_HEADER = "Idempotency-Key"

/**
 * The metadata sent: `merchant_refund_id` first, then the caller's keys sorted (at most 3 in all, names up
 * to 50 and values up to 500 characters), without {@link TOTAL_CONFIRMATION_KEY}.
 */
export const metadataOf = (
  merchantRefundId: string,
  metadata: Readonly<Record<string, string>> | undefined
): Result.Result<Readonly<Record<string, string>>, RefundError.RefundErrorReason> => {
  const out: Record<string, string> = { [MERCHANT_REFUND_ID_KEY]: merchantRefundId }
  const entries = Object.entries(metadata ?? {}).toSorted(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  for (const [key, value] of entries) {
    if (key === TOTAL_CONFIRMATION_KEY) continue
    if (key === MERCHANT_REFUND_ID_KEY) {
      if (value !== merchantRefundId) return invalid(`metadata key ${MERCHANT_REFUND_ID_KEY} is reserved for the merchant refund id`, "metadata")
      continue
    }
    if (key.trim() === "") return invalid("metadata keys must not be empty", "metadata")
    if (characters(key) > MAX_METADATA_KEY_LENGTH) return invalid(`metadata key ${quoted(key)} is longer than ${MAX_METADATA_KEY_LENGTH} characters`, "metadata")
    if (characters(value) > MAX_METADATA_VALUE_LENGTH) {
      return invalid(`metadata value of ${quoted(key)} is longer than ${MAX_METADATA_VALUE_LENGTH} characters`, "metadata")
    }
    out[key] = value
  }
  if (Object.keys(out).length > MAX_METADATA_KEYS) {
    return invalid(`GoCardless keeps at most ${MAX_METADATA_KEYS} metadata keys, ${MERCHANT_REFUND_ID_KEY} included`, "metadata")
  }
  return Result.succeed(out)
}

/** `total_amount_confirmation`: the caller's {@link TOTAL_CONFIRMATION_KEY}, else the refund's own amount. */
export const totalConfirmationOf = (amount: number, metadata: Readonly<Record<string, string>> | undefined): Result.Result<number, RefundError.RefundErrorReason> => {
  const given = metadata !== undefined && Object.hasOwn(metadata, TOTAL_CONFIRMATION_KEY) ? metadata[TOTAL_CONFIRMATION_KEY] : undefined
  if (given === undefined) return Result.succeed(amount)
  if (!/^(?:0|[1-9]\d{0,14})$/.test(given) || Number(given) < amount) {
    return invalid(`metadata ${TOTAL_CONFIRMATION_KEY} is the payment's total refunded amount including this refund, in minor units (at least ${amount}), got ${quoted(given)}`, "metadata")
  }
  return Result.succeed(Number(given))
}

/**
 * `POST /refunds` with `{"refunds": {amount, total_amount_confirmation, metadata, links: {payment}}}` and the
 * `Idempotency-Key` header. GoCardless takes no currency (the payment's is used), requires an amount and has
 * no refund reason field; `reference` (the customer's bank statement text) is left to GoCardless's default,
 * as setting it is restricted by scheme and plan.
 */
export const buildCreate = (
  input: Refund.CreateRefundRequest,
  context: Connector.CreateContext<GoCardlessCredentials>
): Result.Result<ProcessorHttp.ProcessorRequest, RefundError.RefundErrorReason> => {
  if (!isPaymentId(input.connectorTransactionId)) return invalidPayment(input.connectorTransactionId)
  if (input.amount === undefined) return invalid("GoCardless refunds need an amount (the API has no full-refund default)", "amount")
  const metadata = metadataOf(input.merchantRefundId, input.metadata)
  if (Result.isFailure(metadata)) return Result.fail(metadata.failure)
  const confirmation = totalConfirmationOf(input.amount.amount, input.metadata)
  if (Result.isFailure(confirmation)) return Result.fail(confirmation.failure)
  return Result.succeed({
    method: "POST",
    path: "/refunds",
    headers: { [IDEMPOTENCY_HEADER]: context.idempotencyKey },
    body: ProcessorHttp.json({
      refunds: {
        amount: input.amount.amount,
        total_amount_confirmation: confirmation.success,
        metadata: metadata.success,
        links: { payment: input.connectorTransactionId }
      }
    })
  })
}

export const buildGet = (
  input: Refund.RefundReference,
  _context: Connector.BuildContext<GoCardlessCredentials>
): Result.Result<ProcessorHttp.ProcessorRequest, RefundError.RefundErrorReason> =>
  isRefundId(input.connectorRefundId)
    ? Result.succeed({ method: "GET", path: `/refunds/${ProcessorHttp.segment(input.connectorRefundId)}` })
    : invalid(`a GoCardless refund id is RF followed by upper-case letters or digits, got ${quoted(input.connectorRefundId)}`, "connectorRefundId")

/** GoCardless's largest page (`limit` ≤ 500). */
export const LIST_PAGE_SIZE = 500

/**
 * `GET /refunds?payment=<id>&limit=500`: the payment's refunds, newest first. A payment has few refunds
 * (GoCardless limits them: `number_of_refunds_exceeded`), so one page holds them all.
 */
export const buildLookup = (
  input: Connector.LookupRequest,
  _context: Connector.BuildContext<GoCardlessCredentials>
): Result.Result<ProcessorHttp.ProcessorRequest, RefundError.RefundErrorReason> =>
  isPaymentId(input.connectorTransactionId)
    ? Result.succeed({ method: "GET", path: "/refunds", query: { payment: input.connectorTransactionId, limit: String(LIST_PAGE_SIZE) } })
    : invalidPayment(input.connectorTransactionId)

/** GoCardless publishes nothing on how soon a refund is listed; a minute is declared [unconfirmed]. */
export const LIST_LAG_MILLIS = 60_000

const cursorPattern = /^RF[0-9A-Z]{4,30}$/

/**
 * `GET /refunds?created_at[gte]=<from>&created_at[lt]=<to>&limit=<n>[&after=<cursor>]`, ISO 8601 with
 * milliseconds. GoCardless's cursor is the id of the last refund of the previous page (`meta.cursors.after`),
 * which stays valid across a restart. The parser keeps only refunds created in [from, to).
 */
export const buildList = (
  input: Connector.ListRequest,
  _context: Connector.BuildContext<GoCardlessCredentials>
): Result.Result<ProcessorHttp.ProcessorRequest, RefundError.RefundErrorReason> => {
  const { from, to } = input.window
  const fromIso = Timestamp.fromEpochMillis(from)
  const toIso = Timestamp.fromEpochMillis(to)
  if (fromIso === undefined || toIso === undefined || from >= to) return invalid(`a listing window needs from < to (epoch ms), got [${from}, ${to})`, "window")
  if (!Number.isInteger(input.pageSize) || input.pageSize < 1 || input.pageSize > LIST_PAGE_SIZE) {
    return invalid(`a page holds 1 to ${LIST_PAGE_SIZE} refunds, got ${input.pageSize}`, "pageSize")
  }
  if (input.cursor !== undefined && !cursorPattern.test(input.cursor)) return invalid(`a GoCardless listing cursor is a refund id, got ${quoted(input.cursor)}`, "cursor")
  return Result.succeed({
    method: "GET",
    path: "/refunds",
    query: {
      "created_at[gte]": new Date(from).toISOString(),
      "created_at[lt]": new Date(to).toISOString(),
      limit: String(input.pageSize),
      ...(input.cursor !== undefined ? { after: input.cursor } : {})
    }
  })
}

// ---------------------------------------------------------------------------------------------
// Response parsers
// ---------------------------------------------------------------------------------------------

const unexpected = (message: string) => new RefundError.UnexpectedResponse({ message })

/**
 * Settlement evidence: the refund's `reference` is the text "displayed on your customer's bank statement",
 * the trace a customer looks for. GoCardless's refund resource carries no settlement time or payout id (a
 * paid refund "has been included in a payout", found through the payout items API, not here).
 */
export const settlementOf = (refund: GoCardlessSchema.Refund): Refund.Settlement | undefined => {
  const reference = refund.reference?.trim()
  return reference === undefined || reference === "" ? undefined : new Refund.Settlement({ traceReference: reference, traceReferenceType: "bank_reference" })
}

/** The refund's metadata as strings (GoCardless keeps strings only). */
const stringMetadata = (metadata: GoCardlessSchema.Refund["metadata"]): Readonly<Record<string, string>> => {
  const out: Record<string, string> = {}
  if (metadata === null || metadata === undefined) return out
  for (const [key, value] of Object.entries(metadata)) if (typeof value === "string") out[key] = value
  return out
}

/** A refund resource (already decoded) → a snapshot with its metadata and raw object. */
export const toSnapshot = (refund: GoCardlessSchema.Refund, raw: unknown): Result.Result<Refund.RefundSnapshot, string> => {
  const money = Money.fromMinor(refund.amount, refund.currency)
  if (Result.isFailure(money)) return Result.fail(`refund ${refund.id}: ${Money.describeProblem(money.failure)}`)
  const { status, rawStatus } = GoCardlessWebhook.statusOf(refund.status)
  const metadata = stringMetadata(refund.metadata)
  const payment = refund.links?.payment ?? undefined
  try {
    const snapshot = new Refund.RefundSnapshot({
      connectorRefundId: refund.id,
      ...(payment !== undefined ? { connectorTransactionId: payment } : {}),
      merchantRefundId: Object.hasOwn(metadata, MERCHANT_REFUND_ID_KEY) ? metadata[MERCHANT_REFUND_ID_KEY] : undefined,
      amount: money.success,
      status,
      rawStatus,
      createdAt: Timestamp.fromIsoString(refund.created_at),
      settlement: settlementOf(refund)
    })
    return Result.succeed(Refund.withProcessorData(snapshot, { metadata: Refund.metadataOf(metadata, [MERCHANT_REFUND_ID_KEY]), raw }))
  } catch (error) {
    return Result.fail(`refund ${refund.id}: ${error instanceof Error ? error.message.replace(/\s+/g, " ") : "invalid"}`)
  }
}

const readRefund = (raw: unknown, what: string): Result.Result<Refund.RefundSnapshot, RefundError.RefundErrorReason> => {
  const decoded = GoCardlessSchema.decodeRefund(raw)
  if (Result.isFailure(decoded)) return Result.fail(unexpected(`${what} is not a GoCardless refund: ${decoded.failure}`))
  const snapshot = toSnapshot(decoded.success, raw)
  return Result.isFailure(snapshot) ? Result.fail(unexpected(snapshot.failure)) : Result.succeed(snapshot.success)
}

const readEnvelope = (response: ProcessorHttp.ProcessorResponse): Result.Result<Refund.RefundSnapshot, RefundError.RefundErrorReason> => {
  const envelope = GoCardlessSchema.decodeRefundEnvelope(ProcessorHttp.parseJson(response.body))
  if (Result.isFailure(envelope)) return Result.fail(unexpected(`GoCardless answered ${response.status} without {"refunds": …}: ${envelope.failure}`))
  return readRefund(envelope.success.refunds, `GoCardless's ${response.status} answer`)
}

/**
 * Reads the created refund. It must be of the payment asked for and in the currency asked for: GoCardless
 * refunds in the payment's currency, so a mismatch means the amount was read in another currency's units.
 */
export const parseCreate = (
  response: ProcessorHttp.ProcessorResponse,
  input: Refund.CreateRefundRequest
): Result.Result<Refund.RefundSnapshot, RefundError.RefundErrorReason> => {
  const read = readEnvelope(response)
  if (Result.isFailure(read)) return read
  const r = read.success
  if (r.connectorTransactionId !== undefined && r.connectorTransactionId !== input.connectorTransactionId) {
    return Result.fail(unexpected(`refunded payment ${input.connectorTransactionId}, GoCardless answered refund ${r.connectorRefundId} of payment ${r.connectorTransactionId}`))
  }
  if (input.amount !== undefined && r.amount !== undefined && r.amount.currency !== input.amount.currency) {
    return Result.fail(unexpected(
      `refund ${r.connectorRefundId} was created in ${r.amount.currency} (the payment's currency), the request said ${input.amount.currency}: check the refund at GoCardless`
    ))
  }
  return Result.succeed(r)
}

export const parseGet = (
  response: ProcessorHttp.ProcessorResponse,
  input: Refund.RefundReference
): Result.Result<Refund.RefundSnapshot, RefundError.RefundErrorReason> => {
  const read = readEnvelope(response)
  if (Result.isFailure(read)) return read
  if (read.success.connectorRefundId !== input.connectorRefundId) {
    return Result.fail(unexpected(`asked GoCardless for refund ${input.connectorRefundId}, it answered ${read.success.connectorRefundId}`))
  }
  return read
}

const readList = (response: ProcessorHttp.ProcessorResponse) => {
  const json = ProcessorHttp.parseJson(response.body)
  const decoded = GoCardlessSchema.decodeRefundList(json)
  return Result.isFailure(decoded) ? Result.fail(unexpected(`GoCardless answered ${response.status} with a body that is not a refund list: ${decoded.failure}`)) : Result.succeed(decoded.success)
}

/** The payment's refund whose metadata carries the merchant refund id, if any. */
export const parseLookup = (
  response: ProcessorHttp.ProcessorResponse,
  input: Connector.LookupRequest
): Result.Result<Option.Option<Refund.RefundSnapshot>, RefundError.RefundErrorReason> => {
  const list = readList(response)
  if (Result.isFailure(list)) return Result.fail(list.failure)
  for (const raw of list.success.refunds) {
    const read = readRefund(raw, "an entry of GoCardless's refund list")
    if (Result.isFailure(read)) return Result.fail(read.failure)
    if (read.success.merchantRefundId === input.merchantRefundId && (read.success.connectorTransactionId ?? input.connectorTransactionId) === input.connectorTransactionId) {
      return Result.succeed(Option.some(read.success))
    }
  }
  // Not on this page, and GoCardless says there is another: "none" would be a guess (and could lead to a
  // second refund), so it is not answered.
  const after = list.success.meta.cursors.after
  if (after !== null && after !== undefined && after !== "") {
    return Result.fail(unexpected(`payment ${input.connectorTransactionId} has more than ${LIST_PAGE_SIZE} refunds: the lookup cannot prove ${quoted(input.merchantRefundId)} is not among them`))
  }
  return Result.succeed(Option.none())
}

/** One listing page: the refunds created in the window, and `meta.cursors.after` as the next cursor. */
export const parseList = (
  response: ProcessorHttp.ProcessorResponse,
  input: Connector.ListRequest
): Result.Result<Connector.ListPage, RefundError.RefundErrorReason> => {
  const list = readList(response)
  if (Result.isFailure(list)) return Result.fail(list.failure)
  const refunds: Array<Refund.RefundSnapshot> = []
  for (const raw of list.success.refunds) {
    const read = readRefund(raw, "an entry of GoCardless's refund list")
    if (Result.isFailure(read)) return Result.fail(read.failure)
    if (Connector.createdIn(read.success, input.window)) refunds.push(read.success)
  }
  const after = list.success.meta.cursors.after ?? undefined
  if (after !== undefined && !cursorPattern.test(after)) return Result.fail(unexpected(`GoCardless's next cursor ${quoted(after)} is not a refund id`))
  return Result.succeed({ refunds, ...(after !== undefined && list.success.refunds.length > 0 ? { next: after } : {}) })
}

// ---------------------------------------------------------------------------------------------
// The connector
// ---------------------------------------------------------------------------------------------

/** `Authorization: Bearer <token>`, held Redacted until the core writes it. */
export const authorization = (c: GoCardlessCredentials): Redacted.Redacted<string> =>
  Redacted.make(`Bearer ${Redacted.value(c.accessToken)}`, { label: "authorization" })

export const connector = Connector.make({
  id: "gocardless",
  displayName: "GoCardless",
  validate: (c, environment) => tokenEnvironmentProblem(Redacted.value(c.accessToken), environment),
  capabilities: {
    create: true,
    get: true,
    lookup: true,
    // GET /refunds lists a refund from its creation (status `created`).
    lookupFindsPending: true,
    webhooks: true,
    partialRefunds: true,
    // `amount` is required (gocardless-nodejs RefundCreateRequest: `amount: number`).
    fullRefundWithoutAmount: false,
    // `bounced` / `funds_returned` can follow `paid`.
    reportsReversals: true,
    cancellation: true,
    // No refund cancel endpoint (refunds: create, list, get, update).
    cancelRefund: false,
    list: true,
    reports: false
  },
  environments: BASE_URLS,
  credentials,
  auth: {
    _tag: "Static",
    headers: (c: GoCardlessCredentials) => ({ Authorization: authorization(c), "GoCardless-Version": API_VERSION })
  },
  idempotencyKey: idempotencyKeyRules,
  secretHeaders: ["authorization"],
  // 1000 requests a minute (RateLimit-Limit), i.e. 16.7 a second: 16 declared to stay under it.
  rateLimit: { requestsPerSecond: 16 },
  create: { build: buildCreate, parse: parseCreate },
  get: { build: buildGet, parse: parseGet },
  lookup: { build: buildLookup, parse: parseLookup },
  list: { maxPageSize: LIST_PAGE_SIZE, lagMillis: LIST_LAG_MILLIS, page: { build: buildList, parse: parseList } },
  mapError: GoCardlessError.mapError,
  retryHint: GoCardlessError.retryHint,
  webhooks: GoCardlessWebhook.webhooks
})

// ---------------------------------------------------------------------------------------------
// Layers
// ---------------------------------------------------------------------------------------------

/** The GoCardless refund client, for code that wants GoCardless specifically (generic code uses `RefundService`). */
export class GoCardlessRefunds extends Context.Service<GoCardlessRefunds, RefundClient.RefundClient>()("@refract/gocardless/GoCardlessRefunds") {}

export interface GoCardlessOptions extends BoundConnector.CommonOptions {
  /** The access token (`sandbox_…` for sandbox). Prefer `Redacted`. */
  readonly accessToken: string | Redacted.Redacted<string>
  /** The webhook endpoint's secret, for processes that receive webhooks. */
  readonly webhookSecret?: string | Redacted.Redacted<string> | undefined
}

/** Maps {@link GoCardlessOptions} onto core's generic connector options. */
export const toConnectorOptions = (options: GoCardlessOptions): BoundConnector.ConnectorOptions => ({
  ...BoundConnector.commonOptions(options),
  credentials: { accessToken: options.accessToken },
  webhookSecrets: options.webhookSecret !== undefined ? { webhookSecret: options.webhookSecret } : undefined
})

/**
 * Binds GoCardless with explicit options, registers it in the `ConnectorRegistry` (for `RefundService`) and
 * provides {@link GoCardlessRefunds}. Needs an `HttpClient` and a `ConnectorRegistry`.
 */
export const layer = (
  options: GoCardlessOptions
): Layer.Layer<GoCardlessRefunds, RefundError, ConnectorRegistry.ConnectorRegistry | HttpClient.HttpClient> =>
  ConnectorLayer.layer(GoCardlessRefunds, connector, toConnectorOptions(options))

/**
 * Like {@link layer}, from configuration: `GOCARDLESS_ACCESS_TOKEN`, `GOCARDLESS_WEBHOOK_SECRET`,
 * `GOCARDLESS_ENVIRONMENT` (sandbox | production) and `GOCARDLESS_BASE_URL`, read by core's
 * `ConnectorLayer.optionsConfig`. `overrides` win over configuration.
 */
export const layerConfig = (
  overrides?: Partial<GoCardlessOptions>
): Layer.Layer<GoCardlessRefunds, RefundError | Config.ConfigError, ConnectorRegistry.ConnectorRegistry | HttpClient.HttpClient> =>
  ConnectorLayer.layerConfig(GoCardlessRefunds, connector, overrides && toConnectorOptions(overrides as GoCardlessOptions))
