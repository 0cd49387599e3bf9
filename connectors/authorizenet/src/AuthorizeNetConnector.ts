/**
 * The Authorize.net connector. One endpoint, `POST /xml/v1/request.api` (JSON), every call named by its
 * root element and authenticated in the body (`merchantAuthentication {name, transactionKey}`):
 *
 * - create: `createTransactionRequest` with `transactionType: "refundTransaction"`, the amount as a decimal
 *   string, the original transaction (`refTransId`) and the card's last four (`payment.creditCard`,
 *   `expirationDate: "XXXX"`), `order.invoiceNumber` from the idempotency key, and `duplicateWindow` 28800 s;
 * - get: `getTransactionDetailsRequest {transId}` → `transactionStatus`, with the settlement batch;
 * - lookup: `getUnsettledTransactionListRequest`, matched by invoice number;
 * - list: settled batches (`getSettledBatchListRequest`) then each batch's transactions
 *   (`getTransactionListRequest`), by settlement time.
 *
 * The payment reference a caller passes is `<transId>:<last four digits of the card>`: Authorize.net
 * refunds a settled card transaction only with both, and a connector flow is one request, so the card
 * digits travel with the reference (they are in the payment's own `getTransactionDetails` answer,
 * `payment.creditCard.cardNumber` "XXXX1111", and in the merchant's records).
 *
 * Authorize.net has no idempotency key, but its duplicate window works as one: every refund is sent with
 * `duplicateWindow` 28800 s and an invoice number made from the key, so a repeat within 8 hours is refused
 * with reason 11 AND the original transaction's id, which the parser reads as that refund (see
 * {@link parseCreate}): the key window declared is those 8 hours.
 *
 *   Effect:   AuthorizeNetConnector.layer({ apiLoginId, transactionKey: Redacted.make(key), environment: "sandbox" })
 *             AuthorizeNetConnector.layerConfig()   // AUTHORIZENET_API_LOGIN_ID, AUTHORIZENET_TRANSACTION_KEY, ...
 *   Promise:  new PaymentClient({ connector: "authorizenet", credentials: { apiLoginId, transactionKey }, environment: "sandbox" })
 */
import { ConnectorLayer, Connector, Idempotency, Money, ProcessorHttp, RefundError } from "@refract/core"
import { BoundConnector, Refund } from "@refract/core"
import type { ConnectorRegistry, Credentials, RefundClient, RefundStatus } from "@refract/core"
import { createHash } from "node:crypto"
import { Context, Layer, Option, Redacted, Result } from "effect"
import type { Config } from "effect"
import type { HttpClient } from "effect/http"
import * as AuthorizeNetError from "./AuthorizeNetError.ts"
import * as AuthorizeNetSchema from "./AuthorizeNetSchema.ts"
import * as AuthorizeNetWebhook from "./AuthorizeNetWebhook.ts"

/** Sandbox and production hosts (the path is the same: `/xml/v1/request.api`). */
export const SANDBOX_URL = "https://apitest.authorize.net"
/**
 * Production: the API reference names `https://api.authorize.net`; sdk-node (lib/constants.js, PR #24
 * "change production endpoint to Akamai SureRoute endpoint") and Authorize.net's own answer in
 * AuthorizeNet/sdk-php#198 recommend `https://api2.authorize.net`. Both serve the API; api2 is used.
 */
export const PRODUCTION_URL = "https://api2.authorize.net"
export const API_PATH = "/xml/v1/request.api"

/** Credential fields. */
export const credentials = {
  apiLoginId: {
    secret: false,
    pattern: /^[A-Za-z0-9]{1,25}$/,
    description: "the API Login ID (Merchant Interface → Account → Settings → API Credentials & Keys), up to 25 letters or digits",
    env: "AUTHORIZENET_API_LOGIN_ID"
  },
  transactionKey: {
    secret: true,
    pattern: /^[A-Za-z0-9]{16}$/,
    description: "the Transaction Key generated with the API Login ID (16 letters or digits)",
    env: "AUTHORIZENET_TRANSACTION_KEY"
  },
  currency: {
    secret: false,
    optional: true,
    pattern: /^[A-Z]{3}$/,
    description: "the gateway account's currency, ISO 4217 (Authorize.net's answers carry none); default USD",
    env: "AUTHORIZENET_CURRENCY"
  }
} as const satisfies Credentials.CredentialSpec

export type AuthorizeNetCredentials = Credentials.Decoded<typeof credentials>

/** The account currency answers are read in. */
export const currencyOf = (c: AuthorizeNetCredentials): string => c.currency ?? "USD"

