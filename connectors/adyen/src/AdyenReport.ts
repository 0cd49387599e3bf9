/**
 * Adyen's **Settlement details report** (CSV) as refund snapshots with their settlement evidence.
 *
 * Adyen has no refund list and no refund-status endpoint; the settlement details report
 * (`settlement_detail_report_batch_<n>.csv`, one per payable batch) is where a refund's money is
 * seen leaving the merchant's balance. Sources: docs.adyen.com "Settlement details report"
 * (https://docs.adyen.com/reporting/settlement-detail-report), its column table ("Settlement detail
 * report structure") and "Journal types".
 *
 * Columns are bound by header name, never by position: Adyen lets merchants add columns and change
 * their order ("You can add more columns, or change the order of the default columns"). The core splits
 * the CSV; {@link columns} binds the header row and returns a pure parser for each data row.
 *
 * | report | snapshot |
 * |---|---|
 * | `Type` `Refunded` ("Debit for a payment that was SentForRefund") | status Succeeded |
 * | `Type` `RefundedReversed` ("A refund that is returned to our account as it can not be credited to the shopper by the scheme/bank or is returned by the shopper") | status Reversed |
 * | any other `Type` (Settled, Chargeback, Fee, MerchantPayout, ...) | none |
 * | `Modification Reference` (for Settled, Refunded, Chargebacks: "the 'modification' psp reference") | connectorRefundId |
 * | `Psp Reference` ("the PSP reference for the original authorisation") | connectorTransactionId |
 * | `Modification Merchant Reference` (our create sends the merchant refund id as `reference`) | merchantRefundId |
 * | `Gross Debit (GC)` (Refunded) / `Gross Credit (GC)` (RefundedReversed), `Gross Currency` | amount, exact on the digits |
 * | `Batch Number` | settlement.batchId |
 * | `Booking Date` + `Booking Date TimeZone` when the report has them, else `Creation Date` + `TimeZone` | settlement.settledAt, occurredAt |
 * | `Acquirer Reference`, when the report has that column | settlement.traceReference (type `arn`) |
 */
import { Money, Refund, Timestamp } from "@refract/core"
import type { Connector } from "@refract/core"
import { Option, Result, Schema } from "effect"

export const REPORT_NAME = "Settlement details report (CSV)"

/** The columns a refund row needs. */
export const REQUIRED_COLUMNS = [
  "Psp Reference",
  "Type",
  "Modification Reference",
  "Gross Currency",
  "Gross Debit (GC)",
  "Gross Credit (GC)"
] as const

/** Columns read when the report has them. */
export const OPTIONAL_COLUMNS = [
  "Modification Merchant Reference",
  "Batch Number",
  "Creation Date",
  "TimeZone",
  "Booking Date",
  "Booking Date TimeZone",
  "Acquirer Reference"
] as const

type Column = (typeof REQUIRED_COLUMNS)[number] | (typeof OPTIONAL_COLUMNS)[number]

/** Record types that are refunds, and what each says. */
export const REFUND_TYPES: Readonly<Record<string, { readonly status: "Succeeded" | "Reversed"; readonly amountColumn: Column }>> = {
  Refunded: { status: "Succeeded", amountColumn: "Gross Debit (GC)" },
  RefundedReversed: { status: "Reversed", amountColumn: "Gross Credit (GC)" }
}

/**
 * The time zone abbreviations Adyen writes in `TimeZone` ("ISO code for the configured time zone …
 * (BST, CET, CEST, etc.)"), as UTC offsets. Only unambiguous abbreviations are listed: `CST`, `IST`
 * and the like name several zones and are refused rather than guessed. An explicit offset
 * (`+01:00`, `UTC+1`, `GMT-05:30`) is read as such.
 */
