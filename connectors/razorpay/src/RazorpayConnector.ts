/**
 * The Razorpay connector: refunds through `POST /v1/payments/{payment_id}/refund`, status through
 * `GET /v1/refunds/{id}`, lookup by merchant refund id through `GET /v1/payments/{payment_id}/refunds`,
 * listing over a window of creation times through `GET /v1/refunds?from&to&count&skip`
 * (reconciliation), and refund webhooks.
 *
 * Everything here is a pure description; `@refract/core` runs it (timeouts, retries with the same
 * `X-Refund-Idempotency` key, rate limits, tracing, redaction).
 *
 *   Effect:   RazorpayConnector.layer({ keyId, keySecret: Redacted.make(secret), environment: "sandbox" })
 *             RazorpayConnector.layerConfig()   // RAZORPAY_KEY_ID, RAZORPAY_KEY_SECRET, RAZORPAY_ENVIRONMENT, ...
 *   Promise:  new PaymentClient({ connector: "razorpay", credentials: { keyId, keySecret }, environment: "sandbox" })
 */
import { ConnectorLayer, Connector, ProcessorHttp, RefundError, Timestamp } from "@refract/core"
import { BoundConnector, Refund } from "@refract/core"
import type { ConnectorRegistry, Credentials, RefundClient } from "@refract/core"
import { Context, Layer, Option, Redacted, Result } from "effect"
import type { Config } from "effect"
import type { HttpClient } from "effect/http"
import * as RazorpayError from "./RazorpayError.ts"
import * as RazorpaySchema from "./RazorpaySchema.ts"
import * as RazorpayWebhook from "./RazorpayWebhook.ts"

/** One host for both modes: the key id's prefix (`rzp_test_` / `rzp_live_`) selects test or live mode. */
export const BASE_URL = "https://api.razorpay.com"

/** Credential fields. */
export const credentials = {
  keyId: {
    secret: false,
    pattern: /^rzp_(test|live)_[A-Za-z0-9]+$/,
    description: "a Razorpay key id (rzp_test_… for sandbox, rzp_live_… for production)",
    env: "RAZORPAY_KEY_ID"
  },
  keySecret: {
    secret: true,
    pattern: /^\S+$/,
    description: "the key secret generated with the key id (Dashboard → Account & Settings → API Keys)",
    env: "RAZORPAY_KEY_SECRET"
  }
} as const satisfies Credentials.CredentialSpec

export type RazorpayCredentials = Credentials.Decoded<typeof credentials>

// ---------------------------------------------------------------------------------------------
// Key mode vs environment
// ---------------------------------------------------------------------------------------------

/** "test" or "live" from a key id's prefix; undefined for anything else. */
export const keyMode = (keyId: string): "test" | "live" | undefined => {
  const match = /^rzp_(test|live)_/.exec(keyId)
  return match === null ? undefined : (match[1] as "test" | "live")
}

/**
 * Razorpay serves test and live mode from one host; the key id's prefix selects the mode. Production
 * must use a live key and sandbox a test key, so a test key never "refunds" in production and a live
 * key never moves real money from a sandbox setup. The message names the variable, never a value.
 */
export const keyEnvironmentProblem = (
  keyId: string | undefined,
  environment: Connector.Environment
): RefundError.Configuration | undefined => {
  if (keyId === undefined) return undefined
  const mode = keyMode(keyId)
  if (mode === undefined) return undefined // malformed key ids are reported by the credential spec
  if (environment === "production" && mode === "test") {
    return new RefundError.Configuration({
      message: "the production environment needs a live-mode key (rzp_live_…); RAZORPAY_KEY_ID is a test-mode key"
    })
  }
  if (environment === "sandbox" && mode === "live") {
    return new RefundError.Configuration({
      message: "the sandbox environment needs a test-mode key (rzp_test_…); RAZORPAY_KEY_ID is a live-mode key"
    })
  }
  return undefined
}

// ---------------------------------------------------------------------------------------------
// Request builders
// ---------------------------------------------------------------------------------------------

/** A Razorpay payment id: `pay_` + 14 alphanumerics. */
export const isPaymentId = (id: string): boolean => /^pay_[A-Za-z0-9]{14}$/.test(id)

/** A Razorpay refund id: `rfnd_` + 14 alphanumerics. */
export const isRefundId = (id: string): boolean => /^rfnd_[A-Za-z0-9]{14}$/.test(id)

const quoted = (value: string): string => JSON.stringify(value.slice(0, 64))

