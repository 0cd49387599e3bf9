import { describe, expect, it } from "@effect/vitest"
import { Money } from "@refract/core"
import type { Connector } from "@refract/core"
import { Result } from "effect"
import { connector, PayPalList } from "@refract/paypal"
import { response } from "@refract/testkit/connector/ConnectorTest"
import { buildContext, captureId, fixtureJson, fixtureText, refundId } from "./helpers.ts"

const list = connector.list!
const day = 24 * 60 * 60 * 1000
const from = Date.parse("2026-11-20T00:00:00Z")
const window = { from, to: from + 2 * day }

const request = (overrides: Partial<Connector.ListRequest> = {}): Connector.ListRequest => ({ window, pageSize: 7, ...overrides })

const ok = <A>(result: Result.Result<A, { readonly _tag: string; readonly message: string }>): A => {
  if (Result.isFailure(result)) throw new Error(`${result.failure._tag}: ${result.failure.message}`)
  return result.success
}

const fails = <A>(result: Result.Result<A, { readonly _tag: string; readonly message: string }>) => {
  if (Result.isSuccess(result)) throw new Error("expected a failure")
  return result.failure
}

const parse = (body: unknown, input = request()) => list.page.parse(response(200, body), input, buildContext)

describe("listing support", () => {
  it("declares PayPal's limits: 500 a page, 31-day windows, 3 hours of lag", () => {
    expect(connector.capabilities.list).toBe(true)
    expect(list.maxPageSize).toBe(500)
    expect(list.maxWindowMillis).toBe(31 * day)
    expect(list.lagMillis).toBe(3 * 60 * 60 * 1000)
  })
})

describe("list.page.build", () => {
  it("the first page: the exact query, RFC 3339 dates with seconds, page 1", () => {
    expect(ok(list.page.build(request(), buildContext))).toEqual({
      method: "GET",
      path: "/v1/reporting/transactions",
      query: {
        start_date: "2026-11-20T00:00:00Z",
        end_date: "2026-11-22T00:00:00Z",
        fields: "transaction_info",
        balance_affecting_records_only: "Y",
        page_size: "7",
        page: "1"
      }
    })
  })

  it("the cursor is the page number", () => {
    expect(ok(list.page.build(request({ cursor: "3", pageSize: 500 }), buildContext)).query).toMatchObject({ page: "3", page_size: "500" })
  })

  it("keeps milliseconds when a window has them (the core aligns to seconds, so this is defensive)", () => {
    const request_ = request({ window: { from: from + 250, to: from + day } })
    expect(ok(list.page.build(request_, buildContext)).query).toMatchObject({ start_date: "2026-11-20T00:00:00.250Z", end_date: "2026-11-21T00:00:00Z" })
  })

  it("refuses windows over 31 days, empty or reversed windows, bad page sizes and cursors, before sending", () => {
    expect(ok(list.page.build(request({ window: { from, to: from + 31 * day } }), buildContext)).method).toBe("GET")
    const refusals: ReadonlyArray<[Connector.ListRequest, string]> = [
      [request({ window: { from, to: from + 31 * day + 1000 } }), "window"],
      [request({ window: { from, to: from } }), "window"],
      [request({ window: { from: from + 1000, to: from } }), "window"],
      [request({ pageSize: 0 }), "pageSize"],
      [request({ pageSize: 501 }), "pageSize"],
      [request({ pageSize: 1.5 }), "pageSize"],
      [request({ cursor: "0" }), "cursor"],
      [request({ cursor: "-1" }), "cursor"],
      [request({ cursor: "2x" }), "cursor"],
      [request({ cursor: "2147483648" }), "cursor"],
      [request({ cursor: "" }), "cursor"]
    ]
    for (const [input, field] of refusals) {
      const reason = fails(list.page.build(input, buildContext))
      expect(reason._tag).toBe("InvalidRequest")
      expect((reason as { field?: string }).field).toBe(field)
    }
  })
})