export const timeZoneOffsets: Readonly<Record<string, string>> = {
  UTC: "+00:00", GMT: "+00:00", WET: "+00:00", WEST: "+01:00", BST: "+01:00",
  CET: "+01:00", CEST: "+02:00", MET: "+01:00", MEST: "+02:00",
  EET: "+02:00", EEST: "+03:00", MSK: "+03:00",
  EST: "-05:00", EDT: "-04:00", CDT: "-05:00", MST: "-07:00", MDT: "-06:00", PST: "-08:00", PDT: "-07:00",
  AKST: "-09:00", AKDT: "-08:00", HST: "-10:00", BRT: "-03:00",
  SGT: "+08:00", HKT: "+08:00", AWST: "+08:00", JST: "+09:00", KST: "+09:00",
  ACST: "+09:30", ACDT: "+10:30", AEST: "+10:00", AEDT: "+11:00", NZST: "+12:00", NZDT: "+13:00"
}

/** A `TimeZone` cell as an RFC 3339 offset, or undefined when it is not one Refract can read exactly. */
export const offsetOf = (zone: string): string | undefined => {
  const z = zone.trim()
  if (Object.hasOwn(timeZoneOffsets, z)) return timeZoneOffsets[z]
  const explicit = /^(?:UTC|GMT)?([+-])(\d{1,2})(?::?(\d{2}))?$/.exec(z)
  if (explicit === null) return undefined
  const hours = Number(explicit[2])
  const minutes = Number(explicit[3] ?? "0")
  if (hours > 14 || minutes > 59) return undefined
  return `${explicit[1]}${String(hours).padStart(2, "0")}:${String(minutes).padStart(2, "0")}`
}

/** `2013-06-03 11:26:49` in the zone `CET` as epoch ms; a problem as a message. */
export const dateOf = (date: string, zone: string, dateColumn: string, zoneColumn: string): Result.Result<number, string> => {
  const match = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})$/.exec(date.trim())
  if (match === null) return Result.fail(`column "${dateColumn}": ${JSON.stringify(date.slice(0, 40))} is not a date "YYYY-MM-DD HH:MM:SS"`)
  const offset = offsetOf(zone)
  if (offset === undefined) {
    return Result.fail(`column "${zoneColumn}": ${JSON.stringify(zone.slice(0, 40))} is not a time zone Refract reads exactly (an unambiguous abbreviation such as CET or an offset such as +01:00)`)
  }
  const millis = Timestamp.fromIsoString(`${match[1]}T${match[2]}${offset}`)
  return millis === undefined
    ? Result.fail(`column "${dateColumn}": ${JSON.stringify(date.slice(0, 40))} is not a real date`)
    : Result.succeed(millis)
}

/** A decimal amount cell ("49.90", "1050", "1.050") and its currency as Money: exact on the digits, never a float. */
export const amountOf = (value: string, currency: string, column: string): Result.Result<Money.Money, string> => {
  const v = value.trim()
  if (!/^\d+(?:\.\d+)?$/.test(v)) return Result.fail(`column "${column}": ${JSON.stringify(value.slice(0, 40))} is not a decimal amount`)
  const money = Money.fromDecimalString(v, currency.trim())
  return Result.isFailure(money)
    ? Result.fail(`column "${column}" with "Gross Currency" ${JSON.stringify(currency.slice(0, 8))}: ${Money.describeProblem(money.failure)}`)
    : Result.succeed(money.success)
}

const isProcessorIdGuard = Schema.is(Refund.ProcessorId)
const isProcessorId = (value: string): boolean => isProcessorIdGuard(value)