const invalidPayment = (id: string) =>
  new RefundError.InvalidRequest({
    message: `a Razorpay payment id is pay_ followed by 14 letters or digits, got ${quoted(id)}`,
    field: "connectorTransactionId"
  })

/** `receipt` holds the merchant refund id when it fits (Razorpay's limit is 40 characters). */
export const MAX_RECEIPT_LENGTH = 40
/** Razorpay accepts at most 15 notes, values up to 256 characters. */
export const MAX_NOTES = 15
export const MAX_NOTE_VALUE_LENGTH = 256
/**
 * Note keys: at most 255 characters. Razorpay refuses longer ones with "Notes key cannot be greater 255
 * characters" (Razorpay's BAD_REQUEST_NOTES_KEY_TOO_LARGE; razorpay.com/docs/api/payments/update lists it);
 * metadata keys are otherwise unbounded, so without this check such a refund reached Razorpay to be refused.
 */
export const MAX_NOTE_KEY_LENGTH = 255

/** Razorpay counts characters (code points), not UTF-16 units: "😀" is one character, not two. */
const characters = (text: string): number => [...text].length

export const MERCHANT_REFUND_ID_KEY = RazorpayWebhook.MERCHANT_REFUND_ID_KEY

/** The idempotency key rules of `X-Refund-Idempotency`: at least 10 characters of `[A-Za-z0-9_-]`. */
export const idempotencyKeyRules: Connector.IdempotencyKeyRules = {
  minLength: 10,
  maxLength: 64,
  pattern: /^[A-Za-z0-9_-]{10,64}$/,
  // Razorpay publishes no retention period for X-Refund-Idempotency keys
  // (https://razorpay.com/docs/api/refunds/normal-refunds-idempotent): assume 24 hours.
  windowMillis: 24 * 60 * 60 * 1000
}

export const IDEMPOTENCY_HEADER = "X-Refund-Idempotency"

const invalidMetadata = (message: string) => Result.fail(new RefundError.InvalidRequest({ message, field: "metadata" }))

/**
 * The `notes` object: `merchant_refund_id` first, then the metadata sorted by key. Sorting makes the
 * body a pure function of the input, whatever order the caller built the metadata in: Razorpay
 * refuses a replay under the same key whose body differs.
 */
