/**
 * Braintree's wire objects, read from the gateway's XML (see {@link BraintreeXml}):
 *
 * - `<transaction>`: a refund is a transaction of `type` `credit` whose `refunded-transaction-id` names the
 *   refunded sale (braintree_node `lib/braintree/transaction.js`; fields as the gateway writes them, dashed);
 * - `<api-error-response>`: 422 validation errors, nested per object under `errors` (braintree_node
 *   `error_response.js`, `validation_errors_collection.js`);
 * - `<credit-card-transactions>`: a page of `advanced_search` (braintree_node `transaction_gateway.js`
 *   `pagingFunctionGenerator`);
 * - `<notification>`: a webhook's decoded `bt_payload` (`webhook_notification.js`, `webhook_testing_gateway.js`).
 *
 * Only what a snapshot needs is required (`id`, `status`); everything else is optional.
 */
import { Result } from "effect"
import * as BraintreeXml from "./BraintreeXml.ts"

/** A Braintree transaction, as far as refunds need it. */
export interface Transaction {
  readonly id: string
  readonly status: string
  /** `sale` or `credit`; absent in some webhook subjects (braintree_node's `refund_failed` sample has none). */
  readonly type: string | undefined
  /** Major units, as Braintree writes it (`"12.50"`). */
  readonly amount: string | undefined
  readonly currencyIsoCode: string | undefined
  readonly orderId: string | undefined
  readonly merchantAccountId: string | undefined
  /** `refunded-transaction-id`: the sale a refund refunds. */
  readonly refundedTransactionId: string | undefined
  readonly createdAt: string | undefined
  readonly updatedAt: string | undefined
  readonly settlementBatchId: string | undefined
  /** `disbursement-details/disbursement-date` (a date, `YYYY-MM-DD`). */
  readonly disbursementDate: string | undefined
  readonly processorResponseCode: string | undefined
  readonly processorResponseText: string | undefined
  /** `status-history/status-event`: when each status was reached. */
  readonly statusHistory: ReadonlyArray<{ readonly status: string; readonly timestamp: string | undefined }>
}

/** Braintree ids: letters and digits (transaction ids are short lower-case alphanumerics, `8x9m2b7v`). */
export const idPattern = /^[A-Za-z0-9]{1,64}$/

/** Reads a `<transaction>` element. */
export const readTransaction = (element: BraintreeXml.Element): Result.Result<Transaction, string> => {
  if (element.name !== "transaction") return Result.fail(`expected <transaction>, got <${element.name}>`)
  const id = BraintreeXml.textOf(element, "id")
  if (id === undefined || !idPattern.test(id)) return Result.fail("the transaction has no valid id")
  const status = BraintreeXml.textOf(element, "status")
  if (status === undefined || status === "") return Result.fail(`transaction ${id} has no status`)
  const text = (name: string) => {
    const value = BraintreeXml.textOf(element, name)
    return value === undefined || value === "" ? undefined : value
  }
  const disbursement = BraintreeXml.child(element, "disbursement-details")
  const history = BraintreeXml.child(element, "status-history")
  return Result.succeed({
    id,
    status,
    type: text("type"),
    amount: text("amount"),
    currencyIsoCode: text("currency-iso-code"),
    orderId: text("order-id"),
    merchantAccountId: text("merchant-account-id"),
    refundedTransactionId: text("refunded-transaction-id"),
    createdAt: text("created-at"),
    updatedAt: text("updated-at"),
    settlementBatchId: text("settlement-batch-id"),
    disbursementDate: disbursement === undefined ? undefined : BraintreeXml.textOf(disbursement, "disbursement-date") || undefined,
    processorResponseCode: text("processor-response-code"),
    processorResponseText: text("processor-response-text"),
    statusHistory: history === undefined ? [] : BraintreeXml.childrenNamed(history, "status-event").flatMap((event) => {
      const s = BraintreeXml.textOf(event, "status")
      return s === undefined ? [] : [{ status: s, timestamp: BraintreeXml.textOf(event, "timestamp") }]
    })
  })
}

