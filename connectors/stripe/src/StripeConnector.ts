/**
 * The Stripe connector: refunds through `POST /v1/refunds`, status through `GET /v1/refunds/{id}`,
 * lookup by merchant refund id through `GET /v1/refunds?charge=…|payment_intent=…`, cancel through
 * `POST /v1/refunds/{id}/cancel` (only `requires_action` refunds), listing over a window of creation
 * times through `GET /v1/refunds?created[gte]=…&created[lt]=…` (reconciliation), and refund webhooks.
 *
 * Everything here is a pure description; `@refract/core` runs it (timeouts, retries with the same
 * `Idempotency-Key`, rate limits, tracing, redaction).
 *
 *   Effect:   StripeConnector.layer({ apiKey: Redacted.make(key), environment: "sandbox" })
 *             StripeConnector.layerConfig()        // STRIPE_API_KEY, STRIPE_ACCOUNT, STRIPE_ENVIRONMENT, ...
 *   Promise:  new PaymentClient({ connector: "stripe", apiKey, environment: "sandbox" })
 */
import { ConnectorLayer, Connector, ProcessorHttp, RefundError, Timestamp } from "@refract/core"
import { BoundConnector, Refund } from "@refract/core"
import type { ConnectorRegistry, Credentials, RefundClient } from "@refract/core"
import { Context, Layer, Option, Redacted, Result } from "effect"
import type { Config } from "effect"
import type { HttpClient } from "effect/http"
import * as StripeError from "./StripeError.ts"
import * as StripeSchema from "./StripeSchema.ts"
import * as StripeWebhook from "./StripeWebhook.ts"

/**
 * The API version every request pins with `Stripe-Version` (the version stripe-node 23.1.0 pins).
 * Pinning keeps the refund object's shape stable whatever the account's default version is.
 */
export const STRIPE_API_VERSION = "2026-10-28.endive"

export const BASE_URL = "https://api.stripe.com"

/** Stripe's documented global limit in test mode (live mode allows 100 requests per second). */
export const SANDBOX_REQUESTS_PER_SECOND = 25

/** Credential fields. */
export const credentials = {
  apiKey: {
    secret: true,
    pattern: /^(sk|rk)_(test|live)_[A-Za-z0-9_]+$/,
    description: "a Stripe secret or restricted key (sk_test_…, sk_live_…, rk_…)",
    env: "STRIPE_API_KEY"
  },
  stripeAccount: {
    secret: false,
    optional: true,
    pattern: /^acct_[A-Za-z0-9]+$/,
    description: "a connected account id (acct_…) to act for with Stripe Connect, sent as the Stripe-Account header",
    env: "STRIPE_ACCOUNT"
  }
} as const satisfies Credentials.CredentialSpec

export type StripeCredentials = Credentials.Decoded<typeof credentials>

// ---------------------------------------------------------------------------------------------
// Key mode vs environment
// ---------------------------------------------------------------------------------------------

/** "test" or "live" from a key's prefix; undefined for anything else. */
export const keyMode = (key: string): "test" | "live" | undefined => {
  const match = /^(?:sk|rk)_(test|live)_/.exec(key)
  return match === null ? undefined : (match[1] as "test" | "live")
}

/**
 * Stripe has one host for both modes; the key's prefix selects test or live mode. Production must
 * use a live key and sandbox a test key, so a test key never "refunds" in production and a live key
 * never moves real money from a sandbox setup. The message names the mode, never the key.
 */
export const keyEnvironmentProblem = (
  key: string | Redacted.Redacted<string> | undefined,
  environment: Connector.Environment
): RefundError.Configuration | undefined => {
  if (key === undefined) return undefined
  const mode = keyMode(typeof key === "string" ? key : Redacted.value(key))
  if (mode === undefined) return undefined // malformed keys are reported by the credential spec
  if (environment === "production" && mode === "test") {
    return new RefundError.Configuration({
      message: "the production environment needs a live-mode key (sk_live_… or rk_live_…); STRIPE_API_KEY is a test-mode key"
    })
  }
  if (environment === "sandbox" && mode === "live") {
    return new RefundError.Configuration({
      message: "the sandbox environment needs a test-mode key (sk_test_… or rk_test_…); STRIPE_API_KEY is a live-mode key"
    })
  }
  return undefined
}


