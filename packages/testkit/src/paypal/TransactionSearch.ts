/**
 * PayPal's Transaction Search, `GET /v1/reporting/transactions` ("List transactions"), the only way to read
 * refunds back from PayPal by time: PayPal has no refund listing. Written from
 * paypal/paypal-rest-api-specifications `openapi/reporting_transactions_v1.json` (v1.9) and the Transaction Search
 * guide (https://developer.paypal.com/docs/transaction-search/):
 *
 * - `start_date` and `end_date` are required, RFC 3339 "Internet date and time" with seconds (the spec's pattern);
 *   "The maximum supported range is 31 days";
 * - "It takes a maximum of three hours for executed transactions to appear in the list transactions call": the
 *   emulator shows a transaction only `listLagMillis` (default 3 h of emulator time) after it happened, and
 *   answers `last_refreshed_datetime` = now − lag and `end_date` = the earlier of the asked end and that
 *   ("The end date and time or the last date when the data can be served");
 * - captures and refunds are both transactions: a capture is `T0006` ("PayPal Checkout APIs"), a merchant refund
 *   `T1107` with a negative `transaction_amount` and `paypal_reference_id` = the capture id
 *   (`paypal_reference_id_type` `TXN`); a client filters by `transaction_type` or by itself;
 * - `transaction_status`: `S` success, `P` pending, `D` denied, `V` reversed (spec enum text). A refund is `P`
 *   while `PENDING`, `S` when `COMPLETED`, `D` when `FAILED` or `CANCELLED` [derived: the spec does not map refund
 *   statuses];
 * - `page_size` 1..500 (default 100), `page` ≥ 1 (default 1); the answer carries `page`, `total_items`,
 *   `total_pages` and `links` (`self`, plus `next` / `last` when there is a next page [derived shape]);
 * - `fields`: `transaction_info` (default), `payer_info`, `shipping_info`, `auction_info`, `cart_info`,
 *   `incentive_info`, `store_info` or `all`, comma-separated;
 * - `balance_affecting_records_only`: `Y` (default) or `N` (every emulated transaction affects the balance).
 *
 * Errors are PayPal's `INVALID_REQUEST` body with one `details[]` entry per problem (`location: "query"`). The
 * `issue` codes and descriptions are [unverified]: the spec gives the body's shape, not the issue texts.
 * Unknown query parameters are ignored [unverified: PayPal's handling of them was not found].
 * Not emulated: the 3-year look-back, `RESULTSET_TOO_LARGE` (quoted by third parties for very large windows).
 *
 * @since 0.1.0
 */
import type { HttpServerResponse } from "effect/http"
import { createHash } from "node:crypto"
import type { EmulatorRequest } from "../emulator/Http.ts"
import { json } from "../emulator/Http.ts"
import type { PaymentRecord, RefundRecord, RefundStore } from "../emulator/RefundStore.ts"
import type { ErrorDetail, PayPalRefundAttributes } from "./PayPalEmulator.ts"
import { errorResponse, formatValue, paypalTime } from "./PayPalEmulator.ts"

/** "It takes a maximum of three hours for executed transactions to appear in the list transactions call." */
export const defaultListLagMillis = 3 * 60 * 60 * 1000

/** "The maximum supported range is 31 days." */
export const maxRangeMillis = 31 * 24 * 60 * 60 * 1000

/** Transaction event code of a capture: "T0006 PayPal Checkout APIs" (Transaction event codes page). */
export const captureEventCode = "T0006"
/** Transaction event code of a merchant-initiated refund: "T1107 Payment refund, initiated by merchant". */
export const refundEventCode = "T1107"

const fieldNames = ["transaction_info", "payer_info", "shipping_info", "auction_info", "cart_info", "incentive_info", "store_info"] as const

