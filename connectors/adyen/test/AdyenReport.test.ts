import { describe, expect, it } from "@effect/vitest"
import { Money, WebhookEvent } from "@refract/core"
import type { Connector, Refund } from "@refract/core"
import { Option, Result } from "effect"
import { AdyenReport, AdyenWebhook, connector } from "@refract/adyen"
import { fixtureText } from "./helpers.ts"

/** The fixture has no quoted fields, so a plain split stands in for the core's CSV reader. */
const csv = (text: string): Array<Array<string>> =>
  text.split(/\r?\n/).filter((line) => line !== "").map((line) => line.split(","))

const [header, ...rows] = csv(fixtureText("settlement_detail_report_batch_214.csv")) as [Array<string>, ...Array<Array<string>>]

const bind = (h: ReadonlyArray<string>): Connector.ReportRowParser => {
  const result = connector.report!.columns(h)
  if (Result.isFailure(result)) throw new Error(result.failure)
  return result.success
}

const refundsOf = (h: ReadonlyArray<string>, rs: ReadonlyArray<ReadonlyArray<string>>): Array<Refund.RefundSnapshot> => {
  const parse = bind(h)
  const out: Array<Refund.RefundSnapshot> = []
  for (const row of rs) {
    const result = parse(row)
    if (Result.isFailure(result)) throw new Error(result.failure)
    if (Option.isSome(result.success)) out.push(result.success.value)
  }
  return out
}

const rowFailure = (row: ReadonlyArray<string>, h: ReadonlyArray<string> = header): string => {
  const result = bind(h)(row)
  if (Result.isSuccess(result)) throw new Error("expected a failure")
  return result.failure
}

/** A copy of the fixture's first Refunded row with some cells changed, by column name. */
const refundedRow = (changes: Readonly<Record<string, string>> = {}, h: ReadonlyArray<string> = header): Array<string> => {
  const row = [...rows[3]!]
  for (const [name, value] of Object.entries(changes)) row[h.indexOf(name)] = value
  return row
}

const cet = (local: string) => Date.parse(`${local.replace(" ", "T")}+01:00`)

describe("report support", () => {
  it("declares the settlement details report", () => {
    expect(connector.capabilities.reports).toBe(true)
    expect(connector.capabilities.list).toBe(false)
    expect(connector.report!.name).toBe("Settlement details report (CSV)")
  })
})

