/**
 * Adyen's Settlement details report, the only place Adyen tells a merchant, per refund, that the money moved:
 * Adyen has no refund list and no refund status endpoint. Written from Adyen's reporting docs:
 *
 * - "The report is generated whenever a payable batch closes"; the file is
 *   `settlement_detail_report_batch_<n>.csv` and downloads from
 *   `/reports/download/MerchantAccount/<merchantAccount>/<fileName>`
 *   (https://docs.adyen.com/reporting/settlement-detail-report, "for example:
 *   https://ca-live.adyen.com/reports/download/MerchantAccount/[yourMerchantAccountName]/settlement_detail_report_batch_4.csv").
 *   The emulator serves it from its own origin; `POST /__emulator/adyen/settlement-batches` closes a batch (and
 *   the `settlementBatchIntervalMillis` option closes one on the emulator clock);
 * - a `REPORT_AVAILABLE` standard notification announces it: `pspReference` = the file name, `reason` = the
 *   download URL, `amount` `{ currency: "EUR", value: 0 }`, `merchantReference` "", `success` "true" (the sample
 *   notification of https://docs.adyen.com/reporting/automatically-get-reports; "pspReference – the file name of
 *   the report, reason – the URL that you can use to download the report", docs.adyen.com/developers/reporting/
 *   downloading-reports), HMAC-signed like the other standard notifications;
 * - columns, in this order (settlement-detail-report-structure: positions 1–9 by name; the rest by the sample rows
 *   of https://docs.adyen.com/reporting/settlement-reconciliation/transaction-level/settlement-details-report,
 *   which have 30 fields, and the column names third-party ingesters read: Gross Currency, Gross Debit (GC),
 *   Gross Credit (GC), Exchange Rate, Net Currency, Net Debit (NC), Net Credit (NC), Commission (NC), Markup (NC),
 *   Scheme Fees (NC), Interchange (NC), Payment Method Variant, Batch Number). The names of positions 22–30
 *   (Modification Merchant Reference, Batch Number, Reserved4–Reserved10) are [unverified]: the stored pages cut
 *   the table off before them;
 * - `Type` (journal type) values used: `Settled` (a capture), `Refunded` (a refund that succeeded),
 *   `RefundedReversed` (a refund whose money came back: the REFUNDED_REVERSED notification, and — [derived] — a
 *   REFUND_FAILED scheme rejection), then one `MerchantPayout` line per currency when the batch pays out. Amounts are
 *   in major units with the currency's decimals; `Creation Date` is `YYYY-MM-DD HH:MM:SS` in the `TimeZone`
 *   column's zone (the emulator's account is on UTC).
 *
 * Fees are emulator numbers, not Adyen's [derived]: a capture pays a commission of 0.10 (in its currency) and
 * nothing else; refunds and reversals carry no fee, so their net equals their gross.
 *
 * @since 0.1.0
 */
import { createHash } from "node:crypto"
import type { PaymentRecord, RefundRecord, RefundStore } from "../emulator/RefundStore.ts"
import type { AdyenRefundAttributes } from "./AdyenEmulator.ts"

/** The report's columns, in order. */
export const columns = [
  "Company Account",
  "Merchant Account",
  "Psp Reference",
  "Merchant Reference",
  "Payment Method",
  "Creation Date",
  "TimeZone",
  "Type",
  "Modification Reference",
  "Gross Currency",
  "Gross Debit (GC)",
  "Gross Credit (GC)",
  "Exchange Rate",
  "Net Currency",
  "Net Debit (NC)",
  "Net Credit (NC)",
  "Commission (NC)",
  "Markup (NC)",
  "Scheme Fees (NC)",
  "Interchange (NC)",
  "Payment Method Variant",
  "Modification Merchant Reference",
  "Batch Number",
  "Reserved4",
  "Reserved5",
  "Reserved6",
  "Reserved7",
  "Reserved8",
  "Reserved9",
  "Reserved10"
] as const

export type Column = (typeof columns)[number]

