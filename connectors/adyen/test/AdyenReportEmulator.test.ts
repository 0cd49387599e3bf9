/**
 * Adyen's settlement details report parser against the report the Adyen emulator itself writes: refunds
 * created with the connector, settled (and one reversed later), payable batches closed through the
 * control route, each CSV downloaded from the emulator's URL with the API key, then read with
 * `connector.report` (and with core's CSV reader, as the Reconciler reads it), and reconciled with
 * `Reconciler.run` against a ledger that says every refund succeeded.
 */
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { BoundConnector, Csv, Money, ReconcileWorkspace, Reconciler, RefundClient } from "@refract/core"
import type { Refund } from "@refract/core"
import { AdyenEmulator } from "@refract/testkit"
import type { EmulatorHandle } from "@refract/testkit"
import { Effect, Layer, Option, Result, Stream } from "effect"
import { FetchHttpClient } from "effect/http"
import { connector } from "@refract/adyen"

const SETTLE_MILLIS = 2_000
const REVERSAL_MILLIS = 24 * 60 * 60 * 1_000

interface Batch {
  readonly batchNumber: number
  readonly fileName: string
  readonly url: string
  readonly rows: number
}

let emulator: EmulatorHandle

beforeAll(async () => {
  emulator = await AdyenEmulator.start({ clock: "manual", settleAfterMillis: SETTLE_MILLIS, reversalAfterMillis: REVERSAL_MILLIS })
})
afterAll(async () => {
  await emulator?.close()
})

const closeBatch = () =>
  Effect.promise(async () => {
    const res = await fetch(`${emulator.origin}/__emulator/adyen/settlement-batches`, { method: "POST" })
    assert.strictEqual(res.status, 201)
    return (await res.json()) as Batch
  })

const download = (batch: Batch, headers: Record<string, string> = { "x-api-key": emulator.credentials["apiKey"]! }) =>
  Effect.promise(async () => {
    const res = await fetch(batch.url, { headers })
    return { status: res.status, text: await res.text() }
  })

/** Rows as core's CSV reader splits them (RFC 4180), the header first. */
const rowsOf = (text: string): Array<Array<string>> => {
  const reader = new Csv.CsvReader()
  const rows = reader.push(text)
  const end = reader.end()
  assert.isFalse(end.unclosedQuote)
  return [...rows, ...end.rows].filter((row) => !(row.length === 1 && row[0] === ""))
}

/** The report's refunds, through `connector.report.columns` and the row parser it gives. */
const refundsOf = (text: string): Array<Refund.RefundSnapshot> => {
  const [header, ...rows] = rowsOf(text)
  const bound = connector.report!.columns(header!)
  if (Result.isFailure(bound)) return assert.fail(`the emulator's header is refused: ${bound.failure}`)
  const out: Array<Refund.RefundSnapshot> = []
  for (const [i, row] of rows.entries()) {
    const parsed = bound.success(row)
    if (Result.isFailure(parsed)) return assert.fail(`row ${i + 2} is refused: ${parsed.failure}`)
    if (Option.isSome(parsed.success)) out.push(parsed.success.value)
  }
  return out
}

let counter = 0