// ---------------------------------------------------------------------------------------------
// Request builders
// ---------------------------------------------------------------------------------------------

/** Which create parameter a payment id goes in: `ch_`/`py_` are charges, `pi_` payment intents. */
export const paymentParameter = (transactionId: string): "charge" | "payment_intent" | undefined =>
  /^(?:ch|py)_[A-Za-z0-9_]+$/.test(transactionId)
    ? "charge"
    : /^pi_[A-Za-z0-9_]+$/.test(transactionId)
    ? "payment_intent"
    : undefined

const invalidTransaction = (transactionId: string) =>
  new RefundError.InvalidRequest({
    message: `a Stripe payment id is a charge (ch_…, py_…) or a payment intent (pi_…), got ${JSON.stringify(transactionId.slice(0, 64))}`,
    field: "connectorTransactionId"
  })

export const isRefundId = (id: string): boolean => /^(?:re|pyr)_[A-Za-z0-9_]+$/.test(id)

/** Stripe's metadata limits: 50 keys, keys up to 40 characters without square brackets, values up to 500. */
const MAX_METADATA_KEYS = 50
const MAX_METADATA_KEY_LENGTH = 40
const MAX_METADATA_VALUE_LENGTH = 500

/** The metadata key that carries the merchant refund id (used by lookup and webhooks). */
export const MERCHANT_REFUND_ID_KEY = "merchant_refund_id"

const invalidMetadata = (message: string) => Result.fail(new RefundError.InvalidRequest({ message, field: "metadata" }))

const metadataFields = (
  merchantRefundId: string,
  metadata: Readonly<Record<string, string>> | undefined
): Result.Result<ReadonlyArray<readonly [string, string]>, RefundError.RefundErrorReason> => {
  const fields: Array<readonly [string, string]> = [[`metadata[${MERCHANT_REFUND_ID_KEY}]`, merchantRefundId]]
  const entries = Object.entries(metadata ?? {})
  if (entries.filter(([k]) => k !== MERCHANT_REFUND_ID_KEY).length + 1 > MAX_METADATA_KEYS) {
    return invalidMetadata(`Stripe accepts at most ${MAX_METADATA_KEYS} metadata keys, ${MERCHANT_REFUND_ID_KEY} included`)
  }
  for (const [key, value] of entries) {
    if (key === MERCHANT_REFUND_ID_KEY) {
      if (value !== merchantRefundId) return invalidMetadata(`metadata key ${MERCHANT_REFUND_ID_KEY} is reserved for the merchant refund id`)
      continue
    }
    if (key === "" || key.length > MAX_METADATA_KEY_LENGTH || /[[\]]/.test(key)) {
      return invalidMetadata(`metadata key ${JSON.stringify(key.slice(0, 64))} must be 1 to ${MAX_METADATA_KEY_LENGTH} characters without square brackets`)
    }
    if (value.length > MAX_METADATA_VALUE_LENGTH) {
      return invalidMetadata(`metadata value of ${JSON.stringify(key)} is longer than ${MAX_METADATA_VALUE_LENGTH} characters`)
    }
    fields.push([`metadata[${key}]`, value])
  }
  return Result.succeed(fields)
}

/** The refund reasons Stripe accepts; "other" is not one of them and is left out. */
const stripeReason = (reason: Refund.RefundReason | undefined): string | undefined =>
  reason === "duplicate" || reason === "fraudulent" || reason === "requested_by_customer" ? reason : undefined

export const buildCreate = (
  input: Refund.CreateRefundRequest,
  context: Connector.CreateContext<StripeCredentials>
): Result.Result<ProcessorHttp.ProcessorRequest, RefundError.RefundErrorReason> => {
  const parameter = paymentParameter(input.connectorTransactionId)
  if (parameter === undefined) return Result.fail(invalidTransaction(input.connectorTransactionId))
  const mismatch = input.amount === undefined ? undefined : StripeSchema.scaleMismatchOf(input.amount.currency)
  if (mismatch !== undefined) {
    return Result.fail(new RefundError.InvalidRequest({
      message: `${input.amount?.currency} refunds are not supported through Refract: ${mismatch}, so the amount would be off by a factor of 100`,
      field: "amount"
    }))
  }
  const metadata = metadataFields(input.merchantRefundId, input.metadata)
  if (Result.isFailure(metadata)) return Result.fail(metadata.failure)
  const reason = stripeReason(input.reason)
  const fields: Array<readonly [string, string]> = [
    [parameter, input.connectorTransactionId],
    // No `currency`: Stripe refunds in the charge's currency and refuses the parameter on refunds of
    // charges and payment intents (400 parameter_unknown; stripe/stripe-node#1804, stripe/stripe-dotnet#2786).
    // No amount: Stripe refunds what remains of the charge ("Defaults to the entire charge amount").
    ...(input.amount !== undefined ? [["amount", String(input.amount.amount)] as const] : []),
    ...(reason !== undefined ? [["reason", reason] as const] : []),
    ...metadata.success
  ]
  return Result.succeed({
    method: "POST",
    path: "/v1/refunds",
    headers: { "Idempotency-Key": context.idempotencyKey },
    body: ProcessorHttp.form(fields)
  })
}

