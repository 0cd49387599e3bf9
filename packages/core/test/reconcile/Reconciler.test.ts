/**
 * The Reconciler against a scripted processor: every discrepancy kind seeded at random is found and
 * nothing else is; an interrupted run resumes to the same answer; `apply` goes through the state
 * machine; the store can be the books; reports stand in for a listing.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Layer, Option, Stream } from "effect"
import * as fc from "fast-check"
import {
  BoundConnector,
  Connector,
  MemoryRefundStore,
  Money,
  Reconciler,
  ReconcileWorkspace,
  Refund,
  RefundClient
} from "@refract/core"
import { Matching } from "@refract/core"
import { fakeConnector, testKey } from "../helpers/FakeConnector.ts"
import * as ListPay from "../helpers/ListPay.ts"

const day = 86_400_000
const now = Date.now()
const window = { from: Math.floor((now - 60 * day) / 1000) * 1000, to: Math.floor((now - day) / 1000) * 1000 }

/** A small seeded PRNG (mulberry32), so a failing case can be replayed from its seed. */
const rng = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

interface Book {
  readonly refunds: Array<ListPay.WireRefund>
  readonly ledgerRows: Array<Record<string, string>>
  /** key (merchant refund id, or `#` + processor id) → the kind the Reconciler must give it. */
  readonly expected: Map<string, Matching.FindingKind>
}

const kinds = [
  "amount_mismatch",
  "currency_mismatch",
  "status_mismatch",
  "missing_at_processor",
  "missing_in_ledger",
  "duplicate",
  "stale_pending",
  "anonymous_claimed",
  "anonymous_unclaimed"
] as const

/** `n` refunds, about `rate` of them seeded with each discrepancy kind. */
const book = (seed: number, n: number, rate: number): Book => {
  const random = rng(seed)
  const refunds: Array<ListPay.WireRefund> = []
  const ledgerRows: Array<Record<string, string>> = []
  const expected = new Map<string, Matching.FindingKind>()
  for (let i = 0; i < n; i++) {
    const mrid = `order-${seed}-${i}`
    const id = `re_${seed}_${i}`
    const currency = random() < 0.2 ? "JPY" : "EUR"
    const amount = 100 + Math.floor(random() * 100_000)
    // Old enough to be past the lag, young enough not to be stale unless seeded so.
    let created = Math.floor((window.to - day - random() * 10 * day) / 1000)
    let status = random() < 0.1 ? "failed" : "succeeded"
    const r = random()
    const kind = r < rate * kinds.length ? kinds[Math.floor(r / rate)]! : undefined
    let ledger: Record<string, string> | undefined = {
      merchant_refund_id: mrid,
      amount_minor: String(amount),
      currency,
      status,
      created_at: new Date(created * 1000).toISOString()
    }
    let wire: ListPay.WireRefund | undefined = { id, status, amount, currency, payment: `pay_${i}`, merchant_refund_id: mrid, created }
    let key = mrid
    let expect: Matching.FindingKind = "matched"
    switch (kind) {
      case "amount_mismatch":
        ledger.amount_minor = String(amount + 1 + Math.floor(random() * 50))
        expect = kind
        break
      case "currency_mismatch":
        ledger.currency = currency === "EUR" ? "USD" : "EUR"
        expect = kind
        break
      case "status_mismatch":
        ledger.status = status === "failed" ? "succeeded" : "failed"
        expect = kind
        break
      case "missing_at_processor":
        ledger.status = "succeeded"
        wire = undefined
        expect = kind
        break
      case "missing_in_ledger":
        ledger = undefined
        expect = kind
        break
      case "duplicate":
        ledger.status = "succeeded"
        wire = { ...wire, status: "succeeded" }
        refunds.push({ ...wire, id: `${id}_again`, created: created + 1 })
        expect = kind
        break
      case "stale_pending":
        created = Math.floor((window.from + day) / 1000)
        status = "pending"
        ledger.status = "pending"
        ledger.created_at = new Date(created * 1000).toISOString()
        wire = { ...wire, status, created }
        expect = kind
        break
      case "anonymous_claimed": {
        const { merchant_refund_id: _, ...rest } = wire
        wire = rest
        ledger.connector_refund_id = id
        break
      }
      case "anonymous_unclaimed": {
        const { merchant_refund_id: _, ...rest } = wire
        wire = rest
        ledger = undefined
        key = `#${id}`
        expect = "missing_in_ledger"
        break
      }
    }
    if (wire !== undefined) refunds.push(wire)
    if (ledger !== undefined) ledgerRows.push(ledger)
    expected.set(key, expect)
  }
  return { refunds, ledgerRows, expected }
}

