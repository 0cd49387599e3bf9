/**
 * PayPal Transaction Search (`GET /v1/reporting/transactions`), driven with the official server SDK's
 * `TransactionSearchController.searchTransactions` (@paypal/paypal-server-sdk 2.5.0) over the same loopback agent
 * as paypal-sdk.test.ts: captures (T0006) and refunds (T1107, negative) both listed, a three-hour lag by default,
 * `page` / `page_size` paging with every transaction of the window exactly once, the 31-day limit refused, and the
 * OAuth token required.
 */
import { afterAll, afterEach, assert, beforeAll, describe, it } from "@effect/vitest"
import { Client, Environment, PaymentsController, SearchError, TransactionSearchController } from "@paypal/paypal-server-sdk"
import { PayPalEmulator } from "@refract/testkit"
import { Agent } from "node:https"
import { connect } from "node:net"
import { request } from "./helpers.ts"

type Handle = PayPalEmulator.PayPalEmulatorHandle

const loopbackAgent = (port: number): Agent => {
  class Loopback extends Agent {
    override createConnection() {
      return connect(port, "127.0.0.1")
    }
  }
  return new Loopback({ keepAlive: false })
}

const client = (emu: Handle) =>
  new Client({
    environment: Environment.Sandbox,
    clientCredentialsAuthCredentials: { oAuthClientId: emu.credentials.clientId!, oAuthClientSecret: emu.credentials.clientSecret! },
    httpClientOptions: { httpsAgent: loopbackAgent(emu.port), timeout: 10_000 }
  })

const hour = 60 * 60 * 1000
const day = 24 * hour
const iso = (ms: number) => `${new Date(ms).toISOString().slice(0, 19)}Z`

