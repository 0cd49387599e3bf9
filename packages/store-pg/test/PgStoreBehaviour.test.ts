import { assert, describe, it } from "@effect/vitest"
import { Context, Effect, Layer, Option, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { Money, Refund, RefundStore } from "@refract/core"
import { PgRefundStore } from "@refract/store-pg"
import * as TestDatabase from "./helpers/TestDatabase.ts"

const observation = (
  connector: string,
  id: string,
  status: Refund.RefundSnapshot["status"],
  extra: { readonly merchantRefundId?: string; readonly receivedAt?: number; readonly eventId?: string } = {}
): RefundStore.Observation => ({
  connector,
  snapshot: new Refund.RefundSnapshot({
    connectorRefundId: id,
    merchantRefundId: extra.merchantRefundId,
    amount: Money.make(1050, "USD"),
    status,
    rawStatus: status.toLowerCase()
  }),
  source: extra.eventId === undefined ? "create" : "webhook",
  eventId: extra.eventId,
  receivedAt: extra.receivedAt ?? 1_000
})

const intent = (connector: string, merchantRefundId: string, firstAttemptAt: number) =>
  new RefundStore.CreateIntent({
    connector,
    merchantRefundId,
    idempotencyKey: `refract-${merchantRefundId}`,
    firstAttemptAt,
    state: "Pending",
    request: new Refund.CreateRefundRequest({
      merchantRefundId: merchantRefundId as Refund.CreateRefundRequest["merchantRefundId"],
      connectorTransactionId: "pay_1",
      amount: Money.make(1050, "USD")
    }),
    updatedAt: firstAttemptAt
  })

/** A schema dropped when the test's scope closes, with a SqlClient. */
const withSchema = <A, E>(label: string, f: (schema: string) => Effect.Effect<A, E, SqlClient.SqlClient>) =>
  Effect.gen(function*() {
    const schema = TestDatabase.uniqueSchema(label)
    return yield* f(schema).pipe(Effect.provide(TestDatabase.dropOnClose(schema)))
  }).pipe(Effect.provide(TestDatabase.client))

describe("PgRefundStore behaviour beyond the conformance cases", () => {
  it.live("by merchant refund id without a connector: the most recently updated refund of any connector", () =>
    withSchema("bymerchant", (schema) =>
      Effect.scoped(Effect.gen(function*() {
        const store = yield* PgRefundStore.make({ schema })
        yield* store.apply(observation("stripe", "re_old", "Pending", { merchantRefundId: "order-7", receivedAt: 1_000 }))
        yield* store.apply(observation("adyen", "re_new", "Pending", { merchantRefundId: "order-7", receivedAt: 2_000 }))
        yield* store.apply(observation("paypal", "re_older", "Pending", { merchantRefundId: "order-7", receivedAt: 500 }))
        const any = yield* store.getByMerchantRefundId("order-7")
        assert.strictEqual(Option.getOrUndefined(any)?.connectorRefundId, "re_new")
        const stripe = yield* store.getByMerchantRefundId("order-7", "stripe")
        assert.strictEqual(Option.getOrUndefined(stripe)?.connectorRefundId, "re_old")
        // The older one moves last: it is now the most recently updated.
        yield* store.apply(observation("stripe", "re_old", "Succeeded", { eventId: "evt_late", receivedAt: 3_000 }))
        assert.strictEqual(Option.getOrUndefined(yield* store.getByMerchantRefundId("order-7"))?.connectorRefundId, "re_old")
        assert.isTrue(Option.isNone(yield* store.getByMerchantRefundId("order-8")))
        assert.isTrue(Option.isNone(yield* store.getByMerchantRefundId("order-7", "square")))
      }))))

  it.live("lists across connectors oldest update first, and pending creates of every connector oldest first", () =>
    withSchema("lists", (schema) =>
      Effect.scoped(Effect.gen(function*() {
        const store = yield* PgRefundStore.make({ schema })
        yield* store.apply(observation("stripe", "re_b", "Pending", { receivedAt: 2_000 }))
        yield* store.apply(observation("adyen", "re_a", "Pending", { receivedAt: 1_000 }))
        yield* store.apply(observation("adyen", "re_c", "Succeeded", { receivedAt: 3_000 }))
        assert.deepStrictEqual((yield* store.listUnsettled()).map((r) => r.connectorRefundId), ["re_a", "re_b"])
        assert.deepStrictEqual(
          (yield* store.listUnsettled(undefined, { succeededSince: 0 })).map((r) => r.connectorRefundId),
          ["re_a", "re_b", "re_c"]
        )
        assert.deepStrictEqual((yield* store.listUnsettled("adyen", { succeededSince: 3_001 })).map((r) => r.connectorRefundId), ["re_a"])
        yield* store.beginCreate(intent("stripe", "m-2", 2_000))
        yield* store.beginCreate(intent("adyen", "m-1", 1_000))
        yield* store.beginCreate(intent("adyen", "m-3", 3_000))
        yield* store.endCreate("adyen", "m-3", { state: "Created", connectorRefundId: "re_m3" }, 4_000)
        assert.deepStrictEqual((yield* store.pendingCreates()).map((i) => `${i.connector}/${i.merchantRefundId}`), ["adyen/m-1", "stripe/m-2"])
        assert.deepStrictEqual((yield* store.pendingCreates("stripe")).map((i) => i.merchantRefundId), ["m-2"])
      }))))

  it.live("migrate: false uses the tables as they are, and fails as a StoreError when they are missing", () =>
    withSchema("nomig", (schema) =>
      Effect.scoped(Effect.gen(function*() {
        const unmigrated = yield* PgRefundStore.make({ schema, migrate: false })
        const error = yield* unmigrated.apply(observation("stripe", "re_x", "Pending")).pipe(Effect.flip)
        assert.strictEqual(error.operation, "apply")
        assert.match(error.message, /^PostgreSQL refund store apply: .*(does not exist|42P01)/)
        const migrated = yield* PgRefundStore.make({ schema })
        yield* migrated.apply(observation("stripe", "re_x", "Pending"))
        const again = yield* PgRefundStore.make({ schema, migrate: false })
        assert.strictEqual(Option.getOrUndefined(yield* again.get({ connector: "stripe", connectorRefundId: "re_x" }))?.status, "Pending")
      }))))

  it.live("the observation table's columns carry the event id and the statuses before and after, for SQL readers", () =>
    withSchema("columns", (schema) =>
      Effect.scoped(Effect.gen(function*() {
        const store = yield* PgRefundStore.make({ schema })
        yield* store.apply(observation("stripe", "re_col", "Pending"))
        yield* store.apply(observation("stripe", "re_col", "Succeeded", { eventId: "evt_col", receivedAt: 2_000 }))
        const sql = yield* SqlClient.SqlClient
        const rows = yield* sql.unsafe<{ sequence: number; event_id: string | null; status_before: string | null; status_after: string | null }>(
          `SELECT sequence, event_id, status_before, status_after FROM "${schema}".refract_observations ORDER BY sequence`
        )
        assert.deepStrictEqual(rows.map((r) => [Number(r.sequence), r.event_id, r.status_before, r.status_after]), [
          [1, null, null, "Pending"],
          [2, "evt_col", "Pending", "Succeeded"]
        ])
      }))))

  it.live("the schema defaults to public; an unsafe schema name is a configure error", () =>
    Effect.gen(function*() {
      // Without migrating, building the store touches no table: the default schema name is valid.
      const store = yield* Effect.scoped(PgRefundStore.make({ migrate: false }))
      assert.isFunction(store.apply)
      const bad = yield* Effect.scoped(PgRefundStore.make({ schema: "Robert'); DROP TABLE x;--" })).pipe(Effect.flip)
      assert.strictEqual(bad.operation, "configure")
      assert.match(bad.message, /invalid schema name/)
    }).pipe(Effect.provide(TestDatabase.client)))

  it.live("every operation names itself in its StoreError", () =>
    withSchema("errors", (schema) =>
      Effect.scoped(Effect.gen(function*() {
        const store = yield* PgRefundStore.make({ schema })
        const sql = yield* SqlClient.SqlClient
        yield* sql.unsafe(`DROP SCHEMA "${schema}" CASCADE`)
        const key = { connector: "stripe", connectorRefundId: "re_gone" }
        const operations: ReadonlyArray<readonly [string, Effect.Effect<unknown, RefundStore.StoreError>]> = [
          ["apply", store.apply(observation("stripe", "re_gone", "Pending"))],
          ["get", store.get(key)],
          ["getByMerchantRefundId", store.getByMerchantRefundId("order-gone")],
          ["history", store.history(key)],
          ["listUnsettled", store.listUnsettled()],
          ["beginCreate", store.beginCreate(intent("stripe", "m-gone", 1))],
          ["endCreate", store.endCreate("stripe", "m-gone", { state: "Failed" }, 2)],
          ["getCreate", store.getCreate("stripe", "m-gone")],
          ["pendingCreates", store.pendingCreates()],
          ["hasEvent", store.hasEvent("stripe", "evt_gone")]
        ]
        for (const [name, operation] of operations) {
          const error = yield* Effect.flip(operation)
          assert.strictEqual(error._tag, "StoreError", name)
          assert.strictEqual(error.operation, name)
          assert.isTrue(error.message.startsWith(`PostgreSQL refund store ${name}: `), error.message)
          assert.match(error.message, /42P01/, name)
        }
      }))))

  it.live("layerUrl takes the URL as a string or Redacted, and reports a refused connection as a StoreError", () =>
    withSchema("url", (schema) =>
      Effect.gen(function*() {
        for (const url of [TestDatabase.url, Redacted.make(TestDatabase.url)]) {
          yield* Effect.scoped(Effect.gen(function*() {
            const context = yield* Layer.build(PgRefundStore.layerUrl(url, { schema }))
            const store = Context.get(context, RefundStore.RefundStore)
            yield* store.apply(observation("stripe", `re_${typeof url}`, "Pending"))
            assert.isTrue(Option.isSome(yield* store.get({ connector: "stripe", connectorRefundId: `re_${typeof url}` })))
          }))
        }
        // The pool connects lazily: a refused connection surfaces from the first migration.
        const down = yield* Effect.scoped(Layer.build(PgRefundStore.layerUrl(Redacted.make("postgres://postgres@127.0.0.1:1/test"), { schema })))
          .pipe(Effect.flip)
        assert.strictEqual(down.operation, "migrate")
        assert.match(down.message, /^PostgreSQL refund store migrate: .*ECONNREFUSED/)
      })))
})