/** The file name Adyen gives a batch's report. */
export const fileNameOf = (batchNumber: number): string => `settlement_detail_report_batch_${batchNumber}.csv`

/** The download path of a report (served from the emulator's origin). */
export const downloadPath = (merchantAccount: string, fileName: string): string =>
  `/reports/download/MerchantAccount/${encodeURIComponent(merchantAccount)}/${encodeURIComponent(fileName)}`

/** A closed batch and its report. */
export interface SettlementBatch {
  readonly batchNumber: number
  readonly fileName: string
  /** Epoch ms (emulator clock) when the batch closed. */
  readonly closedAt: number
  readonly csv: string
  readonly rows: ReadonlyArray<Readonly<Record<Column, string>>>
}

type Booking =
  | { readonly type: "Settled"; readonly at: number; readonly payment: PaymentRecord }
  | { readonly type: "Refunded" | "RefundedReversed"; readonly at: number; readonly refund: RefundRecord<AdyenRefundAttributes> }

const decimalsOf = (currency: string): number =>
  ["JPY", "KRW", "VND", "CLP", "ISK", "IDR"].includes(currency) ? 0 : ["BHD", "KWD", "JOD", "OMR", "TND"].includes(currency) ? 3 : 2

const major = (minor: number, currency: string): string => (minor / 10 ** decimalsOf(currency)).toFixed(decimalsOf(currency))

const commissionMinor = (currency: string): number => 10 ** decimalsOf(currency) / 10

const creationDate = (millis: number): string => new Date(millis).toISOString().slice(0, 19).replace("T", " ")

/** The capture's own (modification) PSP reference, derived from the payment's. */
export const captureReferenceOf = (paymentPspReference: string): string =>
  createHash("sha256").update(`capture|${paymentPspReference}`).digest("hex").slice(0, 16).toUpperCase()

const csvField = (value: string): string => (/[",\r\n]/.test(value) ? `"${value.replaceAll("\"", "\"\"")}"` : value)

/** RFC 4180 lines, `\n`-terminated [unverified: Adyen's line ending]. */
export const toCsv = (rows: ReadonlyArray<Readonly<Record<Column, string>>>): string =>
  [columns.join(","), ...rows.map((row) => columns.map((c) => csvField(row[c])).join(","))].map((line) => `${line}\n`).join("")

/** Parses a report back into rows (for tests and clients; RFC 4180 quoting). */
export const parseCsv = (text: string): ReadonlyArray<Record<string, string>> => {
  const records: Array<Array<string>> = []
  let field = ""
  let record: Array<string> = []
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!
    if (quoted) {
      if (ch === "\"" && text[i + 1] === "\"") {
        field += "\""
        i++
      } else if (ch === "\"") quoted = false
      else field += ch
    } else if (ch === "\"") quoted = true
    else if (ch === ",") {
      record.push(field)
      field = ""
    } else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && text[i + 1] === "\n") i++
      record.push(field)
      records.push(record)
      record = []
      field = ""
    } else field += ch
  }
  if (field !== "" || record.length > 0) records.push([...record, field])
  const [header, ...body] = records
  return header === undefined ? [] : body.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i] ?? ""])))
}

/**
 * The bookings since the last batch, and the batches closed so far. Bookings come from the store's transitions
 * (a refund reaching `refunded`, `refunded_reversed` or `refund_failed`) and from captured payments.
 */
export class SettlementLedger {
  private pending: Array<Booking> = []
  private payments: Array<string> = []
  private readonly closed: Array<SettlementBatch> = []
  private readonly store: RefundStore<AdyenRefundAttributes>
  private readonly companyAccount: string
  private readonly merchantAccount: string

  constructor(store: RefundStore<AdyenRefundAttributes>, companyAccount: string, merchantAccount: string) {
    this.store = store
    this.companyAccount = companyAccount
    this.merchantAccount = merchantAccount
    store.onTransition((t) => {
      if (t.to === "refunded") this.pending.push({ type: "Refunded", at: store.clock.now(), refund: t.refund })
      if ((t.to === "refunded_reversed" || t.to === "refund_failed") && t.from === "refunded") {
        this.pending.push({ type: "RefundedReversed", at: store.clock.now(), refund: t.refund })
      }
    })
  }

