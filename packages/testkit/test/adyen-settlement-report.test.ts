/**
 * Adyen's Settlement details report: a payable batch closes (`POST /__emulator/adyen/settlement-batches`), the
 * report downloads from `/reports/download/MerchantAccount/<account>/settlement_detail_report_batch_<n>.csv`, and a
 * `REPORT_AVAILABLE` notification announces it, signed so that the official Node library's `hmacValidator`
 * (@adyen/api-library) accepts it. Refunds appear as `Refunded` in the batch after they succeed, a reversal as
 * `RefundedReversed` in a later batch, a rejected refund never.
 */
import { hmacValidator, Types } from "@adyen/api-library"
import { afterAll, afterEach, assert, beforeAll, describe, it } from "@effect/vitest"
import { AdyenEmulator } from "@refract/testkit"
import type { EmulatorHandle } from "@refract/testkit"
import { columns, parseCsv } from "@refract/testkit/adyen/SettlementReport"
import { readFileSync, writeFileSync } from "node:fs"
import { type Receiver, request, startReceiver } from "./helpers.ts"

type NotificationItem = Types.notification.NotificationRequestItem

const fixture = new URL("./fixtures/adyen/settlement_detail_report_batch_1.csv", import.meta.url)

describe("Adyen Settlement details report", () => {
  let emu: EmulatorHandle
  let receiver: Receiver

  beforeAll(async () => {
    receiver = await startReceiver(() => ({ status: 200, body: "[accepted]" }))
    emu = await AdyenEmulator.start({ clock: { kind: "manual", startTime: Date.UTC(2026, 4, 4, 8) }, webhookUrl: receiver.url })
  })
  afterEach(async () => {
    await emu.flushWebhooks()
    emu.reset()
    receiver.received.length = 0
  })
  afterAll(async () => {
    await emu.close()
    await receiver.close()
  })

  const refund = async (payment: string, value: number, reference: string): Promise<string> => {
    const res = await request(`${emu.url}/payments/${payment}/refunds`, {
      method: "POST",
      headers: { "x-api-key": emu.credentials.apiKey!, "content-type": "application/json" },
      body: JSON.stringify({ merchantAccount: emu.credentials.merchantAccount, amount: { currency: "EUR", value }, reference })
    })
    assert.strictEqual(res.status, 201)
    return res.json.pspReference
  }
  const closeBatch = async () => {
    const res = await request(`${emu.origin}/__emulator/adyen/settlement-batches`, { method: "POST" })
    assert.strictEqual(res.status, 201)
    return res.json as { batchNumber: number; fileName: string; url: string; rows: number }
  }
  const download = async (url: string, headers: Record<string, string> = { "x-api-key": emu.credentials.apiKey! }) => {
    const res = await fetch(url, { headers })
    return { status: res.status, type: res.headers.get("content-type"), text: await res.text() }
  }
  const basic = (user: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}` })

  it("books succeeded refunds in the closing batch, announces the report with a verifiable REPORT_AVAILABLE, serves the CSV", async () => {
    const first = await emu.createPayment({ amount: 10_000, currency: "EUR", reference: "ORDER-1" })
    const second = await emu.createPayment({ amount: 5_000, currency: "EUR", reference: "ORDER-2" })
    emu.scriptOutcome(second, "succeeded_then_reversed")
    const third = await emu.createPayment({ amount: 2_000, currency: "EUR", reference: "ORDER-3" })
    emu.scriptOutcome(third, "failed")
    const a = await refund(first, 2_550, "RMA-A")
    const b = await refund(second, 1_000, "RMA-B, with comma")
    const c = await refund(third, 700, "RMA-C")
    const pending = await closeBatch()
    assert.strictEqual(pending.batchNumber, 1)
    const early = parseCsv((await download(pending.url)).text)
    assert.deepStrictEqual(early.map((r) => r["Type"]), ["Settled", "Settled", "Settled", "MerchantPayout"], "no refund has settled yet")
    for (const id of [a, b, c]) await emu.advance(id)

    const batch = await closeBatch()
    assert.deepInclude(batch, { batchNumber: 2, fileName: "settlement_detail_report_batch_2.csv" })
    assert.strictEqual(batch.url, `${emu.origin}/reports/download/MerchantAccount/${emu.credentials.merchantAccount}/settlement_detail_report_batch_2.csv`)

    await emu.flushWebhooks()
    const reports = receiver.received
      .flatMap((r) => (JSON.parse(r.body) as { notificationItems: Array<{ NotificationRequestItem: NotificationItem }> }).notificationItems)
      .map((i) => i.NotificationRequestItem)
      .filter((i) => i.eventCode === "REPORT_AVAILABLE")
    assert.deepStrictEqual(reports.map((i) => [i.pspReference, i.reason]), [[pending.fileName, pending.url], [batch.fileName, batch.url]])
    const item = reports[1]!
    assert.deepInclude({ ...item }, { merchantAccountCode: emu.credentials.merchantAccount, merchantReference: "", success: "true" } as object)
    assert.deepStrictEqual({ ...item.amount }, { currency: "EUR", value: 0 })
    const validator = new hmacValidator()
    assert.isTrue(validator.validateHMAC(item, emu.credentials.hmacKey!), "the official hmacValidator accepts the emulator's signature")
    assert.isFalse(validator.validateHMAC({ ...item, pspReference: "settlement_detail_report_batch_9.csv" }, emu.credentials.hmacKey!))
    // `reason` (the download URL) is not among the signed fields: a receiver should check the URL's host itself.
    assert.isTrue(validator.validateHMAC({ ...item, reason: "https://elsewhere.example/x.csv" }, emu.credentials.hmacKey!))

    const file = await download(batch.url)
    assert.strictEqual(file.status, 200)
    assert.match(file.type ?? "", /^text\/csv/)
    assert.strictEqual(file.text.split("\n")[0], columns.join(","))
    const rows = parseCsv(file.text)
    assert.deepStrictEqual(rows.map((r) => [r["Type"], r["Modification Reference"]]), [
      ["Refunded", a],
      ["Refunded", b]
    ], "the rejected refund is never booked; the captures were in batch 1")
    assert.deepInclude(rows[0], {
      "Company Account": emu.credentials.companyAccount,
      "Merchant Account": emu.credentials.merchantAccount,
      "Psp Reference": first,
      "Merchant Reference": "ORDER-1",
      "Gross Currency": "EUR",
      "Gross Debit (GC)": "25.50",
      "Gross Credit (GC)": "",
      "Net Debit (NC)": "25.50",
      "Modification Merchant Reference": "RMA-A",
      "Batch Number": "2",
      "TimeZone": "UTC"
    })
    assert.strictEqual(rows[1]!["Modification Merchant Reference"], "RMA-B, with comma", "quoted CSV survives a comma")
    assert.match(rows[0]!["Creation Date"]!, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/)

    // The reversal comes days later, in a later batch, as RefundedReversed; batch 2 does not change.
    await emu.advance(b)
    const later = await closeBatch()
    const reversed = parseCsv((await download(later.url)).text)
    assert.deepStrictEqual(reversed.map((r) => [r["Type"], r["Modification Reference"], r["Gross Credit (GC)"]]), [
      ["RefundedReversed", b, "10.00"],
      ["MerchantPayout", "Payout of batch 3", ""]
    ])
    assert.strictEqual((await download(batch.url)).text, file.text)
  })

  it("lets the report user and the API key download, and nobody else; the report user cannot call the API", async () => {
    await emu.createPayment({ amount: 1_000, currency: "EUR" })
    const { url, fileName } = await closeBatch()
    const creds = emu.credentials
    assert.strictEqual((await download(url, basic(creds.reportUsername!, creds.reportPassword!))).status, 200)
    assert.strictEqual((await download(url, basic(creds.username!, creds.password!))).status, 200)
    assert.strictEqual((await download(url, {})).status, 401)
    assert.strictEqual((await download(url, basic(creds.reportUsername!, "wrong"))).status, 401)
    assert.strictEqual((await download(url.replace(fileName, "settlement_detail_report_batch_99.csv"))).status, 404)
    const api = await request(`${emu.url}/payments/ABC/refunds`, {
      method: "POST",
      headers: { ...basic(creds.reportUsername!, creds.reportPassword!), "content-type": "application/json" },
      body: "{}"
    })
    assert.strictEqual(api.status, 401)
  })

  it("closes batches on the emulator clock with settlementBatchIntervalMillis", async () => {
    const timed = await AdyenEmulator.start({ clock: "manual", settlementBatchIntervalMillis: 24 * 60 * 60 * 1000 })
    try {
      await timed.createPayment({ amount: 1_000, currency: "EUR" })
      await timed.clock.advance(24 * 60 * 60 * 1000)
      const list = await request(`${timed.origin}/__emulator/adyen/settlement-batches`, {})
      assert.deepStrictEqual(list.json.batches.map((b: { fileName: string }) => b.fileName), ["settlement_detail_report_batch_1.csv"])
      assert.strictEqual(timed.webhookEvents().filter((e) => e.type === "REPORT_AVAILABLE").length, 1)
    } finally {
      await timed.close()
    }
  })

  it("keeps a sample report generated by the emulator in fixtures (UPDATE_FIXTURES=1 rewrites it)", async () => {
    if (process.env["UPDATE_FIXTURES"] === "1") {
      // A fresh emulator, so the sample is batch 1 as its name says.
      const sample = await AdyenEmulator.start({ clock: { kind: "manual", startTime: Date.UTC(2026, 4, 4, 8) } })
      try {
        const pay = await sample.createPayment({ amount: 12_345, currency: "EUR", reference: "ORDER-SAMPLE" })
        sample.scriptOutcome(pay, "succeeded_then_reversed")
        const res = await request(`${sample.url}/payments/${pay}/refunds`, {
          method: "POST",
          headers: { "x-api-key": sample.credentials.apiKey!, "content-type": "application/json" },
          body: JSON.stringify({ merchantAccount: sample.credentials.merchantAccount, amount: { currency: "EUR", value: 2_345 }, reference: "RMA-SAMPLE" })
        })
        await sample.clock.advance(60_000)
        await sample.advance(res.json.pspReference)
        const closed = await request(`${sample.origin}/__emulator/adyen/settlement-batches`, { method: "POST" })
        writeFileSync(fixture, (await download(closed.json.url, { "x-api-key": sample.credentials.apiKey! })).text)
      } finally {
        await sample.close()
      }
    }
    const text = readFileSync(fixture, "utf8")
    assert.strictEqual(text.split("\n")[0], columns.join(","), "the fixture has the emulator's current columns")
    assert.deepStrictEqual(parseCsv(text).map((r) => r["Type"]), ["Settled", "Refunded", "RefundedReversed", "MerchantPayout"])
  })
})
