/**
 * The batch listing end to end against the emulator: refunds settling in several batches, walked page by
 * page through the core, each created in the window listed exactly once with its batch; the cursor resumes
 * from where a restarted walk left it; refunds not yet settled are not listed (the lag).
 */
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { BoundConnector, RefundClient } from "@refract/core"
import type { Connector } from "@refract/core"
import { AuthorizeNetEmulator } from "@refract/testkit"
import type { EmulatorHandle } from "@refract/testkit"
import { connector } from "@refract/authorizenet"
import { Effect } from "effect"
import { FetchHttpClient } from "effect/http"

describe("listing by settled batch, against the emulator", () => {
  let emu: EmulatorHandle
  beforeAll(async () => {
    emu = await AuthorizeNetEmulator.start({ clock: "manual", settleAfterMillis: 2_000 })
  })
  afterAll(async () => {
    await emu?.close()
  })

  const client = Effect.suspend(() => Effect.flatMap(BoundConnector.bind(connector, { credentials: { ...emu.credentials }, baseUrl: emu.url }), RefundClient.make)).pipe(
    Effect.provide(FetchHttpClient.layer)
  )
  const walk = (c: RefundClient.RefundClient, window: Connector.ListWindow, pageSize: number, from?: string) =>
    Effect.gen(function*() {
      const pages: Array<Connector.ListPage> = []
      let cursor = from
      do {
        const page = yield* c.listPage({ window, pageSize, ...(cursor !== undefined ? { cursor } : {}) })
        pages.push(page)
        cursor = page.next
      } while (cursor !== undefined && pages.length < 100)
      return pages
    })

  it.live("every refund created in the window, across three batches and several pages, exactly once", () =>
    Effect.gen(function*() {
      emu.reset()
      const c = yield* client
      const from = Math.ceil(emu.clock.now() / 1000) * 1000 + 1000
      yield* Effect.promise(() => emu.clock.setTime(from))
      const ids: Array<string> = []
      for (let batch = 0; batch < 3; batch++) {
        for (let i = 0; i < 5; i++) {
          const payment = yield* Effect.promise(() => emu.createPayment({ amount: 10_000, currency: "USD" }))
          const r = yield* c.create({ merchantRefundId: `list-${batch}-${i}-${from}`, connectorTransactionId: payment, amount: { amount: 100 + i, currency: "USD" } })
          ids.push(r.connectorRefundId)
        }
        yield* Effect.promise(() => emu.clock.advance(3_000))
      }
      const pending = yield* Effect.promise(() => emu.createPayment({ amount: 10_000, currency: "USD" }))
      emu.scriptOutcome(pending, "requires_action")
      yield* c.create({ merchantRefundId: `list-pending-${from}`, connectorTransactionId: pending, amount: { amount: 100, currency: "USD" } })
      const to = emu.clock.now() + 1
      yield* Effect.promise(() => emu.clock.advance(5_000))

      const pages = yield* walk(c, { from, to }, 2)
      const listed = pages.flatMap((p) => p.refunds)
      assert.sameMembers(listed.map((r) => r.connectorRefundId), ids, "the settled ones, not the pending one")
      assert.strictEqual(new Set(listed.map((r) => r.connectorRefundId)).size, listed.length)
      assert.strictEqual(new Set(listed.map((r) => r.settlement?.batchId)).size, 3, "three batches")
      for (const page of pages) assert.isAtMost(page.refunds.length, 2)

      // A walk restarted from a checkpointed cursor lists the rest, and nothing before it.
      const resumed = yield* walk(c, { from, to }, 2, pages[3]!.next)
      const rest = pages.slice(4).flatMap((p) => p.refunds.map((r) => r.connectorRefundId))
      assert.deepStrictEqual(resumed.flatMap((p) => p.refunds.map((r) => r.connectorRefundId)), rest)
    }))
})
