/**
 * Listing PayPal refunds for reconciliation, over the Transaction Search API
 * (`GET /v1/reporting/transactions`, paypal/paypal-rest-api-specifications
 * `openapi/reporting_transactions_v1.json`, operation `search.get`). Payments v2 has no refund list;
 * transaction search lists every balance-affecting transaction of the account, so this keeps the
 * refunds (event code {@link REFUND_EVENT_CODES}) and leaves payments, fees and the rest out.
 *
 * - `start_date` / `end_date`: RFC 3339 with seconds ("Seconds are required"); "The maximum supported
 *   range is 31 days" ({@link MAX_WINDOW_MILLIS}).
 * - `page_size`: 1 to 500 (default 100); `page`: 1 to 2147483647. The cursor is the page number, so
 *   it survives a restart (the window is in the past, and the same window and page give the same rows).
 * - `fields=transaction_info`: only the transaction details are needed;
 *   `balance_affecting_records_only=Y` (the default, sent explicitly): one row per refund.
 * - "It takes a maximum of three hours for executed transactions to appear" ({@link LAG_MILLIS}).
 * - The REST app needs the Transaction Search feature enabled (a 403 otherwise; see PayPalError).
 *
 * Everything is pure: `build` describes the request, `parse` reads a 200 answer.
 */
import { Connector, ProcessorHttp, Refund, RefundError } from "@refract/core"
import type { RefundStatus } from "@refract/core"
import { Result } from "effect"
import * as PayPalSchema from "./PayPalSchema.ts"
import * as PayPalWebhook from "./PayPalWebhook.ts"

/** The transaction search endpoint, relative to the base URL. */
export const SEARCH_PATH = "/v1/reporting/transactions"

/** `page_size` maximum ("minimum": 1, "maximum": 500). */
export const MAX_PAGE_SIZE = 500

/** `end_date`: "The maximum supported range is 31 days." */
export const MAX_WINDOW_MILLIS = 31 * 24 * 60 * 60 * 1000

/** "It takes a maximum of three hours for executed transactions to appear in the list transactions call." */
export const LAG_MILLIS = 3 * 60 * 60 * 1000

/** `page` maximum (an int32). */
export const MAX_PAGE = 2_147_483_647

/**
 * Transaction event codes that are refunds this connector makes: T1107 "Payment refund, initiated by
 * merchant" (what `POST /v2/payments/captures/{id}/refund` books). Every other code is left out,
 * the other T11nn reversals included (T1106 is a payment reversal initiated by PayPal, not a refund).
 */
export const REFUND_EVENT_CODES: ReadonlySet<string> = new Set(["T1107"])

/**
 * `transaction_status` → unified status. The spec documents four codes: `S` "successfully completed",
 * `P` "pending", `D` "PayPal or merchant rules denied the transaction", `V` "A successful transaction
 * was reversed and funds were refunded to the original sender". Anything else (`F` included, which
 * the spec does not list) is Unknown with the raw code.
 */
export const statusOf = (raw: string | undefined): { readonly status: RefundStatus.ObservedStatus; readonly rawStatus: string } => {
  switch (raw) {
    case "S":
      return { status: "Succeeded", rawStatus: raw }
    case "P":
      return { status: "Pending", rawStatus: raw }
    case "D":
      return { status: "Failed", rawStatus: raw }
    case "V":
      return { status: "Reversed", rawStatus: raw }
    default:
      return { status: "Unknown", rawStatus: raw ?? "missing" }
  }
}

const invalid = (message: string, field: string) => Result.fail(new RefundError.InvalidRequest({ message, field }))
const unexpected = (message: string) => new RefundError.UnexpectedResponse({ message })

/** Epoch ms → RFC 3339 in UTC, with seconds, without a fraction when there is none ("2026-11-20T18:15:30Z"). */
export const isoDate = (millis: number): string => {
  const iso = new Date(millis).toISOString()
  return millis % 1000 === 0 ? iso.replace(/\.000Z$/, "Z") : iso
}

/** The page number a cursor holds, or undefined when it is not one ("1" … "2147483647"). */
export const pageOf = (cursor: string | undefined): number | undefined => {
  if (cursor === undefined) return 1
  if (!/^[1-9][0-9]{0,9}$/.test(cursor)) return undefined
  const page = Number(cursor)
  return page <= MAX_PAGE ? page : undefined
}

export const buildPage = (
  input: Connector.ListRequest,
  _context: Connector.BuildContext<unknown>
): Result.Result<ProcessorHttp.ProcessorRequest, RefundError.RefundErrorReason> => {
  const { from, to } = input.window
  if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || from >= to) {
    return invalid("a listing window needs whole epoch milliseconds with from before to", "window")
  }
  if (to - from > MAX_WINDOW_MILLIS) {
    return invalid("PayPal's transaction search covers at most 31 days per request", "window")
  }
  if (!Number.isInteger(input.pageSize) || input.pageSize < 1 || input.pageSize > MAX_PAGE_SIZE) {
    return invalid(`PayPal's page_size is 1 to ${MAX_PAGE_SIZE}, got ${input.pageSize}`, "pageSize")
  }
  const page = pageOf(input.cursor)
  if (page === undefined) {
    return invalid(`a PayPal listing cursor is a page number, got ${JSON.stringify(String(input.cursor).slice(0, 32))}`, "cursor")
  }
  return Result.succeed({
    method: "GET",
    path: SEARCH_PATH,
    query: {
      start_date: isoDate(from),
      end_date: isoDate(to),
      fields: "transaction_info",
      // The default, said outright: a transaction id "is not unique in the reporting system … One
      // transaction can be balance affecting while the other is non-balance affecting"; only the
      // balance-affecting one is listed, so a refund appears once.
      balance_affecting_records_only: "Y",
      page_size: String(input.pageSize),
      page: String(page)
    }
  })
}