/** The spec's pattern for `start_date` / `end_date`. */
const datePattern = /^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[1-2][0-9]|3[0-1])[T,t]([0-1][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)([.][0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})$/

type Transaction =
  | { readonly kind: "capture"; readonly at: number; readonly seq: number; readonly payment: PaymentRecord }
  | { readonly kind: "refund"; readonly at: number; readonly seq: number; readonly refund: RefundRecord<PayPalRefundAttributes> }

/**
 * Captures and refunds in time order, found by binary search (a page costs O(log n + page + filtered out)).
 * Refunds come from the store's creation transitions; captures from the ids the definition hands out, resolved
 * on the next read. A reset store is noticed on the next read.
 */
export class TransactionIndex {
  private entries: Array<Transaction> = []
  private pending: Array<{ readonly id: string; readonly seq: number }> = []
  private seq = 0
  private readonly store: RefundStore<PayPalRefundAttributes>

  constructor(store: RefundStore<PayPalRefundAttributes>) {
    this.store = store
    store.onTransition((t) => {
      if (t.from === undefined) this.insert({ kind: "refund", at: t.refund.createdAt, seq: ++this.seq, refund: t.refund })
    })
  }

  /** A payment id was handed out (its record is added right after). */
  notePayment(id: string): void {
    // The sequence is taken now, so a capture sorts before refunds created in the same millisecond.
    this.pending.push({ id, seq: ++this.seq })
  }

  private insert(entry: Transaction): void {
    const last = this.entries[this.entries.length - 1]
    if (last === undefined || last.at < entry.at || (last.at === entry.at && last.seq < entry.seq)) this.entries.push(entry)
    else this.entries.splice(this.firstAfter(entry.at, entry.seq), 0, entry)
  }

  private alive(entry: Transaction): boolean {
    return entry.kind === "refund" ? this.store.get(entry.refund.id) === entry.refund : this.store.payment(entry.payment.id) === entry.payment
  }

  private sync(): void {
    const first = this.entries[0]
    if (first !== undefined && !this.alive(first)) this.entries = this.entries.filter((e) => this.alive(e))
    if (this.pending.length > 0) {
      for (const { id, seq } of this.pending) {
        // An id whose payment never came (a reset in between) is dropped.
        const payment = this.store.payment(id)
        if (payment !== undefined) this.insert({ kind: "capture", at: payment.createdAt, seq, payment })
      }
      this.pending = []
    }
  }

  private firstAfter(at: number, seq: number): number {
    let lo = 0
    let hi = this.entries.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      const e = this.entries[mid]!
      if (e.at < at || (e.at === at && e.seq <= seq)) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  /** Positions `[start, end)` of the transactions within `[from, to]` (epoch ms, inclusive). */
  window(from: number, to: number): { readonly start: number; readonly end: number } {
    this.sync()
    const start = this.firstAfter(from, 0)
    return { start, end: Math.max(start, this.firstAfter(to, Number.MAX_SAFE_INTEGER)) }
  }

  at(position: number): Transaction | undefined {
    return this.entries[position]
  }
}

/** A status as of an instant (the listing lags, and so do the changes it shows). */
const statusAsOf = (refund: RefundRecord<PayPalRefundAttributes>, instant: number): { status: string; since: number } => {
  let current = { status: refund.history[0]?.status ?? refund.status, since: refund.createdAt }
  for (const entry of refund.history) {
    if (entry.at > instant) break
    current = { status: entry.status, since: entry.at }
  }
  return current
}

const refundTransactionStatus = (status: string): string =>
  status === "COMPLETED" ? "S" : status === "PENDING" ? "P" : "D"

/** A stable payer id (13 characters of PayPal's payer-id alphabet) for the buyer behind a capture. */
const payerIdOf = (captureId: string): string => {
  const alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
  const digest = createHash("sha256").update(`payer|${captureId}`).digest()
  return Array.from({ length: 13 }, (_, i) => alphabet[digest[i]! % alphabet.length]).join("")
}

const money = (minor: number, currency: string) => ({ currency_code: currency, value: formatValue(minor, currency) })

const detail = (field: string, value: string | undefined, issue: string, description: string): ErrorDetail => ({
  field,
  ...(value === undefined ? {} : { value }),
  location: "query",
  issue,
  description
})

/** What {@link search} needs from the emulator. */
export interface SearchContext {
  readonly now: number
  readonly lagMillis: number
  readonly accountNumber: string
  readonly origin: string
  readonly index: TransactionIndex
}

/** `GET /v1/reporting/transactions`. */
export const search = (ctx: SearchContext, request: EmulatorRequest): HttpServerResponse.HttpServerResponse => {
  const q = request.query
  const problems: Array<ErrorDetail> = []
  const date = (name: string): number | undefined => {
    const raw = q.get(name)
    if (raw === null || raw === "") {
      problems.push(detail(name, undefined, "MISSING_REQUIRED_PARAMETER", `${name} is required.`))
      return undefined
    }
    const millis = datePattern.test(raw) ? Date.parse(raw.toUpperCase()) : Number.NaN
    if (Number.isNaN(millis)) {
      problems.push(detail(name, raw, "INVALID_PARAMETER_SYNTAX", `${name} must be an RFC 3339 date-time with seconds.`))
      return undefined
    }
    return millis
  }
  const integer = (name: string, min: number, max: number, fallback: number): number => {
    const raw = q.get(name)
    if (raw === null) return fallback
    const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      problems.push(detail(name, raw, "INVALID_PARAMETER_VALUE", `${name} must be an integer from ${min} to ${max}.`))
      return fallback
    }
    return value
  }
  const start = date("start_date")
  const end = date("end_date")
  if (start !== undefined && end !== undefined) {
    if (start > end) problems.push(detail("start_date", q.get("start_date")!, "INVALID_PARAMETER_VALUE", "start_date must not be after end_date."))
    else if (end - start > maxRangeMillis) {
      problems.push(detail("end_date", q.get("end_date")!, "INVALID_PARAMETER_VALUE", "Date range is greater than 31 days."))
    }
  }
  const pageSize = integer("page_size", 1, 500, 100)
  const page = integer("page", 1, 2_147_483_647, 1)
  const rawFields = q.get("fields") ?? "transaction_info"
  const asked = rawFields.split(",").map((f) => f.trim())
  const unknownField = asked.find((f) => f !== "all" && !(fieldNames as ReadonlyArray<string>).includes(f))
  if (unknownField !== undefined) problems.push(detail("fields", rawFields, "INVALID_PARAMETER_VALUE", `Unknown field: ${unknownField.slice(0, 40)}.`))
  const fields = new Set<string>(asked.includes("all") ? fieldNames : asked)
  const balanceOnly = q.get("balance_affecting_records_only") ?? "Y"
  if (balanceOnly !== "Y" && balanceOnly !== "N") {
    problems.push(detail("balance_affecting_records_only", balanceOnly, "INVALID_PARAMETER_VALUE", "balance_affecting_records_only must be Y or N."))
  }
  const transactionId = q.get("transaction_id")
  if (transactionId !== null && (transactionId.length < 17 || transactionId.length > 19)) {
    problems.push(detail("transaction_id", transactionId, "INVALID_PARAMETER_SYNTAX", "transaction_id must be 17 to 19 characters."))
  }
  // "[500 TO 1005]": gross amounts in minor units (URL-encoded brackets and spaces).
  const rawAmount = q.get("transaction_amount")
  const amountRange = rawAmount === null ? undefined : /^\[?\s*(-?\d+)\s+TO\s+(-?\d+)\s*\]?$/.exec(rawAmount)
  if (rawAmount !== null && amountRange === null) {
    problems.push(detail("transaction_amount", rawAmount, "INVALID_PARAMETER_SYNTAX", "transaction_amount must be a range like [500 TO 1005]."))
  }
  if (problems.length > 0 || start === undefined || end === undefined) return errorResponse(400, "INVALID_REQUEST", problems)

  const lastRefreshed = ctx.now - ctx.lagMillis
  const servedEnd = Math.min(end, lastRefreshed)
  const type = q.get("transaction_type")
  const status = q.get("transaction_status")
  const currency = q.get("transaction_currency")
  const instrument = q.get("payment_instrument_type")
  const storeOrTerminal = q.get("store_id") ?? q.get("terminal_id")
  const window = ctx.index.window(start, servedEnd)

  const details: Array<Record<string, unknown>> = []
  let total = 0
  const first = (page - 1) * pageSize
  const filtered = type !== null || status !== null || currency !== null || transactionId !== null || amountRange != null ||
    instrument !== null || storeOrTerminal !== null
  if (!filtered) {
    // No filter: the page is position arithmetic on the window.
    total = window.end - window.start
    for (let i = window.start + first; i < window.end && details.length < pageSize; i++) {
      details.push(transactionDetail(transactionInfo(ctx.index.at(i)!, lastRefreshed), fields))
    }
  }
  for (let i = filtered ? window.start : window.end; i < window.end; i++) {
    const info = transactionInfo(ctx.index.at(i)!, lastRefreshed)
    if (type !== null && info.transaction_event_code !== type) continue
    if (status !== null && info.transaction_status !== status) continue
    if (currency !== null && info.transaction_amount.currency_code !== currency) continue
    if (transactionId !== null && info.transaction_id !== transactionId) continue
    if (amountRange != null && (info.minor < Number(amountRange[1]) || info.minor > Number(amountRange[2]))) continue
    // Emulated payments are PayPal wallet payments in no store.
    if (instrument !== null || storeOrTerminal !== null) continue
    if (total >= first && details.length < pageSize) details.push(transactionDetail(info, fields))
    total++
  }
  const totalPages = Math.ceil(total / pageSize)
  const link = (n: number, rel: string) => {
    const params = new URLSearchParams(q)
    params.set("page", String(n))
    return { href: `${ctx.origin}/v1/reporting/transactions?${params.toString()}`, rel, method: "GET" }
  }
  return json(200, {
    transaction_details: details,
    account_number: ctx.accountNumber,
    start_date: paypalTime(start),
    end_date: paypalTime(servedEnd),
    last_refreshed_datetime: paypalTime(lastRefreshed),
    page,
    total_items: total,
    total_pages: totalPages,
    links: [link(page, "self"), ...(page < totalPages ? [link(page + 1, "next"), link(totalPages, "last")] : [])]
  })
}

interface Info {
  readonly minor: number
  readonly transaction_event_code: string
  readonly transaction_status: string
  readonly transaction_id: string
  readonly transaction_amount: { readonly currency_code: string; readonly value: string }
  readonly fields: Record<string, unknown>
  readonly payerId: string
}

const transactionInfo = (entry: Transaction, asOf: number): Info => {
  if (entry.kind === "capture") {
    const p = entry.payment
    const amount = money(p.amount, p.currency)
    return {
      minor: p.amount,
      transaction_event_code: captureEventCode,
      transaction_status: "S",
      transaction_id: p.id,
      transaction_amount: amount,
      payerId: payerIdOf(p.id),
      fields: {
        paypal_account_id: payerIdOf(p.id),
        transaction_id: p.id,
        transaction_event_code: captureEventCode,
        transaction_initiation_date: paypalTime(p.createdAt),
        transaction_updated_date: paypalTime(p.createdAt),
        transaction_amount: amount,
        fee_amount: money(0, p.currency),
        transaction_status: "S",
        ...(p.reference === undefined ? {} : { invoice_id: p.reference }),
        protection_eligibility: "01",
        instrument_type: "PAYPAL"
      }
    }
  }
  const r = entry.refund
  const asOfStatus = statusAsOf(r, asOf)
  const code = refundTransactionStatus(asOfStatus.status)
  const amount = money(-r.amount, r.currency)
  return {
    minor: -r.amount,
    transaction_event_code: refundEventCode,
    transaction_status: code,
    transaction_id: r.id,
    transaction_amount: amount,
    payerId: payerIdOf(r.paymentId),
    fields: {
      paypal_account_id: payerIdOf(r.paymentId),
      transaction_id: r.id,
      paypal_reference_id: r.attributes.captureId,
      paypal_reference_id_type: "TXN",
      transaction_event_code: refundEventCode,
      transaction_initiation_date: paypalTime(r.createdAt),
      transaction_updated_date: paypalTime(asOfStatus.since),
      transaction_amount: amount,
      transaction_status: code,
      ...(r.attributes.invoiceId === undefined ? {} : { invoice_id: r.attributes.invoiceId }),
      ...(r.attributes.customId === undefined ? {} : { custom_field: r.attributes.customId }),
      ...(r.attributes.noteToPayer === undefined ? {} : { transaction_note: r.attributes.noteToPayer }),
      instrument_type: "PAYPAL"
    }
  }
}

const transactionDetail = (info: Info, fields: ReadonlySet<string>): Record<string, unknown> => ({
  ...(fields.has("transaction_info") ? { transaction_info: info.fields } : {}),
  ...(fields.has("payer_info") ? { payer_info: { account_id: info.payerId } } : {}),
  ...(fields.has("shipping_info") ? { shipping_info: {} } : {}),
  ...(fields.has("cart_info") ? { cart_info: {} } : {}),
  ...(fields.has("store_info") ? { store_info: {} } : {}),
  ...(fields.has("auction_info") ? { auction_info: {} } : {}),
  ...(fields.has("incentive_info") ? { incentive_info: {} } : {})
})