export const buildGet = (
  input: Refund.RefundReference,
  _context: Connector.BuildContext<StripeCredentials>
): Result.Result<ProcessorHttp.ProcessorRequest, RefundError.RefundErrorReason> => {
  if (!isRefundId(input.connectorRefundId)) {
    return Result.fail(
      new RefundError.InvalidRequest({
        message: `a Stripe refund id starts with re_ or pyr_, got ${JSON.stringify(input.connectorRefundId.slice(0, 64))}`,
        field: "connectorRefundId"
      })
    )
  }
  return Result.succeed({ method: "GET", path: `/v1/refunds/${ProcessorHttp.segment(input.connectorRefundId)}` })
}

/**
 * `POST /v1/refunds/{id}/cancel` with an empty form body ("Cancels a refund with a status of
 * requires_action. You can't cancel refunds in other states", stripe-node `Refunds.cancel`; its only
 * parameter is `expand`). Stripe takes `Idempotency-Key` on every POST: the core's per-call key makes a
 * retry after a lost answer get the first answer back. A later, separate cancel of a cancelled refund
 * is refused (400 `invalid_request_error`), never applied twice.
 */
export const buildCancel = (
  input: Refund.RefundReference,
  context: Connector.CancelContext<StripeCredentials>
): Result.Result<ProcessorHttp.ProcessorRequest, RefundError.RefundErrorReason> => {
  const get = buildGet(input, context)
  if (Result.isFailure(get)) return get
  return Result.succeed({
    method: "POST",
    path: `${get.success.path}/cancel`,
    headers: { "Idempotency-Key": context.idempotencyKey },
    body: ProcessorHttp.form([])
  })
}

/** Stripe's page size maximum. */
export const LOOKUP_PAGE_SIZE = 100

export const buildLookup = (
  input: Connector.LookupRequest,
  _context: Connector.BuildContext<StripeCredentials>
): Result.Result<ProcessorHttp.ProcessorRequest, RefundError.RefundErrorReason> => {
  const parameter = paymentParameter(input.connectorTransactionId)
  if (parameter === undefined) return Result.fail(invalidTransaction(input.connectorTransactionId))
  return Result.succeed({
    method: "GET",
    path: "/v1/refunds",
    query: { [parameter]: input.connectorTransactionId, limit: String(LOOKUP_PAGE_SIZE) }
  })
}

/** `limit` "can range between 1 and 100" (stripe-node `PaginationParams`). */
export const LIST_PAGE_SIZE = 100

/**
 * Whole unix seconds at or after `millis`: Stripe's `created` is whole seconds, so a refund created at
 * second `s` is at or after `millis` exactly when `s >= ceil(millis / 1000)`. The core aligns windows to
 * whole seconds, where this is a plain division.
 */
export const unixSecondsCeil = (millis: number): number => Math.ceil(millis / 1000)

const invalidList = (message: string, field: string) => Result.fail(new RefundError.InvalidRequest({ message, field }))

/** A listing request the processor can answer: a non-empty window of finite times, a page size in 1..max. */
const listProblem = (input: Connector.ListRequest, maxPageSize: number) => {
  const { from, to } = input.window
  if (!Number.isFinite(from) || !Number.isFinite(to) || from < 0 || from >= to) {
    return invalidList(`a listing window needs 0 <= from < to (epoch ms), got [${from}, ${to})`, "window")
  }
  if (!Number.isInteger(input.pageSize) || input.pageSize < 1 || input.pageSize > maxPageSize) {
    return invalidList(`a page holds 1 to ${maxPageSize} refunds, got ${input.pageSize}`, "pageSize")
  }
  return undefined
}