const columns = ["merchant_refund_id", "amount_minor", "currency", "status", "connector_refund_id", "created_at"]

const csvOf = (rows: ReadonlyArray<Record<string, string>>) =>
  [columns.join(","), ...rows.map((r) => columns.map((c) => r[c] ?? "").join(","))].join("\r\n") + "\r\n"

/** The text in chunks of random sizes, so rows and quoted fields straddle chunk boundaries. */
const chunked = (text: string, seed: number) => {
  const random = rng(seed)
  const chunks: Array<string> = []
  for (let i = 0; i < text.length;) {
    const size = 1 + Math.floor(random() * 300)
    chunks.push(text.slice(i, i + size))
    i += size
  }
  return Stream.fromIterable(chunks)
}

const clientOf = (p: ListPay.Processor, connector: Connector.Connector = ListPay.listPay) =>
  Effect.gen(function*() {
    const bound = yield* BoundConnector.bind(connector, {
      credentials: { apiKey: testKey },
      retry: { maxAttempts: 1 },
      timeouts: { attemptMillis: 5_000, totalMillis: 5_000 }
    })
    return yield* RefundClient.make(bound)
  }).pipe(ListPay.provide(p))

const workspaceLayer = Layer.fresh(Layer.effect(ReconcileWorkspace.ReconcileWorkspace, ReconcileWorkspace.memory))

const findingsOf = (result: Reconciler.Result) =>
  Effect.gen(function*() {
    const all = yield* Stream.runCollect(result.findings)
    return new Map(all.map((f) => [f.merchantRefundId ?? `#${f.processor[0]!.connectorRefundId}`, f] as const))
  })

const reconcile = (p: ListPay.Processor, options: Partial<Reconciler.ReconcileOptions> & Pick<Reconciler.ReconcileOptions, "ledger">) =>
  Effect.gen(function*() {
    const client = yield* clientOf(p)
    return yield* Reconciler.run(client, { window, requestsPerSecond: Infinity, partitions: 16, pageSize: 50, ...options })
  })