describe("list.page.parse", () => {
  const page = ok(parse(fixtureText("search-page-1.json")))
  const byId = new Map(page.refunds.map((r) => [r.connectorRefundId, r]))

  it("keeps the refunds (T1107) and drops the capture (T0006) and PayPal's reversal (T1106)", () => {
    expect(page.refunds.map((r) => r.connectorRefundId)).toEqual([
      refundId,
      "3KU08902781691412",
      "4LU08902781691413",
      "5MU08902781691414",
      "6NU08902781691415"
    ])
    expect(byId.has(captureId)).toBe(false)
    expect(byId.has("7PU08902781691416")).toBe(false)
  })

  it("maps a refund: id, capture, negative amount as its magnitude, times (+0000 offsets read), raw", () => {
    const refund = byId.get(refundId)!
    expect(refund.connectorTransactionId).toBe(captureId)
    expect(refund.amount).toEqual(Money.make(1_050, "USD"))
    expect(refund.status).toBe("Succeeded")
    expect(refund.rawStatus).toBe("S")
    expect(refund.createdAt).toBe(Date.parse("2026-11-20T18:15:30Z"))
    expect(refund.occurredAt).toBe(Date.parse("2026-11-20T18:15:31Z"))
    // invoice_id is the capture's (or the authorization's) in search results: never read as the refund's id.
    expect(refund.merchantRefundId).toBeUndefined()
    expect(refund.raw).toEqual(fixtureJson("search-page-1.json").transaction_details[1].transaction_info)
  })

  it("maps transaction_status S/P/D/V; anything else (F) is Unknown with the raw code", () => {
    expect([...byId.values()].map((r) => [r.rawStatus, r.status])).toEqual([
      ["S", "Succeeded"],
      ["P", "Pending"],
      ["V", "Reversed"],
      ["D", "Failed"],
      ["F", "Unknown"]
    ])
    expect(PayPalList.statusOf(undefined)).toEqual({ status: "Unknown", rawStatus: "missing" })
    expect(PayPalList.statusOf("s")).toEqual({ status: "Unknown", rawStatus: "s" })
  })

  it("amounts are exact in 0- and 3-decimal currencies", () => {
    expect(byId.get("4LU08902781691413")!.amount).toEqual(Money.make(1_050, "JPY"))
    expect(byId.get("5MU08902781691414")!.amount).toEqual(Money.make(1_050, "KWD"))
    expect(byId.get("5MU08902781691414")!.createdAt).toBe(Date.parse("2026-11-21T11:00:00Z"))
  })

  it("next page while page < total_pages; none on the last page", () => {
    expect(page.next).toBe("2")
    const last = ok(parse({ ...fixtureJson<Record<string, unknown>>("search-page-1.json"), page: 2 }, request({ cursor: "2" })))
    expect(last.next).toBeUndefined()
    expect(last.refunds).toHaveLength(5)
  })

  it("a refund created at the window's end (or before its start) is left out: end_date is inclusive, the window's to is not", () => {
    const refund = fixtureJson("search-page-1.json").transaction_details[1]
    const at = (date: string) => ({ transaction_info: { ...refund.transaction_info, transaction_initiation_date: date } })
    const body = { transaction_details: [at("2026-11-22T00:00:00+0000"), at("2026-11-19T23:59:59Z"), at("2026-11-21T23:59:59Z")], page: 1, total_pages: 2 }
    const result = ok(parse(body))
    expect(result.refunds.map((r) => r.createdAt)).toEqual([Date.parse("2026-11-21T23:59:59Z")])
    expect(result.next).toBe("2")
  })

  it("a page with no refunds can still have a next page", () => {
    const onlyCapture = { transaction_details: [fixtureJson("search-page-1.json").transaction_details[0]], page: 1, total_pages: 4 }
    const result = ok(parse(onlyCapture, request({ cursor: "2" })))
    expect(result.refunds).toEqual([])
    expect(result.next).toBe("3")
  })

  it("an empty window: no transaction_details, no next", () => {
    expect(ok(parse({ transaction_details: [], page: 1, total_items: 0, total_pages: 0 }))).toEqual({ refunds: [] })
    expect(ok(parse({}))).toEqual({ refunds: [] })
  })

  it("without total_pages, a full page means there may be another", () => {
    const details = fixtureJson("search-page-1.json").transaction_details
    expect(ok(parse({ transaction_details: details }, request({ pageSize: 7 }))).next).toBe("2")
    expect(ok(parse({ transaction_details: details.slice(0, 3) }, request({ pageSize: 7 }))).next).toBeUndefined()
  })

  it("malformed bodies are UnexpectedResponse, never a throw", () => {
    const refund = fixtureJson("search-page-1.json").transaction_details[1]
    const bodies: ReadonlyArray<unknown> = [
      "",
      "{",
      "null",
      "[]",
      "<html>502</html>",
      { transaction_details: "none" },
      { transaction_details: [], total_pages: "2" },
      { transaction_details: [17] },
      { transaction_details: [{ transaction_info: { transaction_event_code: "T1107" } }] },
      { transaction_details: [{ transaction_info: { ...refund.transaction_info, transaction_amount: { currency_code: "USD", value: "-10.505" } } }] },
      { transaction_details: [{ transaction_info: { ...refund.transaction_info, transaction_amount: { currency_code: "XXX", value: "-1.00" } } }] },
      { transaction_details: [{ transaction_info: { ...refund.transaction_info, transaction_amount: { currency_code: "USD", value: -10.5 } } }] },
      { transaction_details: [{ transaction_info: { ...refund.transaction_info, transaction_id: "" } }] },
      { transaction_details: [{ transaction_info: { ...refund.transaction_info, transaction_id: "a/b" } }] }
    ]
    for (const body of bodies) {
      expect(fails(parse(body))._tag).toBe("UnexpectedResponse")
    }
  })

  it("a malformed non-refund transaction does not fail the page (only refunds are read)", () => {
    const body = { transaction_details: [{ transaction_info: { transaction_id: "X1", transaction_event_code: "T0006", transaction_amount: { currency_code: "USD", value: "x" } } }], total_pages: 1 }
    expect(ok(parse(body))).toEqual({ refunds: [] })
  })

  it("a reference id of another type (an order, ODR) is not taken as the capture", () => {
    const info = { ...fixtureJson("search-page-1.json").transaction_details[1].transaction_info, paypal_reference_id: "5O190127TN364715T", paypal_reference_id_type: "ODR" }
    const result = ok(parse({ transaction_details: [{ transaction_info: info }], total_pages: 1 }))
    expect(result.refunds[0]!.connectorTransactionId).toBeUndefined()
  })
})

describe("errors from a listing", () => {
  it("a 403 names Transaction Search; a 400 is InvalidRequest", () => {
    const forbidden = connector.mapError(response(403, { name: "NOT_AUTHORIZED", message: "Authorization failed due to insufficient permissions.", debug_id: "a1" }), "list", 0)
    expect(forbidden.reason._tag).toBe("Authentication")
    expect(forbidden.reason.message).toContain("Transaction Search")
    expect(forbidden.requestId).toBe("a1")
    const invalid = connector.mapError(response(400, { name: "INVALID_REQUEST", message: "Request is not well-formed", details: [{ field: "end_date", issue: "INVALID_PARAMETER_VALUE" }] }), "list", 0)
    expect(invalid.reason._tag).toBe("InvalidRequest")
    expect(connector.mapError(response(503, {}), "list", 0).reason._tag).toBe("ProcessorUnavailable")
  })
})