describe("the settlement details report the Adyen emulator writes, read by the connector", () => {
  it.live("refunds booked in one batch, a reversal in a later one; reconciled against a ledger, the reversal is a status mismatch", () =>
    Effect.gen(function*() {
      emulator.reset()
      const bound = yield* BoundConnector.bind(connector, {
        credentials: { apiKey: emulator.credentials["apiKey"]!, merchantAccount: emulator.credentials["merchantAccount"]! },
        baseUrl: emulator.url,
        retry: { maxAttempts: 2, baseDelayMillis: 10, maxDelayMillis: 50 }
      })
      const client = yield* RefundClient.make(bound).pipe(Effect.provide(FetchHttpClient.layer))
      const startedAt = emulator.clock.now()

      const plan = [
        { outcome: "succeeded", amount: 4_990, currency: "EUR" },
        { outcome: "succeeded", amount: 1_050, currency: "JPY" },
        { outcome: "succeeded_then_reversed", amount: 2_500, currency: "EUR" },
        { outcome: "failed", amount: 700, currency: "EUR" }
      ] as const
      const made: Array<{ refund: Refund.Refund; merchantRefundId: string; paymentId: string } & (typeof plan)[number]> = []
      for (const p of plan) {
        const paymentId = yield* Effect.promise(() => emulator.createPayment({ amount: 100_000, currency: p.currency }))
        emulator.scriptOutcome(paymentId, p.outcome)
        const merchantRefundId = `adyen-report-${Date.now().toString(36)}-${counter++}`
        const refund = yield* client.create({ merchantRefundId, connectorTransactionId: paymentId, amount: { amount: p.amount, currency: p.currency } })
        made.push({ ...p, refund, merchantRefundId, paymentId })
      }
      const [a, b, reversed, rejected] = made as [typeof made[0], typeof made[0], typeof made[0], typeof made[0]]
      yield* Effect.promise(() => emulator.clock.advance(2 * SETTLE_MILLIS))

      const first = yield* closeBatch()
      const firstCsv = yield* download(first)
      assert.strictEqual(firstCsv.status, 200)
      // The report user may download it too; no credentials may not.
      const asReportUser = `Basic ${Buffer.from(`${emulator.credentials["reportUsername"]}:${emulator.credentials["reportPassword"]}`).toString("base64")}`
      assert.strictEqual((yield* download(first, { authorization: asReportUser })).text, firstCsv.text)
      assert.strictEqual((yield* download(first, {})).status, 401)

      const booked = refundsOf(firstCsv.text)
      assert.sameMembers(booked.map((r) => r.connectorRefundId), [a, b, reversed].map((m) => m.refund.connectorRefundId), "refunds that succeeded, not the rejected one")
      assert.notInclude(booked.map((r) => r.connectorRefundId), rejected.refund.connectorRefundId)
      for (const m of [a, b, reversed]) {
        const snapshot = booked.find((r) => r.connectorRefundId === m.refund.connectorRefundId)!
        assert.strictEqual(snapshot.merchantRefundId, m.merchantRefundId)
        assert.strictEqual(snapshot.connectorTransactionId, m.paymentId)
        assert.isTrue(Money.equals(snapshot.amount!, Money.make(m.amount, m.currency)), `${m.currency} amount`)
        assert.strictEqual(snapshot.status, "Succeeded")
        assert.strictEqual(snapshot.rawStatus, "Refunded")
        assert.strictEqual(snapshot.settlement?.batchId, String(first.batchNumber))
      }

      yield* Effect.promise(() => emulator.clock.advance(REVERSAL_MILLIS + SETTLE_MILLIS))
      const second = yield* closeBatch()
      assert.isAbove(second.batchNumber, first.batchNumber)
      const secondCsv = yield* download(second)
      assert.strictEqual(secondCsv.status, 200)
      const later = refundsOf(secondCsv.text)
      assert.strictEqual(later.length, 1, "only the reversal is booked in the later batch")
      const reversal = later[0]!
      assert.strictEqual(reversal.connectorRefundId, reversed.refund.connectorRefundId)
      assert.strictEqual(reversal.merchantRefundId, reversed.merchantRefundId)
      assert.strictEqual(reversal.status, "Reversed")
      assert.strictEqual(reversal.rawStatus, "RefundedReversed")
      assert.isTrue(Money.equals(reversal.amount!, Money.make(reversed.amount, reversed.currency)))
      assert.strictEqual(reversal.settlement?.batchId, String(second.batchNumber))

      // The same reports through the Reconciler, against books that say all three succeeded.
      const ledger = [
        "merchant_refund_id,amount_minor,currency,status,connector_refund_id",
        ...[a, b, reversed].map((m) => [m.merchantRefundId, m.amount, m.currency, "succeeded", m.refund.connectorRefundId].join(","))
      ].join("\n") + "\n"
      const window = {
        from: Math.floor(startedAt / 1000) * 1000 - 60_000,
        to: Math.ceil(emulator.clock.now() / 1000) * 1000 + 60_000
      }
      const result = yield* Reconciler.run(client, {
        window,
        ledger: { _tag: "Csv", text: Stream.make(ledger) },
        truth: {
          _tag: "Reports",
          reports: [{ name: first.fileName, text: Stream.make(firstCsv.text) }, { name: second.fileName, text: Stream.make(secondCsv.text) }]
        },
        requestsPerSecond: Infinity,
        partitions: 4
      }).pipe(Effect.provide(Layer.fresh(Layer.effect(ReconcileWorkspace.ReconcileWorkspace, ReconcileWorkspace.memory))))
      const findings = yield* Stream.runCollect(result.findings)
      const problems = yield* Stream.runCollect(result.problems)
      assert.deepStrictEqual(problems.map((p) => p.message), [], "both reports read cleanly")
      const mismatch = findings.find((f) => f.merchantRefundId === reversed.merchantRefundId)
      assert.strictEqual(mismatch?.kind, "status_mismatch")
      assert.strictEqual(mismatch?.processor[0]?.status, "Reversed")
      assert.strictEqual(mismatch?.processor[0]?.settlement?.batchId, String(second.batchNumber))
      assert.strictEqual(result.summary.counts.status_mismatch, 1)
      assert.strictEqual(result.summary.counts.matched, 2, "the other two match")
      assert.deepStrictEqual(
        findings.filter((f) => f.kind !== "matched").map((f) => f.kind),
        ["status_mismatch"],
        "nothing else is reported"
      )
    }), 30_000)

  it.live("a header that is not the settlement details report is refused, naming what is missing", () =>
    Effect.gen(function*() {
      emulator.reset()
      const batch = yield* closeBatch()
      const { text } = yield* download(batch)
      const [header] = rowsOf(text)
      assert.isTrue(Result.isSuccess(connector.report!.columns(header!)), "the emulator's own header is the report")
      const withoutType = header!.filter((h) => h !== "Type")
      const refused = connector.report!.columns(withoutType)
      assert.isTrue(Result.isFailure(refused) && refused.failure.includes("Type"))
    }))
})