describe("PayPal Transaction Search", () => {
  let emu: Handle
  let search: TransactionSearchController
  let payments: PaymentsController

  beforeAll(async () => {
    // Tokens outlive the days of emulator time these tests move through (the SDK caches its token).
    emu = await PayPalEmulator.start({ clock: { kind: "manual", startTime: Date.UTC(2026, 2, 1) }, tokenLifetimeSeconds: 1e7 })
  })
  afterEach(() => emu.reset())
  afterAll(() => emu.close())
  const fresh = () => {
    const c = client(emu)
    search = new TransactionSearchController(c)
    payments = new PaymentsController(c)
  }

  const refund = async (captureId: string, value: string, invoiceId?: string) =>
    (await payments.refundCapturedPayment({
      captureId,
      body: { amount: { currencyCode: "USD", value }, ...(invoiceId === undefined ? {} : { invoiceId }) }
    })).result.id!

  it("lists captures and refunds only three hours after they happen, refunds negative and pointing at the capture", async () => {
    fresh()
    const start = emu.clock.now()
    const capture = await emu.createPayment({ amount: 5_000, currency: "USD", reference: "ORDER-1" })
    const refundId = await refund(capture, "12.34", "RMA-77")
    const window = { startDate: iso(start - day), endDate: iso(start + day) }
    const early = (await search.searchTransactions({ ...window, fields: "all" })).result
    assert.deepStrictEqual(early.transactionDetails ?? [], [], "nothing before the lag")
    assert.strictEqual(early.lastRefreshedDatetime, iso(start - 3 * hour))
    assert.strictEqual(early.endDate, iso(start - 3 * hour), "end_date is the last time data can be served")
    await emu.clock.advance(3 * hour - 1_000)
    assert.lengthOf((await search.searchTransactions(window)).result.transactionDetails ?? [], 0)
    await emu.clock.advance(1_000)
    const listed = (await search.searchTransactions(window)).result
    const infos = (listed.transactionDetails ?? []).map((d) => d.transactionInfo!)
    assert.deepStrictEqual(infos.map((i) => [i.transactionId, i.transactionEventCode, i.transactionAmount?.value]), [
      [capture, "T0006", "50.00"],
      [refundId, "T1107", "-12.34"]
    ])
    const r = infos[1]!
    assert.strictEqual(r.paypalReferenceId, capture)
    assert.strictEqual(r.paypalReferenceIdType, "TXN")
    assert.strictEqual(r.invoiceId, "RMA-77")
    assert.strictEqual(infos[0]!.invoiceId, "ORDER-1")
    // The refund settled 2 s after creation, hours ago, but the listing shows what it knew three hours back.
    assert.strictEqual(emu.refunds()[0]!.status, "COMPLETED")
    assert.strictEqual(r.transactionStatus, "P")
    assert.strictEqual(listed.totalItems, 2)
    assert.strictEqual(listed.totalPages, 1)
    assert.strictEqual(listed.page, 1)
    assert.strictEqual(listed.accountNumber, PayPalEmulator.defaultAccountNumber)
    await emu.clock.advance(2_000)
    const later = (await search.searchTransactions({ ...window, transactionType: "T1107" })).result.transactionDetails![0]!.transactionInfo!
    assert.strictEqual(later.transactionStatus, "S")
    assert.strictEqual(later.transactionUpdatedDate, iso(emu.refunds()[0]!.updatedAt))
    // A client filters refunds with transaction_type.
    const refundsOnly = (await search.searchTransactions({ ...window, transactionType: "T1107" })).result
    assert.deepStrictEqual((refundsOnly.transactionDetails ?? []).map((d) => d.transactionInfo!.transactionId), [refundId])
  })

  it("shows a pending refund as P until its completion is three hours old", async () => {
    fresh()
    const lagging = await PayPalEmulator.start({ clock: "manual", listLagMillis: 10_000, settleAfterMillis: 60_000 })
    try {
      const c = client(lagging)
      const s = new TransactionSearchController(c)
      const capture = await lagging.createPayment({ amount: 1_000, currency: "USD" })
      const id = (await new PaymentsController(c).refundCapturedPayment({ captureId: capture, body: {} })).result.id!
      const now = lagging.clock.now()
      const query = { startDate: iso(now - day), endDate: iso(now + day), transactionStatus: "P" }
      await lagging.clock.advance(10_000)
      assert.deepStrictEqual((await s.searchTransactions(query)).result.transactionDetails?.map((d) => d.transactionInfo!.transactionId), [id])
      await lagging.clock.advance(50_000)
      assert.strictEqual(lagging.refunds()[0]!.status, "COMPLETED")
      assert.lengthOf((await s.searchTransactions(query)).result.transactionDetails ?? [], 1, "the completion is not listed yet")
      await lagging.clock.advance(10_000)
      assert.lengthOf((await s.searchTransactions(query)).result.transactionDetails ?? [], 0)
    } finally {
      await lagging.close()
    }
  })

  it("pages with page and page_size: every transaction of the window exactly once, none outside", async () => {
    fresh()
    const capture = await emu.createPayment({ amount: 1_000_000, currency: "USD" })
    const ids: Array<[string, number]> = []
    for (let i = 0; i < 120; i++) {
      ids.push([await refund(capture, "1.00"), emu.clock.now()])
      await emu.clock.advance(30 * 60 * 1000)
    }
    await emu.clock.advance(4 * hour)
    // 60 hours of refunds; the window cuts both ends.
    const from = ids[10]![1]
    const to = ids[99]![1]
    const expected = ids.slice(10, 100).map(([id]) => id)
    const seen: Array<string> = []
    let page = 1
    for (;;) {
      const res = (await search.searchTransactions({ startDate: iso(from), endDate: iso(to), transactionType: "T1107", pageSize: 25, page })).result
      assert.strictEqual(res.totalItems, 90)
      assert.strictEqual(res.totalPages, 4)
      seen.push(...(res.transactionDetails ?? []).map((d) => d.transactionInfo!.transactionId!))
      const next = res.links?.find((l) => l.rel === "next")
      if (next === undefined) break
      page++
    }
    assert.deepStrictEqual(seen, expected)
    assert.strictEqual(page, 4)
    const beyond = (await search.searchTransactions({ startDate: iso(from), endDate: iso(to), pageSize: 25, page: 9 })).result
    assert.deepStrictEqual(beyond.transactionDetails ?? [], [])
  })

  it("refuses a window over 31 days, missing or malformed dates and a page_size over 500", async () => {
    fresh()
    const now = emu.clock.now()
    const refusal = async (query: Parameters<TransactionSearchController["searchTransactions"]>[0]) => {
      try {
        await search.searchTransactions(query)
      } catch (error) {
        assert.instanceOf(error, SearchError)
        const body = JSON.parse(String((error as SearchError).body))
        assert.strictEqual((error as SearchError).statusCode, 400)
        assert.strictEqual(body.name, "INVALID_REQUEST")
        return body.details as Array<{ field: string; location: string; issue: string }>
      }
      return assert.fail(`expected a refusal of ${JSON.stringify(query)}`)
    }
    assert.isOk(await search.searchTransactions({ startDate: iso(now - 31 * day), endDate: iso(now) }), "exactly 31 days is fine")
    const tooLong = await refusal({ startDate: iso(now - 31 * day - 1_000), endDate: iso(now) })
    assert.deepInclude(tooLong[0], { field: "end_date", location: "query" })
    assert.strictEqual((await refusal({ startDate: "2026-03-01", endDate: iso(now) }))[0]!.field, "start_date")
    assert.strictEqual((await refusal({ startDate: iso(now), endDate: iso(now - 1_000) }))[0]!.field, "start_date")
    assert.strictEqual((await refusal({ startDate: iso(now - day), endDate: iso(now), pageSize: 501 }))[0]!.field, "page_size")
    assert.strictEqual((await refusal({ startDate: iso(now - day), endDate: iso(now), fields: "everything" }))[0]!.field, "fields")
    const missing = await request(`${emu.url}/v1/reporting/transactions`, {})
    assert.strictEqual(missing.status, 401, "the Bearer token is required")
    assert.strictEqual(missing.json.name, "AUTHENTICATION_FAILURE")
  })

  it("the lag set through the handle or PUT /__emulator/list-lag is the one the search uses", async () => {
    fresh()
    assert.strictEqual(emu.listLagMillis(), 3 * hour, "the handle reports the three hours the search starts with")
    const capture = await emu.createPayment({ amount: 1_000, currency: "USD" })
    const id = await refund(capture, "1.00")
    const now = emu.clock.now()
    const query = { startDate: iso(now - day), endDate: iso(now + day), transactionType: "T1107" }
    assert.lengthOf((await search.searchTransactions(query)).result.transactionDetails ?? [], 0, "not listed yet")
    const res = await fetch(`${emu.origin}/__emulator/list-lag`, { method: "PUT", body: JSON.stringify({ millis: 0 }) })
    assert.strictEqual(res.status, 200)
    assert.deepStrictEqual((await search.searchTransactions(query)).result.transactionDetails?.map((d) => d.transactionInfo!.transactionId), [id])
  })
})
