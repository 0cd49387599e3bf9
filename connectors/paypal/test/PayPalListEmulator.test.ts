/**
 * Listing PayPal refunds (Transaction Search) end to end: refunds created with the connector against the
 * PayPal emulator, then read back through core's `RefundClient.listPage`, page by page until `next` is
 * absent. Transaction Search lists captures too; only refunds come back. The emulator keeps PayPal's
 * three-hour lag unless told otherwise, and the core refuses a window over 31 days before sending.
 */
import { afterAll, assert, beforeAll, beforeEach, describe, it } from "@effect/vitest"
import { BoundConnector, Money, RefundClient } from "@refract/core"
import type { Connector, Refund } from "@refract/core"
import { PayPalEmulator } from "@refract/testkit"
import { Effect } from "effect"
import { FetchHttpClient } from "effect/http"
import { connector } from "@refract/paypal"

const second = 1_000
const hour = 60 * 60 * second
const day = 24 * hour
const SETTLE_MILLIS = 2_000

let emulator: PayPalEmulator.PayPalEmulatorHandle

beforeAll(async () => {
  // Tokens outlive the hours of emulator time these tests move through.
  emulator = await PayPalEmulator.start({ clock: "manual", settleAfterMillis: SETTLE_MILLIS, tokenLifetimeSeconds: 10_000_000 })
})
afterAll(async () => {
  await emulator?.close()
})
beforeEach(() => {
  emulator.reset()
})

const client = Effect.flatMap(
  Effect.suspend(() =>
    BoundConnector.bind(connector, {
      credentials: { clientId: emulator.credentials["clientId"]!, clientSecret: emulator.credentials["clientSecret"]! },
      baseUrl: emulator.url,
      retry: { maxAttempts: 2, baseDelayMillis: 10, maxDelayMillis: 50 },
      timeouts: { attemptMillis: 3_000, totalMillis: 10_000 }
    })
  ),
  RefundClient.make
).pipe(Effect.provide(FetchHttpClient.layer))

let counter = 0
const input = (paymentId: string, amount: number): RefundClient.CreateRefundInput => ({
  merchantRefundId: `pp-list-${Date.now().toString(36)}-${(counter++).toString(36)}`,
  connectorTransactionId: paymentId,
  amount: { amount, currency: "USD" }
})

const walk = (c: RefundClient.RefundClient, window: Connector.ListWindow, pageSize: number) =>
  Effect.gen(function*() {
    const pages: Array<Connector.ListPage> = []
    let cursor: string | undefined
    do {
      pages.push(yield* c.listPage({ window, pageSize, ...(cursor !== undefined ? { cursor } : {}) }))
      cursor = pages.at(-1)!.next
      if (pages.length > 50) assert.fail("the listing never ends")
    } while (cursor !== undefined)
    return pages
  })

/** Two captures, two refunds each (one scripted to fail), created from a second boundary; the window around them. */
const scenario = Effect.gen(function*() {
  const c = yield* client
  const from = Math.ceil(emulator.clock.now() / second) * second + second
  yield* Effect.promise(() => emulator.clock.setTime(from))
  const captures: Array<string> = []
  const made: Array<{ refund: Refund.Refund; capture: string; amount: number; failed: boolean }> = []
  for (const [i, failed] of [false, true].entries()) {
    const capture = yield* Effect.promise(() => emulator.createPayment({ amount: 10_000, currency: "USD" }))
    if (failed) emulator.scriptOutcome(capture, "failed")
    captures.push(capture)
    for (const amount of [1_050 + i * 1_000, 1_250 + i * 1_000]) {
      made.push({ refund: yield* c.create(input(capture, amount)), capture, amount, failed })
      yield* Effect.promise(() => emulator.clock.advance(250))
    }
  }
  const to = Math.floor(emulator.clock.now() / second) * second + second
  return { c, captures, made, window: { from, to } }
})

const idsOf = (pages: ReadonlyArray<Connector.ListPage>) => pages.flatMap((p) => p.refunds.map((r) => r.connectorRefundId))