  /** A payment id was handed out: its capture settles in the next batch. */
  notePayment(id: string): void {
    this.payments.push(id)
  }

  batches(): ReadonlyArray<SettlementBatch> {
    return this.closed
  }

  batch(fileName: string): SettlementBatch | undefined {
    return this.closed.find((b) => b.fileName === fileName)
  }

  /** Closes the payable batch: everything booked until now, in booking order, then the payout lines. */
  close(): SettlementBatch {
    const now = this.store.clock.now()
    const batchNumber = this.closed.length + 1
    const captures: Array<Booking> = []
    for (const id of this.payments) {
      const payment = this.store.payment(id)
      if (payment !== undefined) captures.push({ type: "Settled", at: payment.createdAt, payment })
    }
    this.payments = []
    // Bookings of refunds a reset dropped are dropped with them.
    const bookings = [...captures, ...this.pending.filter((b) => b.type === "Settled" || this.store.get(b.refund.id) === b.refund)]
      .toSorted((a, b) => a.at - b.at)
    this.pending = []
    const empty = Object.fromEntries(columns.map((c) => [c, ""])) as Record<Column, string>
    const net = new Map<string, number>()
    const rows: Array<Record<Column, string>> = bookings.map((b) => {
      const base = { ...empty, "Company Account": this.companyAccount, "Merchant Account": this.merchantAccount, "Payment Method": "visa",
        "TimeZone": "UTC", "Exchange Rate": "1", "Payment Method Variant": "visa", "Batch Number": String(batchNumber) }
      if (b.type === "Settled") {
        const p = b.payment
        const fee = commissionMinor(p.currency)
        net.set(p.currency, (net.get(p.currency) ?? 0) + p.amount - fee)
        return { ...base, "Psp Reference": p.id, "Merchant Reference": p.reference ?? "", "Creation Date": creationDate(b.at), "Type": "Settled",
          "Modification Reference": captureReferenceOf(p.id), "Gross Currency": p.currency, "Gross Credit (GC)": major(p.amount, p.currency),
          "Net Currency": p.currency, "Net Credit (NC)": major(p.amount - fee, p.currency), "Commission (NC)": major(fee, p.currency) }
      }
      const r = b.refund
      const payment = this.store.payment(r.paymentId)
      const debit = b.type === "Refunded"
      net.set(r.currency, (net.get(r.currency) ?? 0) + (debit ? -r.amount : r.amount))
      return { ...base, "Psp Reference": r.paymentId, "Merchant Reference": payment?.reference ?? "", "Creation Date": creationDate(b.at), "Type": b.type,
        "Modification Reference": r.id, "Gross Currency": r.currency, "Net Currency": r.currency,
        ...(debit
          ? { "Gross Debit (GC)": major(r.amount, r.currency), "Net Debit (NC)": major(r.amount, r.currency) }
          : { "Gross Credit (GC)": major(r.amount, r.currency), "Net Credit (NC)": major(r.amount, r.currency) }),
        "Modification Merchant Reference": r.reference ?? "" }
    })
    for (const [currency, amount] of [...net.entries()].toSorted(([a], [b]) => a.localeCompare(b))) {
      if (amount <= 0) continue
      rows.push({ ...empty, "Company Account": this.companyAccount, "Merchant Account": this.merchantAccount, "Creation Date": creationDate(now),
        "TimeZone": "UTC", "Type": "MerchantPayout", "Modification Reference": `Payout of batch ${batchNumber}`, "Net Currency": currency,
        "Net Debit (NC)": major(amount, currency), "Batch Number": String(batchNumber) })
    }
    const batch: SettlementBatch = { batchNumber, fileName: fileNameOf(batchNumber), closedAt: now, csv: toCsv(rows), rows }
    this.closed.push(batch)
    return batch
  }
}