// ---------------------------------------------------------------------------------------------
// References, keys and invoice numbers
// ---------------------------------------------------------------------------------------------

/** `<transId>:<last four>`: the payment reference Refract callers pass. */
export const paymentReferencePattern = /^(\d{1,20}):(\d{4})$/

/** The original transaction id and card digits of a payment reference, or undefined. */
export const parsePaymentReference = (reference: string): { readonly transId: string; readonly lastFour: string } | undefined => {
  const m = paymentReferencePattern.exec(reference)
  return m === null ? undefined : { transId: m[1]!, lastFour: m[2]! }
}

/** A transaction id: a numeric string (Authorize.net's `numericString`). */
export const isTransId = (id: string): boolean => /^\d{1,20}$/.test(id) && !/^0+$/.test(id)

const quoted = (value: string): string => JSON.stringify(value.slice(0, 64))

/**
 * Key rules. The key is written to `order.invoiceNumber` (at most 20 characters) through
 * {@link invoiceNumberOf} and, in full, to `order.description`. The window is the duplicate window the
 * create sends ({@link duplicateWindowSeconds}): within it a repeat returns the original transaction.
 */
export const idempotencyKeyRules: Connector.IdempotencyKeyRules = {
  minLength: 1,
  maxLength: 64,
  pattern: /^[A-Za-z0-9_-]{1,64}$/,
  windowMillis: 28_800 * 1000
}

/** `order.invoiceNumber` holds at most 20 characters. */
export const MAX_INVOICE_NUMBER_LENGTH = 20

/**
 * The invoice number a key is written as: the key itself when it fits 20 characters, else `R` + the first
 * 19 hex digits of its SHA-256 (76 bits: a collision among one merchant's refunds is not a concern).
 */
export const invoiceNumberOf = (key: string): string =>
  key.length <= MAX_INVOICE_NUMBER_LENGTH ? key : `R${createHash("sha256").update(key, "utf8").digest("hex").slice(0, 19)}`

/** Invoice numbers this connector writes for derived keys (`refract-…` or `R` + 19 hex digits). */
export const isRefractInvoiceNumber = (invoice: string | null | undefined): boolean =>
  typeof invoice === "string" && (invoice.startsWith("refract-") || /^R[0-9a-f]{19}$/.test(invoice))

/**
 * The duplicate window sent with every refund: 28800 s, the maximum (support.authorize.net article 000001473:
 * "The largest value we will accept for x_duplicate_window is 28800"). A second refund with the same amount,
 * card and invoice number inside it is refused with reason 11; because the request set the window, the
 * answer carries the original transaction's id ("Response for Duplicate Transactions").
 */
export const duplicateWindowSeconds = 28_800

/** Authorize.net user fields: name/value pairs, at most 20 per transaction. */
export const MAX_USER_FIELDS = 20

const merchantAuthentication = (c: AuthorizeNetCredentials) => ({
  name: c.apiLoginId,
  // The key lives in the body (Authorize.net has no auth header). The core records headers, never bodies,
  // in spans and logs; the body is built here and handed to the core's writer only.
  transactionKey: Redacted.value(c.transactionKey)
})

const post = (root: string, body: Record<string, unknown>): ProcessorHttp.ProcessorRequest => ({
  method: "POST",
  path: API_PATH,
  body: ProcessorHttp.json({ [root]: body })
})

const invalid = (message: string, field: string) => Result.fail(new RefundError.InvalidRequest({ message, field }))

// ---------------------------------------------------------------------------------------------
// Request builders
// ---------------------------------------------------------------------------------------------