describe("the settlement details report", () => {
  const refunds = refundsOf(header, rows)
  const byId = new Map(refunds.map((r) => [r.connectorRefundId, r]))

  it("keeps Refunded and RefundedReversed rows; Settled, Chargeback, Fee and MerchantPayout are not refunds", () => {
    expect(refunds.map((r) => [r.connectorRefundId, r.rawStatus])).toEqual([
      ["LQWDDLKTSV2GGS82", "Refunded"],
      ["993617894906488A", "Refunded"],
      ["883617894906488B", "Refunded"],
      ["773617894906488C", "RefundedReversed"]
    ])
  })

  it("maps a Refunded row: the modification pspReference is the refund, the Psp Reference the payment", () => {
    const refund = byId.get("LQWDDLKTSV2GGS82")!
    expect(refund.connectorTransactionId).toBe("QFQTPCQ8HXSKGK82")
    expect(refund.merchantRefundId).toBe("order-42-r1")
    expect(refund.status).toBe("Succeeded")
    expect(refund.amount).toEqual(Money.make(4_990, "EUR"))
    expect(refund.failure).toBeUndefined()
    expect(refund.occurredAt).toBe(cet("2026-11-23 10:15:30"))
    expect(refund.settlement).toEqual({ batchId: "214", settledAt: cet("2026-11-23 10:15:30") })
    expect((refund.raw as Record<string, string>)["Gross Debit (GC)"]).toBe("49.90")
  })

  it("amounts are exact in 0-, 2- and 3-decimal currencies", () => {
    expect(byId.get("993617894906488A")!.amount).toEqual(Money.make(1_050, "JPY"))
    expect(byId.get("LQWDDLKTSV2GGS82")!.amount).toEqual(Money.make(4_990, "EUR"))
    expect(byId.get("883617894906488B")!.amount).toEqual(Money.make(1_050, "KWD"))
  })

  it("RefundedReversed is Reversed, its amount from Gross Credit (GC)", () => {
    const reversed = byId.get("773617894906488C")!
    expect(reversed.status).toBe("Reversed")
    expect(reversed.amount).toEqual(Money.make(2_500, "EUR"))
    expect(reversed.failure?.code).toBe("RefundedReversed")
    expect(reversed.merchantRefundId).toBe("order-45-r1")
  })

  it("reordered columns still parse to the same refunds", () => {
    const order = header.map((_, i) => i).toReversed()
    order.push(order.shift()!)
    const permute = (row: ReadonlyArray<string>) => order.map((i) => row[i]!)
    const again = refundsOf(permute(header), rows.map(permute))
    expect(again.map((r) => ({ ...r, raw: undefined }))).toEqual(refunds.map((r) => ({ ...r, raw: undefined })))
  })

  it("extra columns, a byte order mark and blank rows are fine", () => {
    const h = [`\uFEFF${header[0]}`, ...header.slice(1), "Shopper Country", ""]
    const parse = bind(h)
    const result = parse([...rows[3]!, "NL", ""])
    expect(Result.isSuccess(result) && Option.isSome(result.success)).toBe(true)
    expect(parse(h.map(() => ""))).toEqual(Result.succeed(Option.none()))
  })

  it("a missing required column is an error naming it", () => {
    for (const name of AdyenReport.REQUIRED_COLUMNS) {
      const result = connector.report!.columns(header.filter((h) => h !== name))
      expect(Result.isFailure(result) && result.failure).toContain(`"${name}"`)
    }
    expect(Result.isFailure(connector.report!.columns(["Date", "Amount"]))).toBe(true)
    expect(Result.isFailure(connector.report!.columns([...header, "Type"]))).toBe(true)
    expect(Result.isFailure(connector.report!.columns(header.filter((h) => h !== "TimeZone")))).toBe(true)
  })

  it("malformed refund rows are errors naming the column", () => {
    const cases: ReadonlyArray<[Record<string, string>, string]> = [
      [{ "Gross Debit (GC)": "49,90" }, "Gross Debit (GC)"],
      [{ "Gross Debit (GC)": "4.99e1" }, "Gross Debit (GC)"],
      [{ "Gross Debit (GC)": "-49.90" }, "Gross Debit (GC)"],
      [{ "Gross Debit (GC)": "49.905" }, "Gross Debit (GC)"],
      [{ "Gross Debit (GC)": "" }, "Gross Debit (GC)"],
      [{ "Gross Credit (GC)": "49.90" }, "Gross Credit (GC)"],
      [{ "Gross Currency": "XXX" }, "Gross Currency"],
      [{ "Modification Reference": "" }, "Modification Reference"],
      [{ "Modification Reference": "LQWD DLKT" }, "Modification Reference"],
      [{ "Psp Reference": "QFQT/PCQ8" }, "Psp Reference"],
      [{ TimeZone: "CST" }, "TimeZone"],
      [{ "Creation Date": "23/11/2026 10:15" }, "Creation Date"],
      [{ "Creation Date": "2026-02-30 10:15:30" }, "Creation Date"]
    ]
    for (const [changes, column] of cases) {
      expect(rowFailure(refundedRow(changes))).toContain(`"${column}"`)
    }
    expect(rowFailure(rows[3]!.slice(1))).toContain("cells")
  })

  it("a malformed non-refund row is not read (only refunds are)", () => {
    const fee = [...rows[7]!]
    fee[header.indexOf("Net Debit (NC)")] = "x"
    expect(bind(header)(fee)).toEqual(Result.succeed(Option.none()))
  })

  it("time zones: unambiguous abbreviations and explicit offsets, exactly", () => {
    expect(AdyenReport.dateOf("2026-07-01 12:00:00", "CEST", "Creation Date", "TimeZone")).toEqual(Result.succeed(Date.parse("2026-07-01T10:00:00Z")))
    expect(AdyenReport.dateOf("2026-07-01 12:00:00", "BST", "Creation Date", "TimeZone")).toEqual(Result.succeed(Date.parse("2026-07-01T11:00:00Z")))
    expect(AdyenReport.dateOf("2026-07-01 12:00:00", "UTC+05:30", "Creation Date", "TimeZone")).toEqual(Result.succeed(Date.parse("2026-07-01T06:30:00Z")))
    expect(AdyenReport.dateOf("2026-07-01 12:00:00", "-03:00", "Creation Date", "TimeZone")).toEqual(Result.succeed(Date.parse("2026-07-01T15:00:00Z")))
    for (const zone of ["CST", "IST", "", "Europe/Amsterdam", "+25:00"]) {
      expect(Result.isFailure(AdyenReport.dateOf("2026-07-01 12:00:00", zone, "Creation Date", "TimeZone"))).toBe(true)
    }
  })

  it("Booking Date (with its time zone) wins over Creation Date; Acquirer Reference is the trace reference", () => {
    const h = [...header, "Booking Date", "Booking Date TimeZone", "Acquirer Reference"]
    const [refund] = refundsOf(h, [[...rows[3]!, "2026-11-25 06:00:00", "CET", "74012345678901234567890"]])
    expect(refund!.settlement).toEqual({
      batchId: "214",
      settledAt: cet("2026-11-25 06:00:00"),
      traceReference: "74012345678901234567890",
      traceReferenceType: "arn"
    })
    expect(rowFailure([...rows[3]!, "2026-11-25 06:00:00", "CST", ""], h)).toContain(`"Booking Date TimeZone"`)
  })
})

describe("REPORT_AVAILABLE notifications", () => {
  it("parse into one event without a refund, never a failure", () => {
    // Adyen's report notification: pspReference is the file name, reason the download URL.
    const body = JSON.stringify({
      live: "false",
      notificationItems: [{
        NotificationRequestItem: {
          additionalData: { hmacSignature: "ignored-by-parse" },
          amount: { currency: "EUR", value: 0 },
          eventCode: "REPORT_AVAILABLE",
          eventDate: "2026-11-24T05:10:00+01:00",
          merchantAccountCode: "TestMerchantECOM",
          merchantReference: "",
          pspReference: "settlement_detail_report_batch_214.csv",
          reason: "https://ca-test.adyen.com/reports/download/MerchantAccount/TestMerchantECOM/settlement_detail_report_batch_214.csv",
          success: "true"
        }
      }]
    })
    const result = AdyenWebhook.parse(WebhookEvent.makeRawRequest({ method: "POST", url: "https://shop.example/webhooks/adyen", headers: {}, body }))
    if (Result.isFailure(result)) throw new Error(result.failure.message)
    expect(result.success).toHaveLength(1)
    expect(result.success[0]!.eventType).toBe("REPORT_AVAILABLE")
    expect(result.success[0]!.refund).toBeUndefined()
  })
})