/**
 * `GET /v1/refunds?created[gte]=<from s>&created[lt]=<to s>&limit=<n>[&starting_after=<cursor>]`
 * (stripe-node `RefundListParams`: `created` is a `RangeQueryParam` whose `gte` is inclusive and `lt`
 * exclusive, the window's own bounds). Stripe lists newest first; the cursor is the last refund id of
 * the previous page (`starting_after`), which stays valid as long as the refund exists: across restarts too.
 */
export const buildList = (
  input: Connector.ListRequest,
  _context: Connector.BuildContext<StripeCredentials>
): Result.Result<ProcessorHttp.ProcessorRequest, RefundError.RefundErrorReason> => {
  const problem = listProblem(input, LIST_PAGE_SIZE)
  if (problem !== undefined) return problem
  if (input.cursor !== undefined && !isRefundId(input.cursor)) {
    return invalidList(`a Stripe listing cursor is a refund id (re_…, pyr_…), got ${JSON.stringify(input.cursor.slice(0, 64))}`, "cursor")
  }
  return Result.succeed({
    method: "GET",
    path: "/v1/refunds",
    query: {
      "created[gte]": String(unixSecondsCeil(input.window.from)),
      "created[lt]": String(unixSecondsCeil(input.window.to)),
      limit: String(input.pageSize),
      ...(input.cursor !== undefined ? { starting_after: input.cursor } : {})
    }
  })
}

// ---------------------------------------------------------------------------------------------
// Response parsers
// ---------------------------------------------------------------------------------------------

const unexpected = (message: string) => new RefundError.UnexpectedResponse({ message })

/** The refund an answer carries, and the answer's JSON (parsed once: it is also the snapshot's raw object). */
const readRefund = (response: ProcessorHttp.ProcessorResponse) => {
  const json = ProcessorHttp.parseJson(response.body)
  const decoded = StripeSchema.decodeRefund(json)
  return Result.isFailure(decoded)
    ? Result.fail(unexpected(`Stripe answered ${response.status} with a body that is not a refund: ${decoded.failure}`))
    : Result.succeed({ refund: decoded.success, json })
}

/** The refund's metadata as the caller set it (without {@link MERCHANT_REFUND_ID_KEY}) and its raw object. */
export const processorData = (raw: unknown) => ({
  metadata: Refund.metadataOf((raw as { metadata?: unknown } | undefined)?.metadata, [MERCHANT_REFUND_ID_KEY]),
  raw
})

const snapshot = (refund: StripeSchema.Refund, options: StripeWebhook.SnapshotOptions, raw?: unknown) => {
  const result = StripeWebhook.toSnapshot(refund, options)
  return Result.isFailure(result)
    ? Result.fail(unexpected(result.failure))
    : Result.succeed(raw === undefined ? result.success : Refund.withProcessorData(result.success, processorData(raw)))
}

export const parseCreate = (
  response: ProcessorHttp.ProcessorResponse,
  input: Refund.CreateRefundRequest
): Result.Result<Refund.RefundSnapshot, RefundError.RefundErrorReason> => {
  const read = readRefund(response)
  if (Result.isFailure(read)) return Result.fail(read.failure)
  const { refund, json } = read.success
  // The create answer is the state at creation (a replay under the same key returns the stored answer).
  return snapshot(refund, {
    occurredAt: Timestamp.fromUnixSeconds(refund.created),
    preferredTransactionId: input.connectorTransactionId
  }, json)
}

export const parseGet = (
  response: ProcessorHttp.ProcessorResponse,
  input: Refund.RefundReference
): Result.Result<Refund.RefundSnapshot, RefundError.RefundErrorReason> => {
  const read = readRefund(response)
  if (Result.isFailure(read)) return Result.fail(read.failure)
  const { refund, json } = read.success
  if (refund.id !== input.connectorRefundId) {
    return Result.fail(unexpected(`asked for refund ${input.connectorRefundId}, Stripe answered ${refund.id}`))
  }
  return snapshot(refund, { preferredTransactionId: input.connectorTransactionId }, json)
}