/** Binds the header row: a row parser, or why this is not a settlement details report. */
export const columns = (header: ReadonlyArray<string>): Result.Result<Connector.ReportRowParser, string> => {
  const index = new Map<string, number>()
  for (const [i, raw] of header.entries()) {
    // A UTF-8 byte order mark may precede the first header.
    const name = (i === 0 ? raw.replace(/^\uFEFF/, "") : raw).trim()
    if (name === "") continue
    if (index.has(name)) return Result.fail(`the header names column "${name.slice(0, 60)}" twice`)
    index.set(name, i)
  }
  const missing = REQUIRED_COLUMNS.filter((c) => !index.has(c))
  if (missing.length > 0) {
    return Result.fail(`not an Adyen settlement details report: missing column${missing.length > 1 ? "s" : ""} ${missing.map((c) => `"${c}"`).join(", ")}`)
  }
  if (index.has("Creation Date") !== index.has("TimeZone")) return Result.fail(`the report has one of "Creation Date" and "TimeZone" without the other`)
  if (index.has("Booking Date") !== index.has("Booking Date TimeZone")) {
    return Result.fail(`the report has one of "Booking Date" and "Booking Date TimeZone" without the other`)
  }
  const width = header.length
  return Result.succeed((cells) => {
    if (cells.every((c) => c.trim() === "")) return Result.succeed(Option.none())
    if (cells.length !== width) return Result.fail(`the row has ${cells.length} cells, the header ${width}`)
    const cell = (column: Column): string => {
      const i = index.get(column)
      return i === undefined ? "" : cells[i]!.trim()
    }
    const type = cell("Type")
    const kind = Object.hasOwn(REFUND_TYPES, type) ? REFUND_TYPES[type] : undefined
    if (kind === undefined) return Result.succeed(Option.none())

    const refundId = cell("Modification Reference")
    if (!isProcessorId(refundId)) return Result.fail(`column "Modification Reference": ${type} row without a usable refund pspReference (${JSON.stringify(refundId.slice(0, 40))})`)
    const paymentId = cell("Psp Reference")
    if (paymentId !== "" && !isProcessorId(paymentId)) return Result.fail(`column "Psp Reference": ${JSON.stringify(paymentId.slice(0, 40))} is not a pspReference`)

    const other: Column = kind.amountColumn === "Gross Debit (GC)" ? "Gross Credit (GC)" : "Gross Debit (GC)"
    if (cell(kind.amountColumn) === "") return Result.fail(`column "${kind.amountColumn}": empty on a ${type} row`)
    if (cell(other) !== "") return Result.fail(`column "${other}": a ${type} row has its amount in "${kind.amountColumn}", not here`)
    const amount = amountOf(cell(kind.amountColumn), cell("Gross Currency"), kind.amountColumn)
    if (Result.isFailure(amount)) return Result.fail(amount.failure)

    let settledAt: number | undefined
    if (index.has("Booking Date") && cell("Booking Date") !== "") {
      const booked = dateOf(cell("Booking Date"), cell("Booking Date TimeZone"), "Booking Date", "Booking Date TimeZone")
      if (Result.isFailure(booked)) return Result.fail(booked.failure)
      settledAt = booked.success
    } else if (index.has("Creation Date") && cell("Creation Date") !== "") {
      const created = dateOf(cell("Creation Date"), cell("TimeZone"), "Creation Date", "TimeZone")
      if (Result.isFailure(created)) return Result.fail(created.failure)
      settledAt = created.success
    }
    const batch = cell("Batch Number")
    const arn = cell("Acquirer Reference")
    const merchantRefundId = cell("Modification Merchant Reference")
    try {
      return Result.succeed(Option.some(
        new Refund.RefundSnapshot({
          connectorRefundId: refundId,
          connectorTransactionId: paymentId === "" ? undefined : paymentId,
          merchantRefundId: merchantRefundId === "" ? undefined : merchantRefundId,
          amount: amount.success,
          status: kind.status,
          rawStatus: type,
          failure: kind.status === "Reversed"
            ? new Refund.FailureDetails({
              code: type,
              message: "the refund was returned to Adyen: the scheme or bank could not credit the shopper, or the shopper returned it"
            })
            : undefined,
          occurredAt: settledAt,
          settlement: batch !== "" || arn !== "" || settledAt !== undefined
            ? new Refund.Settlement({
              batchId: batch === "" ? undefined : batch,
              traceReference: arn === "" ? undefined : arn,
              traceReferenceType: arn === "" ? undefined : "arn",
              settledAt
            })
            : undefined,
          raw: Object.fromEntries([...index.entries()].map(([name, i]) => [name, cells[i]!]))
        })
      ))
    } catch (error) {
      return Result.fail(`${type} row ${refundId}: ${error instanceof Error ? error.message.replace(/\s+/g, " ") : "invalid"}`)
    }
  })
}

/** The connector's report support. */
export const report: Connector.ReportSupport = { name: REPORT_NAME, columns }