/**
 * A date of the search answer as epoch ms. PayPal's published samples write the offset without a
 * colon (`2014-07-11T04:03:52+0000`), which is not RFC 3339; both forms are read.
 */
export const searchTimeOf = (value: string | undefined): number | undefined =>
  value === undefined ? undefined : PayPalSchema.timeOf(value.replace(/([+-]\d{2})(\d{2})$/, "$1:$2"))

/** A refund's `transaction_amount` ("-10.50" USD) as Money: the magnitude, exact, never through floating point. */
export const refundAmountOf = (money: PayPalSchema.Money): Result.Result<Refund.RefundSnapshot["amount"], string> => {
  const magnitude = money.value.startsWith("-") ? money.value.slice(1) : money.value
  const parsed = PayPalWebhook.fromPayPalMoney({ currency_code: money.currency_code, value: magnitude })
  return Result.isFailure(parsed) ? Result.fail(parsed.failure) : Result.succeed(parsed.success)
}

/**
 * One transaction → a refund snapshot, or undefined when it is not a refund. The refund id is
 * `transaction_id`, the capture `paypal_reference_id` (when its type is `TXN`, a transaction).
 * `invoice_id` is not read as the merchant refund id: the spec says search results report the
 * capture's invoice id, else the authorization's, so it may be the order's and not the refund's.
 */
export const toSnapshot = (
  info: PayPalSchema.TransactionInfo,
  raw: unknown
): Result.Result<Refund.RefundSnapshot | undefined, string> => {
  if (info.transaction_event_code === undefined || !REFUND_EVENT_CODES.has(info.transaction_event_code)) {
    return Result.succeed(undefined)
  }
  const id = info.transaction_id
  let amount: Refund.RefundSnapshot["amount"]
  if (info.transaction_amount !== undefined) {
    const money = refundAmountOf(info.transaction_amount)
    if (Result.isFailure(money)) return Result.fail(`refund ${id.slice(0, 64)}: ${money.failure}`)
    amount = money.success
  }
  const capture = info.paypal_reference_id_type === undefined || info.paypal_reference_id_type === "TXN"
    ? info.paypal_reference_id
    : undefined
  const { status, rawStatus } = statusOf(info.transaction_status)
  try {
    const snapshot = new Refund.RefundSnapshot({
      connectorRefundId: id,
      connectorTransactionId: capture,
      amount,
      status,
      rawStatus,
      occurredAt: searchTimeOf(info.transaction_updated_date),
      createdAt: searchTimeOf(info.transaction_initiation_date)
    })
    return Result.succeed(Refund.withProcessorData(snapshot, { raw }))
  } catch (error) {
    return Result.fail(`refund ${id.slice(0, 64)}: ${error instanceof Error ? error.message.replace(/\s+/g, " ") : "invalid"}`)
  }
}

/**
 * A 200 answer → the refunds on this page and the next page number while `page < total_pages`.
 * Without `total_pages`, a full page means there may be another (one more request finds out).
 */
export const parsePage = (
  response: ProcessorHttp.ProcessorResponse,
  input: Connector.ListRequest,
  _context: Connector.BuildContext<unknown>
): Result.Result<Connector.ListPage, RefundError.RefundErrorReason> => {
  const decoded = PayPalSchema.decodeSearchResponse(ProcessorHttp.parseJson(response.body))
  if (Result.isFailure(decoded)) {
    return Result.fail(unexpected(`PayPal answered ${response.status} with a body that is not a transaction search result: ${decoded.failure}`))
  }
  const body = decoded.success
  const details = body.transaction_details ?? []
  const refunds: Array<Refund.RefundSnapshot> = []
  for (const [index, element] of details.entries()) {
    const detail = PayPalSchema.decodeTransactionDetail(element)
    if (Result.isFailure(detail)) {
      return Result.fail(unexpected(`PayPal's transaction ${index} is not a transaction detail: ${detail.failure}`))
    }
    const info = detail.success.transaction_info
    if (info === undefined) continue
    const snapshot = toSnapshot(info, (element as { readonly transaction_info?: unknown }).transaction_info)
    if (Result.isFailure(snapshot)) return Result.fail(unexpected(`PayPal's transaction search: ${snapshot.failure}`))
    // The search's `end_date` is inclusive (the emulator's reading; PayPal documents no exclusivity): a refund
    // created exactly at `to` belongs to the next window, or consecutive windows would list it twice.
    if (snapshot.success !== undefined && Connector.createdIn(snapshot.success, input.window)) refunds.push(snapshot.success)
  }
  const page = pageOf(input.cursor) ?? 1
  const more = body.total_pages !== undefined ? page < body.total_pages : details.length >= input.pageSize
  return Result.succeed(more && page < MAX_PAGE ? { refunds, next: String(page + 1) } : { refunds })
}

/** The connector's listing support. */
export const listing: Connector.ListingSupport<unknown> = {
  maxPageSize: MAX_PAGE_SIZE,
  maxWindowMillis: MAX_WINDOW_MILLIS,
  lagMillis: LAG_MILLIS,
  page: { build: buildPage, parse: parsePage }
}