/** Reads the refund a cancel answered with (status `canceled`), like a status read. */
export const parseCancel = (
  response: ProcessorHttp.ProcessorResponse,
  input: Refund.RefundReference
): Result.Result<Refund.RefundSnapshot, RefundError.RefundErrorReason> => parseGet(response, input)

/**
 * Finds the refund whose `metadata[merchant_refund_id]` is the merchant refund id. Refuses to say
 * "none" when Stripe has more than one page of refunds for the payment: a wrong "none" could lead
 * to a second refund once the idempotency key has expired (24 h).
 */
export const parseLookup = (
  response: ProcessorHttp.ProcessorResponse,
  input: Connector.LookupRequest
): Result.Result<Option.Option<Refund.RefundSnapshot>, RefundError.RefundErrorReason> => {
  const decoded = StripeSchema.decodeRefundList(ProcessorHttp.parseJson(response.body))
  if (Result.isFailure(decoded)) {
    return Result.fail(unexpected(`Stripe answered ${response.status} with a body that is not a list of refunds: ${decoded.failure}`))
  }
  const found = decoded.success.data.find((r) => r.metadata?.[MERCHANT_REFUND_ID_KEY] === input.merchantRefundId)
  if (found === undefined) {
    return decoded.success.has_more
      ? Result.fail(unexpected(
        `payment ${input.connectorTransactionId} has more than ${LOOKUP_PAGE_SIZE} refunds; ` +
          `refund ${input.merchantRefundId} is not among the newest ${LOOKUP_PAGE_SIZE} and cannot be ruled out`
      ))
      : Result.succeed(Option.none())
  }
  const raw = (ProcessorHttp.parseJson(response.body) as { data?: ReadonlyArray<{ id?: unknown }> } | undefined)?.data?.find((r) => r.id === found.id)
  const result = snapshot(found, { preferredTransactionId: input.connectorTransactionId }, raw)
  return Result.isFailure(result) ? Result.fail(result.failure) : Result.succeed(Option.some(result.success))
}

/**
 * Reads one page of a listing: every refund as a snapshot (status, merchant refund id from metadata,
 * settlement evidence, metadata and raw object, like a status read), and `next` = the last refund's
 * id while `has_more`. A refund outside the window (Stripe filtered it, so it never should be) is left
 * out; the cursor still moves past it. A page that says `has_more` without any refund cannot be
 * continued and is refused.
 */
export const parseList = (
  response: ProcessorHttp.ProcessorResponse,
  input: Connector.ListRequest
): Result.Result<Connector.ListPage, RefundError.RefundErrorReason> => {
  const json = ProcessorHttp.parseJson(response.body)
  const decoded = StripeSchema.decodeRefundList(json)
  if (Result.isFailure(decoded)) {
    return Result.fail(unexpected(`Stripe answered ${response.status} with a body that is not a list of refunds: ${decoded.failure}`))
  }
  const rawItems = (json as { readonly data: ReadonlyArray<unknown> }).data
  const refunds: Array<Refund.RefundSnapshot> = []
  for (const [index, refund] of decoded.success.data.entries()) {
    const result = snapshot(refund, {}, rawItems[index])
    if (Result.isFailure(result)) return Result.fail(result.failure)
    if (Connector.createdIn(result.success, input.window)) refunds.push(result.success)
  }
  const last = decoded.success.data.at(-1)
  if (decoded.success.has_more && last === undefined) {
    return Result.fail(unexpected("Stripe answered an empty page of refunds that says it has more: the listing cannot continue"))
  }
  return Result.succeed({ refunds, ...(decoded.success.has_more && last !== undefined ? { next: last.id } : {}) })
}

// ---------------------------------------------------------------------------------------------
// The connector
// ---------------------------------------------------------------------------------------------