describe("Reconciler", () => {
  for (const seed of [1, 2, 3]) {
    it.live(`finds every seeded discrepancy and no other (seed ${seed})`, () =>
      Effect.gen(function*() {
        const b = book(seed, 3_000, 0.02)
        const p = ListPay.processor(b.refunds)
        p.repeat = seed === 2 // an eventually consistent list repeats refunds across pages
        const result = yield* reconcile(p, { ledger: { _tag: "Csv", text: chunked(csvOf(b.ledgerRows), seed) }, concurrency: 3 })
        const findings = yield* findingsOf(result)
        for (const [key, kind] of b.expected) {
          const got = findings.get(key)?.kind ?? "matched"
          assert.strictEqual(got, kind, `${key}: expected ${kind}, got ${got} (${findings.get(key)?.detail})`)
        }
        for (const key of findings.keys()) assert.isTrue(b.expected.has(key), `a finding nobody seeded: ${key}`)
        const tally: Record<string, number> = {}
        for (const kind of b.expected.values()) tally[kind] = (tally[kind] ?? 0) + 1
        for (const [kind, count] of Object.entries(result.summary.counts)) assert.strictEqual(count, tally[kind] ?? 0, kind)
        assert.strictEqual(result.summary.ledgerRows, b.ledgerRows.length)
        assert.strictEqual(result.summary.discrepancies, [...b.expected.values()].filter(Matching.isDiscrepancy).length)
      }).pipe(Effect.provide(workspaceLayer)))
  }

  it.live("resumes after a failure mid-listing and reaches the uninterrupted answer, counting nothing twice", () =>
    Effect.gen(function*() {
      const b = book(7, 2_000, 0.02)
      const ledger = csvOf(b.ledgerRows)
      const reference = yield* reconcile(ListPay.processor(b.refunds), { ledger: { _tag: "Csv", text: Stream.make(ledger) }, concurrency: 4 })
      const referenceFindings = yield* findingsOf(reference)

      const p = ListPay.processor(b.refunds)
      const workspace = yield* ReconcileWorkspace.memory
      const layer = Layer.succeed(ReconcileWorkspace.ReconcileWorkspace, workspace)
      // Fail three times at different points: after the first checkpoint, between two, late.
      for (const page of [5, 13, 22]) {
        p.failPages.clear()
        p.failPages.add(p.pages + page)
        const exit = yield* Effect.exit(
          reconcile(p, { ledger: { _tag: "Csv", text: Stream.make(ledger) }, concurrency: 4, checkpointEveryMillis: 0 }).pipe(Effect.provide(layer))
        )
        assert.isTrue(Exit.isFailure(exit), `the run should fail at page ${page}`)
      }
      p.failPages.clear()
      const resumed = yield* reconcile(p, { ledger: { _tag: "Csv", text: Stream.make(ledger) }, concurrency: 4, checkpointEveryMillis: 0 }).pipe(
        Effect.provide(layer)
      )
      assert.isTrue(resumed.summary.resumed)
      assert.deepStrictEqual(resumed.summary.counts, reference.summary.counts)
      assert.strictEqual(resumed.summary.processorRefunds, reference.summary.processorRefunds)
      assert.strictEqual(resumed.summary.ledgerRows, reference.summary.ledgerRows)
      const findings = yield* findingsOf(resumed)
      assert.deepStrictEqual([...findings.keys()].toSorted(), [...referenceFindings.keys()].toSorted())
      for (const [key, f] of findings) assert.strictEqual(f.kind, referenceFindings.get(key)!.kind)
    }).pipe(Effect.provide(workspaceLayer)))

  it.live("refuses a checkpoint from another reconciliation", () =>
    Effect.gen(function*() {
      const p = ListPay.processor([])
      const ledger = { _tag: "Csv" as const, text: Stream.make(csvOf([])) }
      yield* reconcile(p, { ledger })
      const other = yield* Effect.flip(reconcile(p, { ledger, window: { from: window.from, to: window.to + 1000 } }))
      assert.strictEqual(other.reason, "Checkpoint")
    }).pipe(Effect.provide(workspaceLayer)))

  it.live("with apply, writes what the processor showed through the state machine, never regressing", () =>
    Effect.gen(function*() {
      const store = yield* MemoryRefundStore.make
      const created = Math.floor((window.to - 5 * day) / 1000)
      const seen = (id: string, status: Refund.RefundSnapshot["status"], raw: string, at: number) =>
        store.apply({
          connector: "listpay",
          source: "webhook",
          receivedAt: at,
          snapshot: new Refund.RefundSnapshot({
            connectorRefundId: id,
            merchantRefundId: `m-${id}`,
            amount: Money.make(500, "EUR"),
            status,
            rawStatus: raw,
            occurredAt: at
          })
        })
      yield* seen("re_a", "Pending", "pending", created * 1000)
      yield* seen("re_b", "Succeeded", "succeeded", (created + 100) * 1000)
      const p = ListPay.processor([
        { id: "re_a", status: "succeeded", amount: 500, currency: "EUR", payment: "pay_a", merchant_refund_id: "m-re_a", created, arn: "74610000000000000000001" },
        // An older pending observation of a refund the store knows succeeded: must not regress it.
        { id: "re_b", status: "pending", amount: 500, currency: "EUR", payment: "pay_b", merchant_refund_id: "m-re_b", created }
      ])
      const result = yield* reconcile(p, { ledger: { _tag: "Store", store }, apply: store })
      const a = Option.getOrThrow(yield* store.get({ connector: "listpay", connectorRefundId: "re_a" }))
      const b = Option.getOrThrow(yield* store.get({ connector: "listpay", connectorRefundId: "re_b" }))
      assert.strictEqual(a.status, "Succeeded")
      assert.strictEqual(a.settlement?.traceReference, "74610000000000000000001")
      assert.strictEqual(b.status, "Succeeded")
      const history = yield* store.history({ connector: "listpay", connectorRefundId: "re_a" })
      assert.strictEqual(history.at(-1)!.source, "reconcile")
      assert.strictEqual(history.at(-1)!.transition, "Applied")
      assert.strictEqual(result.summary.applied?.Applied, 1)
      assert.strictEqual(result.summary.applied?.Stale, 1)
      // The store was the books: it said re_a was pending and re_b succeeded; the listing disagrees on both.
      assert.strictEqual(result.summary.counts.status_mismatch, 2)
    }).pipe(Effect.provide(workspaceLayer)))

  it.live("with apply, records every listed refund in the store with the processor's status, many at once", () =>
    Effect.gen(function*() {
      const b = book(5, 600, 0.02)
      const store = yield* MemoryRefundStore.make
      const result = yield* reconcile(ListPay.processor(b.refunds), { ledger: { _tag: "Csv", text: Stream.make(csvOf(b.ledgerRows)) }, apply: store })
      assert.strictEqual(result.summary.applied?.Applied, b.refunds.length)
      const statusOf: Record<string, string> = { succeeded: "Succeeded", failed: "Failed", pending: "Pending" }
      for (const wire of b.refunds) {
        const stored = Option.getOrThrow(yield* store.get({ connector: "listpay", connectorRefundId: wire.id }))
        assert.strictEqual(stored.status, statusOf[wire.status], wire.id)
        assert.strictEqual(stored.amount?.amount, wire.amount)
        assert.strictEqual(stored.merchantRefundId, wire.merchant_refund_id)
        const history = yield* store.history({ connector: "listpay", connectorRefundId: wire.id })
        assert.deepStrictEqual(history.map((e) => e.source), ["reconcile"])
      }
      assert.strictEqual((yield* Stream.runCollect(store.scan("listpay"))).length, b.refunds.length)
    }).pipe(Effect.provide(workspaceLayer)))

  it.live("reads reports instead of a listing: a refund and its later reversal fold into Reversed", () =>
    Effect.gen(function*() {
      const report1 = "refund_id,merchant_ref,type,amount,currency,batch\r\nre_1,m-1,refund,10.00,EUR,7\r\npay_9,,payment,99.00,EUR,7\r\nre_2,m-2,refund,5,JPY,7\r\nre_3,,refund,1.000,BHD,7\r\n"
      const report2 = "batch,currency,amount,type,merchant_ref,refund_id\n8,EUR,10.00,reversal,m-1,re_1\n8,EUR,1.00,chargeback,m-4,re_4\n"
      const ledger = [
        { merchant_refund_id: "m-1", amount: "10.00", currency: "EUR", status: "succeeded" },
        { merchant_refund_id: "m-2", amount: "5", currency: "JPY", status: "succeeded" },
        { merchant_refund_id: "m-3", amount: "1.000", currency: "BHD", status: "succeeded", connector_refund_id: "re_3" }
      ]
      const text = `merchant_refund_id,amount,currency,status,connector_refund_id\n${ledger.map((r) => [r.merchant_refund_id, r.amount, r.currency, r.status, r.connector_refund_id ?? ""].join(",")).join("\n")}\n`
      const result = yield* reconcile(ListPay.processor(), {
        ledger: { _tag: "Csv", text: Stream.make(text) },
        truth: { _tag: "Reports", reports: [{ name: "batch-7.csv", text: chunked(report1, 3) }, { name: "batch-8.csv", text: Stream.make(report2) }] }
      })
      const findings = yield* findingsOf(result)
      assert.strictEqual(findings.get("m-1")?.kind, "status_mismatch")
      assert.strictEqual(findings.get("m-1")?.processor[0]?.status, "Reversed")
      assert.strictEqual(findings.get("m-1")?.processor[0]?.settlement?.batchId, "8")
      assert.strictEqual(result.summary.counts.matched, 2) // m-2, and m-3 claimed by its processor id
      assert.strictEqual(result.summary.ledgerInvalid, 1) // the chargeback row is refused with its line
      const problems = yield* Stream.runCollect(result.problems)
      assert.match(problems[0]!.message, /batch-8\.csv: unknown type chargeback/)
    }).pipe(Effect.provide(workspaceLayer)))

  it.live("reports unreadable ledger rows with their line and keeps going; a header without required columns stops the run", () =>
    Effect.gen(function*() {
      const text = [
        "merchant_refund_id,amount,currency,status",
        "m-1,10.00,EUR,succeeded",
        "m 2,10.00,EUR,succeeded",
        "m-3,10.001,EUR,succeeded",
        "m-4,10.00,XXX,succeeded",
        "m-5,10.00,EUR,maybe",
        "\"m-6\",\"1,000.00\",EUR,succeeded",
        "m-1,10.00,EUR,succeeded"
      ].join("\n")
      const result = yield* reconcile(ListPay.processor(), { ledger: { _tag: "Csv", text: Stream.make(text) } })
      const problems = yield* Stream.runCollect(result.problems)
      assert.deepStrictEqual(problems.map((p) => p.line).toSorted((a, b) => a - b), [3, 4, 5, 6, 7, 8])
      assert.strictEqual(result.summary.counts.missing_at_processor, 1)
      const bad = yield* Effect.flip(
        reconcile(ListPay.processor(), { ledger: { _tag: "Csv", text: Stream.make("id,amount\n1,2\n") } }).pipe(Effect.provide(workspaceLayer))
      )
      assert.strictEqual(bad.reason, "Input")
      assert.match(bad.message, /merchant_refund_id/)
    }).pipe(Effect.provide(workspaceLayer)))

  it.live("reads JSON Lines ledgers and refuses ambiguous amounts", () =>
    Effect.gen(function*() {
      const created = Math.floor((window.to - 2 * day) / 1000)
      const p = ListPay.processor([{ id: "re_1", status: "succeeded", amount: 1050, currency: "EUR", payment: "p", merchant_refund_id: "m-1", created }])
      const text = [
        JSON.stringify({ merchantRefundId: "m-1", amount: { amount: 1050, currency: "EUR" }, status: "SUCCEEDED" }),
        JSON.stringify({ merchant_refund_id: "m-2", amount: 10.5, currency: "EUR", status: "succeeded" }),
        "{not json"
      ].join("\n")
      const result = yield* reconcile(p, { ledger: { _tag: "JsonLines", text: chunked(text, 9) } })
      assert.strictEqual(result.summary.counts.matched, 1)
      const problems = yield* Stream.runCollect(result.problems)
      assert.deepStrictEqual(problems.map((x) => x.line), [2, 3])
      assert.match(problems[0]!.message, /JSON number/)
    }).pipe(Effect.provide(workspaceLayer)))

  it.live("keeps to the processor's rate limit by default", () =>
    Effect.gen(function*() {
      const created = Math.floor((window.to - 2 * day) / 1000)
      const refunds = Array.from({ length: 100 }, (_, i) => ({
        id: `re_${i}`, status: "succeeded", amount: 1, currency: "EUR", payment: "p", merchant_refund_id: `m-${i}`, created: created - i
      }))
      const p = ListPay.processor(refunds)
      const client = yield* clientOf(p)
      const limited: Connector.Connector = { ...ListPay.listPay, rateLimit: { requestsPerSecond: 5 } }
      const started = Date.now()
      const result = yield* Reconciler.run({ ...client, definition: limited }, {
        window,
        ledger: { _tag: "Csv", text: Stream.make(csvOf([])) },
        pageSize: 10,
        slices: 1,
        concurrency: 4
      })
      const elapsed = Date.now() - started
      assert.strictEqual(result.summary.processorRefunds, 100)
      // 10 pages at 5/s with a burst of 5: at least a second.
      assert.strictEqual(result.summary.pages, 10)
      assert.isAtLeast(elapsed, 950)
    }).pipe(Effect.provide(workspaceLayer)))

  it.live("refuses a connector that can neither list nor report, before reading anything", () =>
    Effect.gen(function*() {
      const p = ListPay.processor()
      const client = yield* clientOf(p, fakeConnector)
      const error = yield* Effect.flip(Reconciler.run(client, { window, ledger: { _tag: "Csv", text: Stream.make("") } }))
      assert.strictEqual(error.reason, "Unsupported")
      assert.strictEqual(p.pages, 0)
    }).pipe(Effect.provide(workspaceLayer)))

  it.live("pages through the pipeline with the cursor the connector gave", () =>
    Effect.gen(function*() {
      const created = Math.floor((window.to - 2 * day) / 1000)
      const p = ListPay.processor(Array.from({ length: 120 }, (_, i) => ({
        id: `re_${i}`, status: "succeeded", amount: 1, currency: "EUR", payment: "p", merchant_refund_id: `m-${i}`, created: created - i
      })))
      const result = yield* reconcile(p, { ledger: { _tag: "Csv", text: Stream.make(csvOf([])) }, slices: 1, concurrency: 1 })
      assert.strictEqual(result.summary.pages, 3)
      assert.strictEqual(result.summary.counts.missing_in_ledger, 120)
      const urls = p.script.requests.map((r) => new URL(r.url).searchParams.get("offset"))
      assert.deepStrictEqual(urls, [null, "50", "100"])
    }).pipe(Effect.provide(workspaceLayer)))
})

describe("Reconciler.slicesOf", () => {
  it("covers exactly the window, edge to edge, with inner boundaries on whole seconds", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1_600_000_000_000, max: 1_900_000_000_000 }),
        fc.integer({ min: 1, max: 40 * day }),
        fc.integer({ min: 1, max: 64 }),
        fc.option(fc.integer({ min: 3_600_000, max: 31 * day }), { nil: undefined }),
        (from, length, count, maxMillis) => {
          const window = { from, to: from + length }
          const slices = Reconciler.slicesOf(window, count, maxMillis)
          assert.isAbove(slices.length, 0)
          assert.strictEqual(slices[0]!.from, window.from)
          assert.strictEqual(slices.at(-1)!.to, window.to)
          for (const [i, slice] of slices.entries()) {
            assert.isBelow(slice.from, slice.to)
            if (i > 0) {
              assert.strictEqual(slice.from, slices[i - 1]!.to)
              assert.strictEqual(slice.from % 1000, 0)
            }
            if (maxMillis !== undefined) assert.isAtMost(slice.to - slice.from, maxMillis)
          }
        }
      )
    )
  })
})
