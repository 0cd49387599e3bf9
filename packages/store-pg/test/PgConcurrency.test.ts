import { assert, describe, layer } from "@effect/vitest"
import { Effect, Option } from "effect"
import { SqlClient } from "effect/sql"
import { Money, Refund, RefundStore } from "@refract/core"
import type { RefundStatus } from "@refract/core"
import * as TestDatabase from "./helpers/TestDatabase.ts"

const schema = TestDatabase.uniqueSchema("race")

const observation = (
  connector: string,
  id: string,
  status: RefundStatus.ObservedStatus,
  source: RefundStore.Source,
  extra: { readonly eventId?: string; readonly merchantRefundId?: string; readonly receivedAt: number }
): RefundStore.Observation => ({
  connector,
  snapshot: new Refund.RefundSnapshot({
    connectorRefundId: id,
    merchantRefundId: extra.merchantRefundId,
    amount: Money.make(1050, "USD"),
    status,
    rawStatus: status.toLowerCase()
  }),
  source,
  eventId: extra.eventId,
  receivedAt: extra.receivedAt
})

describe("PgRefundStore: concurrent first sightings (the advisory lock)", () => {
  layer(TestDatabase.storeLayer(schema), { excludeTestServices: true })((it) => {
    it.effect("a create answer, a webhook and a poll racing on a refund never seen give one row and the merged state", () =>
      Effect.gen(function*() {
        const store = yield* RefundStore.RefundStore
        const sql = yield* SqlClient.SqlClient
        const connector = "first-sight"
        const rounds = 12
        for (let round = 0; round < rounds; round++) {
          const id = `re_first_${round}`
          const merchantRefundId = `mr_first_${round}`
          // Nothing is stored for `id` yet: every transaction finds no row to lock with FOR UPDATE.
          const create = store.apply(observation(connector, id, "Pending", "create", { merchantRefundId, receivedAt: 1000 }))
          const webhook = store.apply(observation(connector, id, "Succeeded", "webhook", { eventId: `evt_first_${round}`, receivedAt: 1001 }))
          const poll = store.apply(observation(connector, id, "RequiresAction", "poll", { receivedAt: 1002 }))
          const results = yield* Effect.all(round % 2 === 0 ? [create, webhook, poll] : [webhook, poll, create], {
            concurrency: "unbounded"
          })
          assert.deepStrictEqual(results.map((r) => r._tag), ["Observed", "Observed", "Observed"], `round ${round}`)

          const rows = yield* sql<{ n: number }>`SELECT count(*)::integer AS n FROM ${sql.literal(`"${schema}".refract_refunds`)}
            WHERE connector = ${connector} AND connector_refund_id = ${id}`
          assert.strictEqual(rows[0]!.n, 1, `round ${round}: one row`)

          const history = yield* store.history({ connector, connectorRefundId: id })
          assert.deepStrictEqual(history.map((e) => e.sequence), [1, 2, 3], `round ${round}: sequences`)
          assert.deepStrictEqual(history.map((e) => e.source).toSorted(), ["create", "poll", "webhook"], `round ${round}: sources`)
          // Each entry starts where the one before it ended: the observations ran one after the other.
          assert.strictEqual(history[0]!.statusBefore, undefined, `round ${round}: exactly one first sighting`)
          for (let i = 1; i < history.length; i++) {
            assert.strictEqual(history[i]!.statusBefore, history[i - 1]!.statusAfter, `round ${round}: entry ${i + 1}`)
          }

          // Merged: the webhook's Succeeded wins whatever the order, the create's merchant id is kept.
          const refund = Option.getOrThrow(yield* store.get({ connector, connectorRefundId: id }))
          assert.strictEqual(refund.status, "Succeeded", `round ${round}: status`)
          assert.strictEqual(refund.merchantRefundId, merchantRefundId, `round ${round}: merchant refund id`)
          const byMerchant = yield* store.getByMerchantRefundId(merchantRefundId, connector)
          assert.strictEqual(Option.getOrUndefined(byMerchant)?.connectorRefundId, id, `round ${round}: by merchant refund id`)
        }
      }))
  })
})