/** Parses a document whose root is `<transaction>`. */
export const decodeTransaction = (body: string): Result.Result<Transaction, string> => {
  const root = BraintreeXml.parse(body)
  return Result.isFailure(root) ? Result.fail(`not XML: ${root.failure}`) : readTransaction(root.success)
}

/** One validation error of an `<api-error-response>`. */
export interface ValidationError {
  readonly code: string
  readonly attribute: string | undefined
  readonly message: string | undefined
}

/** An `<api-error-response>`: its errors (collected from every nesting level) and its `message`. */
export interface ErrorResponse {
  readonly errors: ReadonlyArray<ValidationError>
  readonly message: string | undefined
}

const collectErrors = (element: BraintreeXml.Element, out: Array<ValidationError>, depth: number): void => {
  if (depth > 16) return
  for (const c of element.children) {
    if (c.name === "error") {
      const code = BraintreeXml.textOf(c, "code")
      if (code !== undefined && code !== "") out.push({ code, attribute: BraintreeXml.textOf(c, "attribute"), message: BraintreeXml.textOf(c, "message") })
    } else {
      collectErrors(c, out, depth + 1)
    }
  }
}

/** Parses an `<api-error-response>`; undefined when the body is not one. */
export const decodeErrorResponse = (body: string): ErrorResponse | undefined => {
  const root = BraintreeXml.parse(body)
  if (Result.isFailure(root) || root.success.name !== "api-error-response") return undefined
  const errors: Array<ValidationError> = []
  const container = BraintreeXml.child(root.success, "errors")
  if (container !== undefined) collectErrors(container, errors, 0)
  return { errors, message: BraintreeXml.textOf(root.success, "message") }
}

/** A page of `advanced_search`: its transactions. */
export const decodeSearchPage = (body: string): Result.Result<ReadonlyArray<{ readonly transaction: Transaction; readonly element: BraintreeXml.Element }>, string> => {
  const root = BraintreeXml.parse(body)
  if (Result.isFailure(root)) return Result.fail(`not XML: ${root.failure}`)
  if (root.success.name !== "credit-card-transactions") return Result.fail(`expected <credit-card-transactions>, got <${root.success.name}>`)
  const out: Array<{ readonly transaction: Transaction; readonly element: BraintreeXml.Element }> = []
  for (const element of BraintreeXml.childrenNamed(root.success, "transaction")) {
    const t = readTransaction(element)
    if (Result.isFailure(t)) return Result.fail(t.failure)
    out.push({ transaction: t.success, element })
  }
  return Result.succeed(out)
}

/** A webhook notification: its kind, timestamp and subject. */
export interface Notification {
  readonly kind: string
  readonly timestamp: string | undefined
  /** The subject's transaction element, when the subject is one. */
  readonly transaction: BraintreeXml.Element | undefined
}

/** Parses a decoded `bt_payload`. */
export const decodeNotification = (xml: string): Result.Result<Notification, string> => {
  const root = BraintreeXml.parse(xml)
  if (Result.isFailure(root)) return Result.fail(`not XML: ${root.failure}`)
  if (root.success.name !== "notification") return Result.fail(`expected <notification>, got <${root.success.name}>`)
  const kind = BraintreeXml.textOf(root.success, "kind")
  if (kind === undefined || kind === "") return Result.fail("the notification has no kind")
  const subject = BraintreeXml.child(root.success, "subject")
  return Result.succeed({
    kind,
    timestamp: BraintreeXml.textOf(root.success, "timestamp"),
    transaction: subject === undefined ? undefined : BraintreeXml.child(subject, "transaction")
  })
}

/** An element as plain JSON (for `RefundSnapshot.raw`): dashed names kept, nil as null, arrays as arrays. */
export const toJson = (element: BraintreeXml.Element): unknown => {
  if (BraintreeXml.isNil(element)) return null
  if (element.attributes["type"] === "array") return element.children.map(toJson)
  if (element.children.length === 0) return element.text.trim()
  const out: Record<string, unknown> = {}
  for (const c of element.children) {
    // defineProperty: an element named `__proto__` stays a key, never a prototype.
    if (!Object.hasOwn(out, c.name)) Object.defineProperty(out, c.name, { value: toJson(c), enumerable: true, writable: true, configurable: true })
  }
  return out
}