export const connector = Connector.make({
  id: "stripe",
  // Runs when the connector is bound (layers and PaymentClient alike): nothing is sent with a key of the wrong mode.
  validate: (credentials, environment) => keyEnvironmentProblem(credentials.apiKey, environment)?.message,
  displayName: "Stripe",
  capabilities: {
    create: true,
    get: true,
    lookup: true,
    lookupFindsPending: true,
    webhooks: true,
    partialRefunds: true,
    fullRefundWithoutAmount: true,
    reportsReversals: true,
    cancellation: true,
    cancelRefund: true,
    list: true,
    reports: false
  },
  // One host: the key's prefix selects test or live mode (checked against the environment).
  environments: { sandbox: BASE_URL, production: BASE_URL },
  credentials,
  auth: {
    _tag: "Static",
    headers: (c: StripeCredentials) => ({
      Authorization: Redacted.make(`Bearer ${Redacted.value(c.apiKey)}`, { label: "authorization" }),
      "Stripe-Version": STRIPE_API_VERSION,
      ...(c.stripeAccount !== undefined ? { "Stripe-Account": c.stripeAccount } : {})
    })
  },
  // "Keys are eligible to be removed from the system automatically after they're at least 24 hours
  // old" (https://docs.stripe.com/api/idempotent_requests).
  idempotencyKey: { maxLength: 255, windowMillis: 24 * 60 * 60 * 1000 },
  secretHeaders: ["authorization"],
  rateLimit: { requestsPerSecond: SANDBOX_REQUESTS_PER_SECOND },
  create: { build: buildCreate, parse: parseCreate },
  get: { build: buildGet, parse: parseGet },
  lookup: { build: buildLookup, parse: parseLookup },
  cancel: { build: buildCancel, parse: parseCancel },
  // Stripe documents no delay between creating a refund and listing it: the list is read like the
  // refund itself (lagMillis 0). The refund's creation time (`created`) decides the window.
  list: { maxPageSize: LIST_PAGE_SIZE, lagMillis: 0, page: { build: buildList, parse: parseList } },
  mapError: StripeError.mapError,
  retryHint: StripeError.retryHint,
  webhooks: StripeWebhook.webhooks
})

// ---------------------------------------------------------------------------------------------
// Layers
// ---------------------------------------------------------------------------------------------

/** The Stripe refund client, for code that wants Stripe specifically (generic code uses `RefundService`). */
export class StripeRefunds extends Context.Service<StripeRefunds, RefundClient.RefundClient>()("@refract/stripe/StripeRefunds") {}

export interface StripeOptions extends BoundConnector.CommonOptions {
  /** `sk_test_…`/`rk_test_…` for sandbox, `sk_live_…`/`rk_live_…` for production. Prefer `Redacted`. */
  readonly apiKey: string | Redacted.Redacted<string>
  /** Stripe Connect: the connected account (`acct_…`) to act for, sent as `Stripe-Account`. */
  readonly stripeAccount?: string | undefined
  /** The endpoint's signing secret (`whsec_…`), for processes that receive webhooks. */
  readonly webhookSecret?: string | Redacted.Redacted<string> | undefined
}

/** Maps {@link StripeOptions} onto core's generic connector options. */
export const toConnectorOptions = (options: StripeOptions): BoundConnector.ConnectorOptions => ({
  ...BoundConnector.commonOptions(options),
  credentials: {
    apiKey: options.apiKey,
    ...(options.stripeAccount !== undefined ? { stripeAccount: options.stripeAccount } : {})
  },
  webhookSecrets: options.webhookSecret !== undefined ? { signingSecret: options.webhookSecret } : undefined
})

/**
 * Binds Stripe with explicit options, registers it in the `ConnectorRegistry` (for `RefundService`)
 * and provides {@link StripeRefunds}. Needs an `HttpClient` and a `ConnectorRegistry`.
 */
export const layer = (
  options: StripeOptions
): Layer.Layer<StripeRefunds, RefundError, ConnectorRegistry.ConnectorRegistry | HttpClient.HttpClient> =>
  ConnectorLayer.layer(StripeRefunds, connector, toConnectorOptions(options))

/**
 * Like {@link layer}, from configuration: `STRIPE_API_KEY`, `STRIPE_ACCOUNT`, `STRIPE_WEBHOOK_SECRET`,
 * `STRIPE_ENVIRONMENT` (sandbox | production) and `STRIPE_BASE_URL`, read by core's
 * `ConnectorLayer.optionsConfig`. `overrides` win over configuration. A missing key fails with a
 * `RefundError` (Configuration) naming `STRIPE_API_KEY`, never echoing a value.
 */
export const layerConfig = (
  overrides?: Partial<StripeOptions>
): Layer.Layer<StripeRefunds, RefundError | Config.ConfigError, ConnectorRegistry.ConnectorRegistry | HttpClient.HttpClient> =>
  ConnectorLayer.layerConfig(StripeRefunds, connector, overrides && toConnectorOptions(overrides as StripeOptions))