export const notesOf = (
  merchantRefundId: string,
  metadata: Readonly<Record<string, string>> | undefined
): Result.Result<Readonly<Record<string, string>>, RefundError.RefundErrorReason> => {
  const notes: Record<string, string> = { [MERCHANT_REFUND_ID_KEY]: merchantRefundId }
  const entries = Object.entries(metadata ?? {}).toSorted(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  for (const [key, value] of entries) {
    if (key === MERCHANT_REFUND_ID_KEY) {
      if (value !== merchantRefundId) return invalidMetadata(`metadata key ${MERCHANT_REFUND_ID_KEY} is reserved for the merchant refund id`)
      continue
    }
    if (key.trim() === "") return invalidMetadata("metadata keys must not be empty")
    if (characters(key) > MAX_NOTE_KEY_LENGTH) {
      return invalidMetadata(`metadata key ${quoted(key)}… is longer than ${MAX_NOTE_KEY_LENGTH} characters`)
    }
    if (characters(value) > MAX_NOTE_VALUE_LENGTH) {
      return invalidMetadata(`metadata value of ${quoted(key)} is longer than ${MAX_NOTE_VALUE_LENGTH} characters`)
    }
    notes[key] = value
  }
  if (Object.keys(notes).length > MAX_NOTES) {
    return invalidMetadata(`Razorpay accepts at most ${MAX_NOTES} notes, ${MERCHANT_REFUND_ID_KEY} included`)
  }
  return Result.succeed(notes)
}

/**
 * `POST /v1/payments/{payment_id}/refund` with `{ amount, speed: "normal", receipt?, notes }` and the
 * `X-Refund-Idempotency` header. Razorpay takes no currency (the payment's is used) and has no refund
 * reason field; `amount` is the currency's minor units, unchanged.
 */
export const buildCreate = (
  input: Refund.CreateRefundRequest,
  context: Connector.CreateContext<RazorpayCredentials>
): Result.Result<ProcessorHttp.ProcessorRequest, RefundError.RefundErrorReason> => {
  if (!isPaymentId(input.connectorTransactionId)) return Result.fail(invalidPayment(input.connectorTransactionId))
  const notes = notesOf(input.merchantRefundId, input.metadata)
  if (Result.isFailure(notes)) return Result.fail(notes.failure)
  const body = {
    // No amount: Razorpay refunds the payment in full ("Defaults to the full payment amount").
    ...(input.amount !== undefined ? { amount: input.amount.amount } : {}),
    speed: "normal",
    ...(input.merchantRefundId.length <= MAX_RECEIPT_LENGTH ? { receipt: input.merchantRefundId } : {}),
    notes: notes.success
  }
  return Result.succeed({
    method: "POST",
    path: `/v1/payments/${ProcessorHttp.segment(input.connectorTransactionId)}/refund`,
    headers: { [IDEMPOTENCY_HEADER]: context.idempotencyKey },
    body: ProcessorHttp.json(body)
  })
}

export const buildGet = (
  input: Refund.RefundReference,
  _context: Connector.BuildContext<RazorpayCredentials>
): Result.Result<ProcessorHttp.ProcessorRequest, RefundError.RefundErrorReason> => {
  if (!isRefundId(input.connectorRefundId)) {
    return Result.fail(
      new RefundError.InvalidRequest({
        message: `a Razorpay refund id is rfnd_ followed by 14 letters or digits, got ${quoted(input.connectorRefundId)}`,
        field: "connectorRefundId"
      })
    )
  }
  return Result.succeed({ method: "GET", path: `/v1/refunds/${ProcessorHttp.segment(input.connectorRefundId)}` })
}

/** Razorpay's maximum page size for collections. */
export const LOOKUP_PAGE_SIZE = 100

export const buildLookup = (
  input: Connector.LookupRequest,
  _context: Connector.BuildContext<RazorpayCredentials>
): Result.Result<ProcessorHttp.ProcessorRequest, RefundError.RefundErrorReason> => {
  if (!isPaymentId(input.connectorTransactionId)) return Result.fail(invalidPayment(input.connectorTransactionId))
  return Result.succeed({
    method: "GET",
    path: `/v1/payments/${ProcessorHttp.segment(input.connectorTransactionId)}/refunds`,
    query: { count: String(LOOKUP_PAGE_SIZE) }
  })
}

/** `count`: "You can fetch a maximum of 100 refunds" (razorpay.com/docs/api/refunds/fetch-all). */
export const LIST_PAGE_SIZE = 100

/**
 * Razorpay publishes nothing on how soon a refund shows in `GET /v1/refunds`; a minute is declared so
 * reconciliation does not call a just-created refund missing [derived, unconfirmed].
 */
export const LIST_LAG_MILLIS = 60_000

/** A listing cursor is the number of refunds to skip, in decimal. */
const skipPattern = /^(?:0|[1-9]\d{0,14})$/

const invalidList = (message: string, field: string) => Result.fail(new RefundError.InvalidRequest({ message, field }))

/** The skip count a cursor holds (0 for the first page), or undefined when it is not one. */
export const skipOf = (cursor: string | undefined): number | undefined =>
  cursor === undefined ? 0 : skipPattern.test(cursor) ? Number(cursor) : undefined

/**
 * `GET /v1/refunds?from=<s>&to=<s>&count=<n>&skip=<cursor>`, unix seconds. Razorpay documents `from`
 * as the time "at which" and `to` as the time "till which" the refunds were created, without saying
 * whether either bound is inclusive. The request therefore covers the window with a second to spare at
 * both ends (`from` = the window's first second − 1, `to` = its exclusive end) and the parser keeps
 * only refunds created in [from, to): whatever Razorpay's bounds are, nothing in the window is missed.
 * Razorpay lists newest first; the cursor is the skip offset (see {@link parseList} on its limits).
 */
export const buildList = (
  input: Connector.ListRequest,
  _context: Connector.BuildContext<RazorpayCredentials>
): Result.Result<ProcessorHttp.ProcessorRequest, RefundError.RefundErrorReason> => {
  const { from, to } = input.window
  if (!Number.isFinite(from) || !Number.isFinite(to) || from < 0 || from >= to) {
    return invalidList(`a listing window needs 0 <= from < to (epoch ms), got [${from}, ${to})`, "window")
  }
  if (!Number.isInteger(input.pageSize) || input.pageSize < 1 || input.pageSize > LIST_PAGE_SIZE) {
    return invalidList(`a page holds 1 to ${LIST_PAGE_SIZE} refunds, got ${input.pageSize}`, "pageSize")
  }
  const skip = skipOf(input.cursor)
  if (skip === undefined) {
    return invalidList(`a Razorpay listing cursor is a skip count (decimal digits), got ${quoted(input.cursor ?? "")}`, "cursor")
  }
  return Result.succeed({
    method: "GET",
    path: "/v1/refunds",
    query: {
      from: String(Math.max(0, Math.ceil(from / 1000) - 1)),
      to: String(Math.ceil(to / 1000)),
      count: String(input.pageSize),
      skip: String(skip)
    }
  })
}

// ---------------------------------------------------------------------------------------------
// Response parsers
// ---------------------------------------------------------------------------------------------

const unexpected = (message: string) => new RefundError.UnexpectedResponse({ message })

const readRefund = (response: ProcessorHttp.ProcessorResponse) => {
  const decoded = RazorpaySchema.decodeRefund(ProcessorHttp.parseJson(response.body))
  return Result.isFailure(decoded)
    ? Result.fail(unexpected(`Razorpay answered ${response.status} with a body that is not a refund: ${decoded.failure}`))
    : Result.succeed(decoded.success)
}

/** The refund's notes as metadata (without {@link MERCHANT_REFUND_ID_KEY}) and its raw object. */
export const processorData = (raw: unknown) => ({
  metadata: Refund.metadataOf((raw as { notes?: unknown } | undefined)?.notes, [MERCHANT_REFUND_ID_KEY]),
  raw
})

const snapshot = (refund: RazorpaySchema.Refund, options: RazorpayWebhook.SnapshotOptions = {}, raw?: unknown) => {
  const result = RazorpayWebhook.toSnapshot(refund, options)
  return Result.isFailure(result)
    ? Result.fail(unexpected(result.failure))
    : Result.succeed(raw === undefined ? result.success : Refund.withProcessorData(result.success, processorData(raw)))
}

/**
 * Reads the created refund. The refund must belong to the payment asked for and be in the
 * currency asked for: Razorpay takes no currency and refunds in the payment's, so a mismatch means
 * the amount was read in another currency's units. That is reported loudly (UnexpectedResponse
 * naming the refund) rather than returned as if it were the refund requested.
 */
export const parseCreate = (
  response: ProcessorHttp.ProcessorResponse,
  input: Refund.CreateRefundRequest
): Result.Result<Refund.RefundSnapshot, RefundError.RefundErrorReason> => {
  const refund = readRefund(response)
  if (Result.isFailure(refund)) return Result.fail(refund.failure)
  const r = refund.success
  if (r.payment_id !== input.connectorTransactionId) {
    return Result.fail(unexpected(`refunded payment ${input.connectorTransactionId}, Razorpay answered refund ${r.id} of payment ${r.payment_id}`))
  }
  if (input.amount !== undefined && r.currency.toUpperCase() !== input.amount.currency) {
    return Result.fail(unexpected(
      `refund ${r.id} was created in ${r.currency} (the payment's currency), the request said ${input.amount.currency}: ` +
        `check the refund at Razorpay; ${r.amount} was read as ${r.currency} minor units`
    ))
  }
  // The create answer is the state at creation (a replay under the same key returns the stored answer).
  return snapshot(r, { occurredAt: Timestamp.fromUnixSeconds(r.created_at) }, ProcessorHttp.parseJson(response.body))
}

export const parseGet = (
  response: ProcessorHttp.ProcessorResponse,
  input: Refund.RefundReference
): Result.Result<Refund.RefundSnapshot, RefundError.RefundErrorReason> => {
  const refund = readRefund(response)
  if (Result.isFailure(refund)) return Result.fail(refund.failure)
  if (refund.success.id !== input.connectorRefundId) {
    return Result.fail(unexpected(`asked for refund ${input.connectorRefundId}, Razorpay answered ${refund.success.id}`))
  }
  return snapshot(refund.success, {}, ProcessorHttp.parseJson(response.body))
}

/**
 * Finds the refund whose `notes.merchant_refund_id` or `receipt` is the merchant refund id. Refuses
 * to say "none" when the page is full: a wrong "none" could lead to a second refund.
 */
export const parseLookup = (
  response: ProcessorHttp.ProcessorResponse,
  input: Connector.LookupRequest
): Result.Result<Option.Option<Refund.RefundSnapshot>, RefundError.RefundErrorReason> => {
  const decoded = RazorpaySchema.decodeRefundCollection(ProcessorHttp.parseJson(response.body))
  if (Result.isFailure(decoded)) {
    return Result.fail(unexpected(`Razorpay answered ${response.status} with a body that is not a collection of refunds: ${decoded.failure}`))
  }
  const items = decoded.success.items
  const found = items.find((r) =>
    RazorpaySchema.notesOf(r.notes)[MERCHANT_REFUND_ID_KEY] === input.merchantRefundId || r.receipt === input.merchantRefundId
  )
  if (found === undefined) {
    return items.length >= LOOKUP_PAGE_SIZE
      ? Result.fail(unexpected(
        `payment ${input.connectorTransactionId} has at least ${LOOKUP_PAGE_SIZE} refunds; ` +
          `refund ${input.merchantRefundId} is not among the ${LOOKUP_PAGE_SIZE} listed and cannot be ruled out`
      ))
      : Result.succeed(Option.none())
  }
  if (found.payment_id !== input.connectorTransactionId) {
    return Result.fail(unexpected(`listed refunds of payment ${input.connectorTransactionId}, Razorpay answered refund ${found.id} of ${found.payment_id}`))
  }
  const rawItems = (ProcessorHttp.parseJson(response.body) as { items?: ReadonlyArray<{ id?: unknown }> } | undefined)?.items
  const result = snapshot(found, {}, rawItems?.find((i) => i.id === found.id))
  return Result.isFailure(result) ? Result.fail(result.failure) : Result.succeed(Option.some(result.success))
}

/**
 * Reads one page of `GET /v1/refunds`: every refund entity as a snapshot (status, merchant refund id
 * from `notes.merchant_refund_id` or `receipt`, settlement evidence, notes and raw object, like a
 * status read), keeping those created in the window (the request asks a second more at each end).
 *
 * `next` is the skip count past this page (`skip + items on the page`) when the page is full, absent
 * when it holds fewer than `count` (Razorpay has no `has_more`: a full last page costs one more,
 * empty, request). Skip paging is positional over a newest-first list, so it is only exact while the
 * window's content does not change between pages:
 * - a refund created inside the window during the walk (a window that reaches into the present) is
 *   inserted before the pages already read and shifts everything after it by one: the next page
 *   repeats the last refund of the previous one. Repeats are harmless, the core folds a snapshot of a
 *   refund it already has into the same refund (an `Unchanged` transition). Insertions never make the
 *   walk skip a refund;
 * - refunds are never deleted, so nothing shifts the other way; but if Razorpay ordered refunds of
 *   the same second differently between two requests, one could be skipped and another repeated.
 * Over a closed window in the past (its end older than `lagMillis`) no refund is created, so the
 * walk is exact; a checkpointed skip count stays valid across a restart for the same reason.
 */
export const parseList = (
  response: ProcessorHttp.ProcessorResponse,
  input: Connector.ListRequest
): Result.Result<Connector.ListPage, RefundError.RefundErrorReason> => {
  const json = ProcessorHttp.parseJson(response.body)
  const decoded = RazorpaySchema.decodeRefundCollection(json)
  if (Result.isFailure(decoded)) {
    return Result.fail(unexpected(`Razorpay answered ${response.status} with a body that is not a collection of refunds: ${decoded.failure}`))
  }
  const skip = skipOf(input.cursor)
  if (skip === undefined) return Result.fail(unexpected(`the listing cursor ${quoted(input.cursor ?? "")} is not a skip count`))
  const items = decoded.success.items
  if (items.length > input.pageSize) {
    return Result.fail(unexpected(`asked Razorpay for ${input.pageSize} refunds, it answered ${items.length}: the skip count would be wrong`))
  }
  const rawItems = (json as { readonly items: ReadonlyArray<unknown> }).items
  const refunds: Array<Refund.RefundSnapshot> = []
  for (const [index, refund] of items.entries()) {
    const result = snapshot(refund, {}, rawItems[index])
    if (Result.isFailure(result)) return Result.fail(result.failure)
    if (Connector.createdIn(result.success, input.window)) refunds.push(result.success)
  }
  return Result.succeed({ refunds, ...(items.length === input.pageSize ? { next: String(skip + items.length) } : {}) })
}

// ---------------------------------------------------------------------------------------------
// The connector
// ---------------------------------------------------------------------------------------------

/** `Authorization: Basic base64(keyId:keySecret)`, held Redacted until the core writes it. */
export const authorization = (c: RazorpayCredentials): Redacted.Redacted<string> =>
  Redacted.make(`Basic ${Buffer.from(`${c.keyId}:${Redacted.value(c.keySecret)}`, "utf8").toString("base64")}`, {
    label: "authorization"
  })

export const connector = Connector.make({
  id: "razorpay",
  displayName: "Razorpay",
  // Runs when the connector is bound (layers and PaymentClient alike): nothing is sent with a key of the wrong mode.
  validate: (c, environment) => keyEnvironmentProblem(c.keyId, environment)?.message,
  capabilities: {
    create: true,
    get: true,
    lookup: true,
    lookupFindsPending: true,
    webhooks: true,
    partialRefunds: true,
    fullRefundWithoutAmount: true,
    // Razorpay: refunds "cannot be canceled or reversed".
    reportsReversals: false,
    cancellation: false,
    // "Refunds cannot be canceled or reversed" (https://razorpay.com/docs/payments/refunds/faqs).
    cancelRefund: false,
    // GET /v1/refunds over created_at windows, skip-paged (see parseList).
    list: true,
    reports: false
  },
  // One host: the key id's prefix selects test or live mode (checked against the environment).
  environments: { sandbox: BASE_URL, production: BASE_URL },
  credentials,
  auth: {
    _tag: "Static",
    headers: (c: RazorpayCredentials) => ({ Authorization: authorization(c) })
  },
  idempotencyKey: idempotencyKeyRules,
  secretHeaders: ["authorization"],
  create: { build: buildCreate, parse: parseCreate },
  get: { build: buildGet, parse: parseGet },
  lookup: { build: buildLookup, parse: parseLookup },
  list: { maxPageSize: LIST_PAGE_SIZE, lagMillis: LIST_LAG_MILLIS, page: { build: buildList, parse: parseList } },
  mapError: RazorpayError.mapError,
  retryHint: RazorpayError.retryHint,
  webhooks: RazorpayWebhook.webhooks
})

// ---------------------------------------------------------------------------------------------
// Layers
// ---------------------------------------------------------------------------------------------

/** The Razorpay refund client, for code that wants Razorpay specifically (generic code uses `RefundService`). */
export class RazorpayRefunds extends Context.Service<RazorpayRefunds, RefundClient.RefundClient>()("@refract/razorpay/RazorpayRefunds") {}

export interface RazorpayOptions extends BoundConnector.CommonOptions {
  /** `rzp_test_…` for sandbox, `rzp_live_…` for production. */
  readonly keyId: string
  /** The key secret. Prefer `Redacted`. */
  readonly keySecret: string | Redacted.Redacted<string>
  /** The webhook endpoint's secret, for processes that receive webhooks. */
  readonly webhookSecret?: string | Redacted.Redacted<string> | undefined
}

/** Maps {@link RazorpayOptions} onto core's generic connector options. */
export const toConnectorOptions = (options: RazorpayOptions): BoundConnector.ConnectorOptions => ({
  ...BoundConnector.commonOptions(options),
  credentials: { keyId: options.keyId, keySecret: options.keySecret },
  webhookSecrets: options.webhookSecret !== undefined ? { webhookSecret: options.webhookSecret } : undefined
})

/**
 * Binds Razorpay with explicit options, registers it in the `ConnectorRegistry` (for `RefundService`)
 * and provides {@link RazorpayRefunds}. Needs an `HttpClient` and a `ConnectorRegistry`.
 */
export const layer = (
  options: RazorpayOptions
): Layer.Layer<RazorpayRefunds, RefundError, ConnectorRegistry.ConnectorRegistry | HttpClient.HttpClient> =>
  ConnectorLayer.layer(RazorpayRefunds, connector, toConnectorOptions(options))

/**
 * Like {@link layer}, from configuration: `RAZORPAY_KEY_ID`, `RAZORPAY_KEY_SECRET`,
 * `RAZORPAY_WEBHOOK_SECRET`, `RAZORPAY_ENVIRONMENT` (sandbox | production) and `RAZORPAY_BASE_URL`,
 * read by core's `ConnectorLayer.optionsConfig`. `overrides` win over configuration. A missing
 * variable fails with a `RefundError` (Configuration) naming it, never echoing a value.
 */
export const layerConfig = (
  overrides?: Partial<RazorpayOptions>
): Layer.Layer<RazorpayRefunds, RefundError | Config.ConfigError, ConnectorRegistry.ConnectorRegistry | HttpClient.HttpClient> =>
  ConnectorLayer.layerConfig(RazorpayRefunds, connector, overrides && toConnectorOptions(overrides as RazorpayOptions))