export const buildCreate = (
  input: Refund.CreateRefundRequest,
  context: Connector.CreateContext<AuthorizeNetCredentials>
): Result.Result<ProcessorHttp.ProcessorRequest, RefundError.RefundErrorReason> => {
  const payment = parsePaymentReference(input.connectorTransactionId)
  if (payment === undefined) {
    return invalid(
      `an Authorize.net payment reference is <transId>:<last four card digits> (e.g. 60012345678:1111), got ${quoted(input.connectorTransactionId)}`,
      "connectorTransactionId"
    )
  }
  if (input.amount === undefined) return invalid("Authorize.net needs the amount of every refund", "amount")
  const metadata = Object.entries(input.metadata ?? {}).toSorted(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  if (metadata.length > MAX_USER_FIELDS) return invalid(`Authorize.net takes at most ${MAX_USER_FIELDS} user fields`, "metadata")
  const key = context.idempotencyKey
  const transactionRequest = {
    transactionType: "refundTransaction",
    amount: Money.toDecimalString(input.amount),
    currencyCode: input.amount.currency,
    payment: { creditCard: { cardNumber: payment.lastFour, expirationDate: "XXXX" } },
    refTransId: payment.transId,
    order: { invoiceNumber: invoiceNumberOf(key), description: `refund ${key}`.slice(0, 255) },
    transactionSettings: { setting: [{ settingName: "duplicateWindow", settingValue: String(duplicateWindowSeconds) }] },
    ...(metadata.length > 0 ? { userFields: { userField: metadata.map(([name, value]) => ({ name, value })) } } : {})
  }
  return Result.succeed(post("createTransactionRequest", { merchantAuthentication: merchantAuthentication(context.credentials), transactionRequest }))
}

export const buildGet = (
  input: Refund.RefundReference,
  context: Connector.BuildContext<AuthorizeNetCredentials>
): Result.Result<ProcessorHttp.ProcessorRequest, RefundError.RefundErrorReason> => {
  if (!isTransId(input.connectorRefundId)) {
    return invalid(`an Authorize.net refund id is a transaction id (digits), got ${quoted(input.connectorRefundId)}`, "connectorRefundId")
  }
  return Result.succeed(post("getTransactionDetailsRequest", { merchantAuthentication: merchantAuthentication(context.credentials), transId: input.connectorRefundId }))
}

/** `paging.limit` is at most 1000 for the transaction lists. */
export const MAX_PAGE_SIZE = 1000

export const buildLookup = (
  input: Connector.LookupRequest,
  context: Connector.BuildContext<AuthorizeNetCredentials>
): Result.Result<ProcessorHttp.ProcessorRequest, RefundError.RefundErrorReason> => {
  if (parsePaymentReference(input.connectorTransactionId) === undefined) {
    return invalid(`an Authorize.net payment reference is <transId>:<last four card digits>, got ${quoted(input.connectorTransactionId)}`, "connectorTransactionId")
  }
  return Result.succeed(post("getUnsettledTransactionListRequest", {
    merchantAuthentication: merchantAuthentication(context.credentials),
    sorting: { orderBy: "submitTimeUTC", orderDescending: true },
    paging: { limit: MAX_PAGE_SIZE, offset: 1 }
  }))
}

// ---------------------------------------------------------------------------------------------
// Listing: settled batches, then their transactions
// ---------------------------------------------------------------------------------------------

/**
 * Authorize.net settles a day's transactions in a batch at the merchant's cut-off time, and lists refunds
 * by batch (by settlement time), not by creation. A refund shows in the listing once its batch settled: up
 * to a day after creation, plus the cut-off's drift; two days are declared.
 */
export const LIST_LAG_MILLIS = 2 * 24 * 60 * 60 * 1000
/** getSettledBatchListRequest: "the date range can not exceed 31 days". */
export const BATCH_RANGE_MILLIS = 31 * 24 * 60 * 60 * 1000
/** A creation window plus the settlement lag (and a second of margin at each end) must fit the batch range: 28 days. */
export const MAX_WINDOW_MILLIS = 28 * 24 * 60 * 60 * 1000

/**
 * The cursor: `<limit>.<page>.<batchId>-<batchId>-…`: the batches still to read (the first is read now),
 * the 1-based page of it, and the page size the walk started with (Authorize.net pages by page number, so a
 * different size would shift the pages). Built from settled batches only, so it stays valid across a restart.
 */
export interface Cursor {
  readonly limit: number
  readonly page: number
  readonly batches: ReadonlyArray<string>
}

const cursorPattern = /^([1-9]\d{0,3})\.([1-9]\d{0,5})\.(\d{1,20}(?:-\d{1,20}){0,99})$/

export const encodeCursor = (cursor: Cursor): string => `${cursor.limit}.${cursor.page}.${cursor.batches.join("-")}`

export const decodeCursor = (text: string): Cursor | undefined => {
  const m = cursorPattern.exec(text)
  if (m === null) return undefined
  const limit = Number(m[1])
  return limit > MAX_PAGE_SIZE ? undefined : { limit, page: Number(m[2]), batches: m[3]!.split("-") }
}

/** ISO date-time of Authorize.net's `firstSettlementDate` / `lastSettlementDate` (UTC, whole seconds). */
const isoSeconds = (millis: number): string => new Date(Math.floor(millis / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, "Z")

export const buildList = (
  input: Connector.ListRequest,
  context: Connector.BuildContext<AuthorizeNetCredentials>
): Result.Result<ProcessorHttp.ProcessorRequest, RefundError.RefundErrorReason> => {
  const { from, to } = input.window
  if (!Number.isFinite(from) || !Number.isFinite(to) || from < 0 || from >= to) {
    return invalid(`a listing window needs 0 <= from < to (epoch ms), got [${from}, ${to})`, "window")
  }
  if (to - from > MAX_WINDOW_MILLIS) return invalid(`a listing window is at most ${MAX_WINDOW_MILLIS} ms`, "window")
  if (!Number.isInteger(input.pageSize) || input.pageSize < 1 || input.pageSize > MAX_PAGE_SIZE) {
    return invalid(`a page holds 1 to ${MAX_PAGE_SIZE} refunds, got ${input.pageSize}`, "pageSize")
  }
  const auth = merchantAuthentication(context.credentials)
  if (input.cursor === undefined) {
    // Refunds created in the window settle in it or within the lag after it.
    return Result.succeed(post("getSettledBatchListRequest", {
      merchantAuthentication: auth,
      firstSettlementDate: isoSeconds(from - 1_000),
      lastSettlementDate: isoSeconds(to + LIST_LAG_MILLIS + 1_000)
    }))
  }
  const cursor = decodeCursor(input.cursor)
  if (cursor === undefined) return invalid(`not an Authorize.net listing cursor: ${quoted(input.cursor)}`, "cursor")
  if (cursor.limit > input.pageSize) return invalid(`the walk started with pages of ${cursor.limit}, larger than ${input.pageSize}`, "pageSize")
  return Result.succeed(post("getTransactionListRequest", {
    merchantAuthentication: auth,
    batchId: cursor.batches[0],
    sorting: { orderBy: "submitTimeUTC", orderDescending: false },
    paging: { limit: cursor.limit, offset: cursor.page }
  }))
}

// ---------------------------------------------------------------------------------------------
// Status and snapshots
// ---------------------------------------------------------------------------------------------

/**
 * `transactionStatus` (TransactionStatusEnum, sdk-node lib/apicontracts.js) of a refund transaction.
 * refundPendingSettlement: accepted, waiting for the batch; refundSettledSuccessfully: settled;
 * declined / settlementError / generalError / communicationError / couldNotVoid… : failed; voided: the
 * merchant voided the refund before settlement. Anything else is Unknown, with the raw string.
 */
export const statusOf = (raw: string | null | undefined): { readonly status: RefundStatus.ObservedStatus; readonly rawStatus: string } => {
  switch (raw) {
    case "refundPendingSettlement":
      return { status: "Pending", rawStatus: raw }
    case "refundSettledSuccessfully":
      return { status: "Succeeded", rawStatus: raw }
    case "declined":
    case "settlementError":
    case "generalError":
    case "communicationError":
    case "failedReview":
      return { status: "Failed", rawStatus: raw }
    case "voided":
      return { status: "Cancelled", rawStatus: raw }
    default:
      return { status: "Unknown", rawStatus: raw ?? "null" }
  }
}

/** Authorize.net's UTC times, with or without a zone ("2026-12-06T04:13:56.12Z", "2026-12-06T04:13:56"). */
export const timeOf = AuthorizeNetWebhook.timeOf

const unexpected = (message: string) => new RefundError.UnexpectedResponse({ message })

/** A decimal amount of the answer (JSON number or string) as Money of the account currency. */
export const moneyOf = (value: string | number | null | undefined, currency: string): Money.Money | undefined => {
  if (value === null || value === undefined) return undefined
  const text = typeof value === "number" ? (Number.isFinite(value) ? String(value) : "") : value
  return Result.getOrUndefined(Money.fromDecimalString(text, currency))
}

const lastFourOf = (cardNumber: string | null | undefined): string | undefined => /(\d{4})$/.exec(cardNumber ?? "")?.[1]

const snapshot = (fields: ConstructorParameters<typeof Refund.RefundSnapshot>[0], raw: unknown): Result.Result<Refund.RefundSnapshot, RefundError.RefundErrorReason> => {
  try {
    return Result.succeed(Refund.withProcessorData(new Refund.RefundSnapshot(fields), { raw }))
  } catch (error) {
    return Result.fail(unexpected(`refund ${fields.connectorRefundId}: ${error instanceof Error ? error.message.replace(/\s+/g, " ") : "invalid"}`))
  }
}

/** A transaction's failure details for failed statuses. */
const failureOf = (status: RefundStatus.ObservedStatus, rawStatus: string, description: string | null | undefined) =>
  status === "Failed" ? new Refund.FailureDetails({ code: rawStatus, ...(description ? { message: description } : {}) }) : undefined

/** TransactionDetailsType of a refund → a snapshot (with the batch as settlement evidence). */
export const detailsSnapshot = (
  t: AuthorizeNetSchema.TransactionDetails,
  raw: unknown,
  currency: string,
  merchantRefundId?: string | undefined
): Result.Result<Refund.RefundSnapshot, RefundError.RefundErrorReason> => {
  const id = AuthorizeNetSchema.idOf(t.transId)
  if (id === undefined) return Result.fail(unexpected(`Authorize.net answered a transaction without a transaction id`))
  if (t.transactionType !== "refundTransaction") {
    return Result.fail(unexpected(`transaction ${id} is a ${t.transactionType ?? "transaction of no type"}, not a refund`))
  }
  const { status, rawStatus } = statusOf(t.transactionStatus)
  const refTransId = AuthorizeNetSchema.idOf(t.refTransId)
  const lastFour = lastFourOf(t.payment?.creditCard?.cardNumber)
  const batchId = t.batch === null || t.batch === undefined ? undefined : AuthorizeNetSchema.idOf(t.batch.batchId)
  const settledAt = timeOf(t.batch?.settlementTimeUTC)
  const settlement = batchId !== undefined || settledAt !== undefined ? new Refund.Settlement({ batchId, settledAt }) : undefined
  const failure = failureOf(status, rawStatus, t.responseReasonDescription)
  return snapshot({
    connectorRefundId: id,
    ...(refTransId !== undefined && refTransId !== "0" && lastFour !== undefined ? { connectorTransactionId: `${refTransId}:${lastFour}` } : {}),
    merchantRefundId,
    amount: moneyOf(t.settleAmount ?? t.authAmount, currency),
    status,
    rawStatus,
    createdAt: timeOf(t.submitTimeUTC),
    ...(failure !== undefined ? { failure } : {}),
    ...(settlement !== undefined ? { settlement } : {})
  }, raw)
}

/** TransactionSummaryType of a refund (listings) → a snapshot. */
export const summarySnapshot = (
  t: AuthorizeNetSchema.TransactionSummary,
  raw: unknown,
  currency: string,
  extra: { readonly connectorTransactionId?: string | undefined; readonly merchantRefundId?: string | undefined; readonly settlement?: Refund.Settlement | undefined } = {}
): Result.Result<Refund.RefundSnapshot, RefundError.RefundErrorReason> => {
  const id = AuthorizeNetSchema.idOf(t.transId)
  if (id === undefined) return Result.fail(unexpected(`Authorize.net listed a transaction without a transaction id`))
  const { status, rawStatus } = statusOf(t.transactionStatus)
  const failure = failureOf(status, rawStatus, undefined)
  return snapshot({
    connectorRefundId: id,
    connectorTransactionId: extra.connectorTransactionId,
    merchantRefundId: extra.merchantRefundId,
    amount: moneyOf(t.settleAmount, currency),
    status,
    rawStatus,
    createdAt: timeOf(t.submitTimeUTC),
    ...(failure !== undefined ? { failure } : {}),
    ...(extra.settlement !== undefined ? { settlement: extra.settlement } : {})
  }, raw)
}

/** Fails with the mapped reason when an answer reports an error (HTTP 200 with `resultCode: "Error"`). */
const errorIn = (
  response: ProcessorHttp.ProcessorResponse,
  operation: Connector.ProcessorOperation
): RefundError.RefundErrorReason | undefined => {
  const fields = AuthorizeNetError.readErrors(response.body)
  return fields === undefined ? undefined : AuthorizeNetError.reasonOf(response.status, fields, operation)
}

// ---------------------------------------------------------------------------------------------
// Response parsers
// ---------------------------------------------------------------------------------------------

/**
 * Reads the createTransactionResponse. Approved (responseCode "1"): the refund exists, pending settlement
 * (the answer carries no status and no amount: the amount is the one requested, Authorize.net refunds
 * exactly it or refuses). Held for review ("4") with a transaction id: the refund exists, pending.
 * A duplicate (responseCode "3", reason 11) with a transaction id: the request repeated one the gateway
 * already took inside the duplicate window, and the id is the ORIGINAL refund's (the create always sets
 * `duplicateWindow`, which is what makes the gateway name it): read as that refund, pending until a read
 * says otherwise. Any other error: the mapped reason (see AuthorizeNetError).
 */
export const parseCreate = (
  response: ProcessorHttp.ProcessorResponse,
  input: Refund.CreateRefundRequest
): Result.Result<Refund.RefundSnapshot, RefundError.RefundErrorReason> => {
  const json = AuthorizeNetSchema.parseBody(response.body)
  const decoded = AuthorizeNetSchema.decodeCreateTransactionResponse(json)
  if (Result.isFailure(decoded)) return Result.fail(unexpected(`Authorize.net answered ${response.status} with a body that is not a createTransactionResponse: ${decoded.failure}`))
  const tr = decoded.success.transactionResponse
  const transId = AuthorizeNetSchema.idOf(tr?.transId)
  const responseCode = tr?.responseCode === undefined || tr?.responseCode === null ? undefined : String(tr.responseCode)
  const duplicateOf = responseCode === "3" && tr?.errors?.length === 1 && String(tr.errors[0]!.errorCode) === "11"
  const created = transId !== undefined && transId !== "0" && (responseCode === "1" || responseCode === "4" || duplicateOf)
  if (!created) {
    return Result.fail(errorIn(response, "create") ?? unexpected(`Authorize.net answered without a refund transaction (responseCode ${responseCode ?? "none"})`))
  }
  const payment = parsePaymentReference(input.connectorTransactionId)
  const refTransId = AuthorizeNetSchema.idOf(tr?.refTransID)
  if (payment !== undefined && refTransId !== undefined && refTransId !== "" && refTransId !== payment.transId) {
    return Result.fail(unexpected(`refunded transaction ${payment.transId}, Authorize.net answered refund ${transId} of ${refTransId}`))
  }
  return snapshot({
    connectorRefundId: transId,
    connectorTransactionId: input.connectorTransactionId,
    merchantRefundId: input.merchantRefundId,
    amount: input.amount,
    status: "Pending",
    rawStatus: responseCode === "4" ? "heldForReview" : duplicateOf ? "duplicateOfOriginal" : "refundPendingSettlement"
  }, tr)
}

export const parseGet = (
  response: ProcessorHttp.ProcessorResponse,
  input: Refund.RefundReference,
  context: Connector.BuildContext<AuthorizeNetCredentials>
): Result.Result<Refund.RefundSnapshot, RefundError.RefundErrorReason> => {
  const json = AuthorizeNetSchema.parseBody(response.body)
  const decoded = AuthorizeNetSchema.decodeTransactionDetailsResponse(json)
  if (Result.isFailure(decoded)) {
    return Result.fail(errorIn(response, "get") ?? unexpected(`Authorize.net answered ${response.status} with a body that is not a getTransactionDetailsResponse: ${decoded.failure}`))
  }
  const t = decoded.success.transaction
  if (t === undefined || t === null) return Result.fail(errorIn(response, "get") ?? unexpected("Authorize.net answered without a transaction"))
  if (AuthorizeNetSchema.idOf(t.transId) !== input.connectorRefundId) {
    return Result.fail(unexpected(`asked for transaction ${input.connectorRefundId}, Authorize.net answered ${String(t.transId)}`))
  }
  return detailsSnapshot(t, (json as { transaction?: unknown }).transaction, currencyOf(context.credentials), input.merchantRefundId)
}

/**
 * Finds the refund whose invoice number is the one its create wrote (from the key derived from the merchant
 * refund id) among the unsettled transactions. A refund that already settled is no longer unsettled: the
 * lookup is meant for the minutes after an unknown outcome, and a settled refund is found by `get` or
 * the listing. Refuses to say "none" when there are more unsettled transactions than one page holds.
 */
export const parseLookup = (
  response: ProcessorHttp.ProcessorResponse,
  input: Connector.LookupRequest,
  context: Connector.BuildContext<AuthorizeNetCredentials>
): Result.Result<Option.Option<Refund.RefundSnapshot>, RefundError.RefundErrorReason> => {
  const json = AuthorizeNetSchema.parseBody(response.body)
  const decoded = AuthorizeNetSchema.decodeTransactionListResponse(json)
  if (Result.isFailure(decoded)) {
    return Result.fail(errorIn(response, "lookup") ?? unexpected(`Authorize.net answered ${response.status} with a body that is not a transaction list: ${decoded.failure}`))
  }
  const failed = errorIn(response, "lookup")
  if (failed !== undefined) return Result.fail(failed)
  const invoice = invoiceNumberOf(Idempotency.derive(input.merchantRefundId, idempotencyKeyRules))
  const items = decoded.success.transactions ?? []
  const index = items.findIndex((t) => t.invoiceNumber === invoice)
  if (index === -1) {
    const total = decoded.success.totalNumInResultSet ?? items.length
    return total > items.length
      ? Result.fail(unexpected(`there are ${total} unsettled transactions; refund ${input.merchantRefundId} is not among the ${items.length} listed and cannot be ruled out`))
      : Result.succeed(Option.none())
  }
  const raw = (json as { transactions: ReadonlyArray<unknown> }).transactions[index]
  const found = summarySnapshot(items[index]!, raw, currencyOf(context.credentials), {
    connectorTransactionId: input.connectorTransactionId,
    merchantRefundId: input.merchantRefundId
  })
  return Result.isFailure(found) ? Result.fail(found.failure) : Result.succeed(Option.some(found.success))
}

/** Refund statuses a batch listing can show; `settlementError` only for refunds this connector created. */
const refundOnlyStatuses: ReadonlySet<string> = new Set(["refundSettledSuccessfully", "refundPendingSettlement"])

/**
 * Reads one listing page.
 * - First page (no cursor): the settled batches; no refunds, `next` reads the first batch (absent when none).
 * - Then each batch's transactions, page by page: the refunds among them (TransactionSummaryType has no
 *   transaction type: `refundSettledSuccessfully` is a refund; a `settlementError` is one only when its
 *   invoice number is one this connector writes, since a failed charge looks the same), created in the
 *   window, with the batch as settlement evidence.
 */
export const parseList = (
  response: ProcessorHttp.ProcessorResponse,
  input: Connector.ListRequest,
  context: Connector.BuildContext<AuthorizeNetCredentials>
): Result.Result<Connector.ListPage, RefundError.RefundErrorReason> => {
  const json = AuthorizeNetSchema.parseBody(response.body)
  if (input.cursor === undefined) {
    const decoded = AuthorizeNetSchema.decodeBatchListResponse(json)
    if (Result.isFailure(decoded)) return Result.fail(errorIn(response, "list") ?? unexpected(`not a settled batch list: ${decoded.failure}`))
    const failed = errorIn(response, "list")
    if (failed !== undefined) return Result.fail(failed)
    const batches = (decoded.success.batchList ?? [])
      .map((b) => ({ id: AuthorizeNetSchema.idOf(b.batchId), at: timeOf(b.settlementTimeUTC) ?? 0 }))
      .filter((b): b is { id: string; at: number } => b.id !== undefined)
      .toSorted((a, b) => a.at - b.at)
      .map((b) => b.id)
    if (batches.length > 100) return Result.fail(unexpected(`${batches.length} settled batches: list a shorter window`))
    return Result.succeed({ refunds: [], ...(batches.length > 0 ? { next: encodeCursor({ limit: input.pageSize, page: 1, batches }) } : {}) })
  }
  const cursor = decodeCursor(input.cursor)
  if (cursor === undefined) return Result.fail(unexpected(`not an Authorize.net listing cursor: ${quoted(input.cursor)}`))
  const decoded = AuthorizeNetSchema.decodeTransactionListResponse(json)
  if (Result.isFailure(decoded)) return Result.fail(errorIn(response, "list") ?? unexpected(`not a transaction list: ${decoded.failure}`))
  const failed = errorIn(response, "list")
  if (failed !== undefined) return Result.fail(failed)
  const items = decoded.success.transactions ?? []
  if (items.length > cursor.limit) return Result.fail(unexpected(`asked for ${cursor.limit} transactions, Authorize.net answered ${items.length}`))
  const rawItems = (json as { transactions?: ReadonlyArray<unknown> }).transactions ?? []
  const settlement = new Refund.Settlement({ batchId: cursor.batches[0] })
  const refunds: Array<Refund.RefundSnapshot> = []
  for (const [i, t] of items.entries()) {
    const raw = t.transactionStatus ?? ""
    const isRefund = refundOnlyStatuses.has(raw) || (raw === "settlementError" && isRefractInvoiceNumber(t.invoiceNumber))
    if (!isRefund) continue
    const s = summarySnapshot(t, rawItems[i], currencyOf(context.credentials), { settlement })
    if (Result.isFailure(s)) return Result.fail(s.failure)
    if (Connector.createdIn(s.success, input.window)) refunds.push(s.success)
  }
  const total = decoded.success.totalNumInResultSet ?? items.length
  const more = items.length === cursor.limit && total > cursor.page * cursor.limit
  const next = more
    ? encodeCursor({ ...cursor, page: cursor.page + 1 })
    : cursor.batches.length > 1
    ? encodeCursor({ limit: cursor.limit, page: 1, batches: cursor.batches.slice(1) })
    : undefined
  return Result.succeed({ refunds, ...(next !== undefined ? { next } : {}) })
}

// ---------------------------------------------------------------------------------------------
// The connector
// ---------------------------------------------------------------------------------------------

export const connector = Connector.make({
  id: "authorizenet",
  displayName: "Authorize.net",
  capabilities: {
    create: true,
    get: true,
    lookup: true,
    // The unsettled list holds a refund from its creation until its batch settles, not after (see
    // parseLookup): finding nothing proves nothing, so a recovery relies on the duplicate window.
    lookupFindsPending: false,
    webhooks: true,
    partialRefunds: true,
    // refundTransaction needs an amount.
    fullRefundWithoutAmount: false,
    // No refund state after refundSettledSuccessfully (returnedItem is for eCheck debits).
    reportsReversals: false,
    // voided: a refund voided before settlement.
    cancellation: true,
    // voidTransaction could void an unsettled refund; not offered by this connector yet.
    cancelRefund: false,
    list: true,
    reports: false
  },
  environments: { sandbox: SANDBOX_URL, production: PRODUCTION_URL },
  credentials,
  // Authentication is in the body (merchantAuthentication), no header.
  auth: { _tag: "Static", headers: () => ({}) },
  idempotencyKey: idempotencyKeyRules,
  secretHeaders: [],
  create: { build: buildCreate, parse: parseCreate },
  get: { build: buildGet, parse: parseGet },
  lookup: { build: buildLookup, parse: parseLookup },
  list: { maxPageSize: MAX_PAGE_SIZE, maxWindowMillis: MAX_WINDOW_MILLIS, lagMillis: LIST_LAG_MILLIS, page: { build: buildList, parse: parseList } },
  mapError: AuthorizeNetError.mapError,
  retryHint: AuthorizeNetError.retryHint,
  webhooks: AuthorizeNetWebhook.webhooks
})

// ---------------------------------------------------------------------------------------------
// Layers
// ---------------------------------------------------------------------------------------------

/** The Authorize.net refund client, for code that wants Authorize.net specifically. */
export class AuthorizeNetRefunds extends Context.Service<AuthorizeNetRefunds, RefundClient.RefundClient>()("@refract/authorizenet/AuthorizeNetRefunds") {}

export interface AuthorizeNetOptions extends BoundConnector.CommonOptions {
  readonly apiLoginId: string
  /** The transaction key. Prefer `Redacted`. */
  readonly transactionKey: string | Redacted.Redacted<string>
  /** The gateway account's currency (default USD). */
  readonly currency?: string | undefined
  /** The Signature Key, for processes that receive webhooks. */
  readonly signatureKey?: string | Redacted.Redacted<string> | undefined
}

/** Maps {@link AuthorizeNetOptions} onto core's generic connector options. */
export const toConnectorOptions = (options: AuthorizeNetOptions): BoundConnector.ConnectorOptions => ({
  ...BoundConnector.commonOptions(options),
  credentials: {
    apiLoginId: options.apiLoginId,
    transactionKey: options.transactionKey,
    ...(options.currency !== undefined ? { currency: options.currency } : {})
  },
  webhookSecrets: options.signatureKey !== undefined ? { signatureKey: options.signatureKey } : undefined
})

/** Binds Authorize.net with explicit options and provides {@link AuthorizeNetRefunds}. */
export const layer = (
  options: AuthorizeNetOptions
): Layer.Layer<AuthorizeNetRefunds, RefundError, ConnectorRegistry.ConnectorRegistry | HttpClient.HttpClient> =>
  ConnectorLayer.layer(AuthorizeNetRefunds, connector, toConnectorOptions(options))

/**
 * Like {@link layer}, from configuration: `AUTHORIZENET_API_LOGIN_ID`, `AUTHORIZENET_TRANSACTION_KEY`,
 * `AUTHORIZENET_CURRENCY`, `AUTHORIZENET_SIGNATURE_KEY`, `AUTHORIZENET_ENVIRONMENT` and `AUTHORIZENET_BASE_URL`.
 */
export const layerConfig = (
  overrides?: Partial<AuthorizeNetOptions>
): Layer.Layer<AuthorizeNetRefunds, RefundError | Config.ConfigError, ConnectorRegistry.ConnectorRegistry | HttpClient.HttpClient> =>
  ConnectorLayer.layerConfig(AuthorizeNetRefunds, connector, overrides && toConnectorOptions(overrides as AuthorizeNetOptions))
