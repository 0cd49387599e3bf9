import { assert, describe, layer } from "@effect/vitest"
import { Money, Refund, RefundStore } from "@refract/core"
import { Effect } from "effect"
import * as TestDatabase from "./helpers/TestDatabase.ts"

const snapshot = (id: string, status: "Pending" | "Succeeded", rawStatus: string, occurredAt: number) =>
  new Refund.RefundSnapshot({
    connectorRefundId: id,
    amount: Money.make(1000, "USD"),
    status,
    rawStatus,
    occurredAt
  })

describe("PgRefundStore group commit", () => {
  layer(TestDatabase.storeLayer(TestDatabase.uniqueSchema("group")), { excludeTestServices: true })((it) => {
    it.effect("concurrent observations are grouped: each refund's observations applied in order, duplicates once, each answered", () =>
      Effect.gen(function*() {
        const store = yield* RefundStore.RefundStore
        const at = Date.UTC(2026, 0, 1)
        const observations = Array.from({ length: 40 }, (_, i): RefundStore.Observation => ({
          connector: "stripe",
          snapshot: i % 2 === 0 ? snapshot(`re_g${i % 10}`, "Pending", "pending", at + i * 1000) : snapshot(`re_g${i % 10}`, "Succeeded", "succeeded", at + i * 1000),
          source: "webhook",
          // Every event twice (i and i + 20): the second is a Duplicate, wherever it lands.
          eventId: `evt_g${i % 20}`,
          receivedAt: at + i * 1000
        }))
        const results = yield* Effect.forEach(observations, (o) => store.apply(o), { concurrency: "unbounded" })
        assert.strictEqual(results.filter((r) => r._tag === "Duplicate").length, 20)
        for (let k = 0; k < 10; k++) {
          const history = yield* store.history({ connector: "stripe", connectorRefundId: `re_g${k}` })
          assert.deepStrictEqual(history.map((h) => h.sequence), history.map((_, i) => i + 1))
          assert.strictEqual(history.length, 2)
        }
      }))
  })
})