describe("PayPal listing against the emulator, through RefundClient.listPage", () => {
  it.live("refunds show only after PayPal's three hours; then each once, with amount, status and capture, and no capture as a refund", () =>
    Effect.gen(function*() {
      const { c, captures, made, window } = yield* scenario
      assert.strictEqual(emulator.listLagMillis(), 3 * hour)
      yield* Effect.promise(() => emulator.clock.advance(2 * SETTLE_MILLIS))
      assert.deepStrictEqual(idsOf(yield* walk(c, window, 10)), [], "not listed within the three hours")

      yield* Effect.promise(() => emulator.clock.advance(3 * hour))
      // Page size 3 over 2 captures and 4 refunds: pages mix captures and refunds.
      const pages = yield* walk(c, window, 3)
      assert.isAtLeast(pages.length, 2)
      const listed = pages.flatMap((p) => p.refunds)
      const ids = idsOf(pages)
      assert.strictEqual(new Set(ids).size, ids.length, `no refund twice: ${ids.join(", ")}`)
      assert.sameMembers(ids, made.map((m) => m.refund.connectorRefundId))
      for (const capture of captures) assert.notInclude(ids, capture, "a capture is not a refund")
      for (const { amount, capture, failed, refund } of made) {
        const snapshot = listed.find((r) => r.connectorRefundId === refund.connectorRefundId)!
        assert.isTrue(Money.equals(snapshot.amount!, Money.make(amount, "USD")), `${refund.connectorRefundId}: amount`)
        assert.strictEqual(snapshot.status, failed ? "Failed" : "Succeeded")
        assert.strictEqual(snapshot.rawStatus, failed ? "D" : "S")
        assert.strictEqual(snapshot.connectorTransactionId, capture)
        assert.isTrue(snapshot.createdAt! >= window.from && snapshot.createdAt! < window.to)
      }

      // The captures really are in the search answer (what the connector leaves out).
      const searches = emulator.requests().filter((r) => r.path === "/v1/reporting/transactions")
      assert.isAtLeast(searches.length, pages.length)
      assert.include(searches.at(-1)!.query, "balance_affecting_records_only=Y")

      // A window ending when the first refund was created lists none of them.
      assert.deepStrictEqual(idsOf(yield* walk(c, { from: window.from - day, to: window.from }, 10)), [])
      // A window starting after the last lists none either.
      assert.deepStrictEqual(idsOf(yield* walk(c, { from: window.to, to: window.to + hour }, 10)), [])
    }), 30_000)

  it.live("with the lag set to 0 through the control API, pending refunds list at once as Pending", () =>
    Effect.gen(function*() {
      const { c, made, window } = yield* scenario
      const res = yield* Effect.promise(() => fetch(`${emulator.origin}/__emulator/list-lag`, { method: "PUT", body: JSON.stringify({ millis: 0 }) }))
      assert.strictEqual(res.status, 200)
      const pages = yield* walk(c, window, 2)
      assert.sameMembers(idsOf(pages), made.map((m) => m.refund.connectorRefundId))
      for (const snapshot of pages.flatMap((p) => p.refunds)) assert.strictEqual(snapshot.status, "Pending")
    }), 30_000)

  it.live("a window over 31 days, or a page over 500, is refused before any request", () =>
    Effect.gen(function*() {
      const c = yield* client
      const from = Math.floor(emulator.clock.now() / second) * second - 40 * day
      const before = emulator.requests().length
      const tooLong = yield* Effect.flip(c.listPage({ window: { from, to: from + 31 * day + second }, pageSize: 10 }))
      assert.strictEqual(tooLong.reason._tag, "InvalidRequest")
      assert.strictEqual(tooLong.operation, "list")
      const tooBig = yield* Effect.flip(c.listPage({ window: { from, to: from + day }, pageSize: 501 }))
      assert.strictEqual(tooBig.reason._tag, "InvalidRequest")
      assert.strictEqual(emulator.requests().length, before, "nothing was sent, not even a token request")
      // Exactly 31 days is PayPal's limit, and is sent.
      const page = yield* c.listPage({ window: { from, to: from + 31 * day }, pageSize: 10 })
      assert.deepStrictEqual(page.refunds, [])
      assert.isAbove(emulator.requests().length, before)
    }), 30_000)
})
