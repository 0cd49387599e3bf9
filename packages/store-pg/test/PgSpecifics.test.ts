import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Context, Effect, Layer, Option, PubSub } from "effect"
import { SqlClient } from "effect/sql"
import { Money, Refund, RefundStore } from "@refract/core"
import { Migrations, PgRefundStore, StoreConfig } from "@refract/store-pg"
import * as TestDatabase from "./helpers/TestDatabase.ts"

const snapshot = (id: string, status: Refund.RefundSnapshot["status"]) =>
  new Refund.RefundSnapshot({
    connectorRefundId: id,
    amount: Money.make(1050, "USD"),
    status,
    rawStatus: status.toLowerCase()
  })

/** A schema dropped when the test's scope closes, with a SqlClient. */
const withSchema = <A, E>(label: string, f: (schema: string) => Effect.Effect<A, E, SqlClient.SqlClient>) =>
  Effect.gen(function*() {
    const schema = TestDatabase.uniqueSchema(label)
    return yield* f(schema).pipe(Effect.provide(TestDatabase.dropOnClose(schema)))
  }).pipe(Effect.provide(TestDatabase.client))

describe("PgRefundStore specifics", () => {
  it.live("migrations are idempotent, also when several processes start at once", () =>
    withSchema("mig", (schema) =>
      Effect.gen(function*() {
        const runs = yield* Effect.all([Migrations.migrate(schema), Migrations.migrate(schema), Migrations.migrate(schema)], {
          concurrency: "unbounded"
        })
        assert.deepStrictEqual(runs.map((r) => r.length).toSorted(), [0, 0, Migrations.migrations.length])
        assert.deepStrictEqual(yield* Migrations.migrate(schema), [])
        const sql = yield* SqlClient.SqlClient
        const tables = yield* sql<{ table_name: string }>`SELECT table_name FROM information_schema.tables WHERE table_schema = ${schema} ORDER BY table_name`
        assert.deepStrictEqual(tables.map((t) => t.table_name), [
          "refract_create_intents",
          "refract_observations",
          "refract_reconcile_checkpoints",
          "refract_reconcile_lines",
          "refract_refunds",
          "refract_schema_migrations",
          "refract_webhook_events"
        ])
      })))

  it.live("state, history and de-duplication survive a new store instance (a restart)", () =>
    withSchema("durable", (schema) =>
      Effect.gen(function*() {
        yield* Effect.scoped(Effect.gen(function*() {
          const first = yield* PgRefundStore.make({ schema })
          yield* first.apply({ connector: "stripe", snapshot: snapshot("re_d", "Pending"), source: "create", receivedAt: 1 })
          yield* first.apply({ connector: "stripe", snapshot: snapshot("re_d", "Succeeded"), source: "webhook", eventId: "evt_1", receivedAt: 2 })
        }))
        yield* Effect.scoped(Effect.gen(function*() {
          const second = yield* PgRefundStore.layer({ schema }).pipe(Layer.build, Effect.map((c) => Context.get(c, RefundStore.RefundStore)))
          const again = yield* second.apply({ connector: "stripe", snapshot: snapshot("re_d", "Succeeded"), source: "webhook", eventId: "evt_1", receivedAt: 3 })
          assert.strictEqual(again._tag, "Duplicate")
          const current = yield* second.get({ connector: "stripe", connectorRefundId: "re_d" })
          assert.strictEqual(Option.getOrUndefined(current)?.status, "Succeeded")
          assert.strictEqual((yield* second.history({ connector: "stripe", connectorRefundId: "re_d" })).length, 2)
        }))
      })))

  it.live("a change committed by one process reaches the others (remote), and each its own once", () =>
    withSchema("relay", (schema) =>
      Effect.scoped(Effect.gen(function*() {
        // Two instances on two pools, as two processes would have.
        const a = yield* PgRefundStore.layerUrl(TestDatabase.url, { schema }).pipe(Layer.build, Effect.map((c) => Context.get(c, RefundStore.RefundStore)))
        const b = yield* PgRefundStore.layerUrl(TestDatabase.url, { schema }).pipe(Layer.build, Effect.map((c) => Context.get(c, RefundStore.RefundStore)))
        const seenByA = yield* a.subscribe
        const seenByB = yield* b.subscribe
        yield* a.apply({ connector: "stripe", snapshot: snapshot("re_x", "Pending"), source: "create", receivedAt: 1 })
        yield* a.apply({ connector: "stripe", snapshot: snapshot("re_x", "Succeeded"), source: "webhook", eventId: "evt_x", receivedAt: 2 })
        const takeWithin = (subscription: typeof seenByA) =>
          PubSub.take(subscription).pipe(Effect.timeoutOrElse({ duration: "5 seconds", orElse: () => Effect.die(new Error("no change within 5 s")) }))
        const local = [yield* takeWithin(seenByA), yield* takeWithin(seenByA)]
        assert.deepStrictEqual(local.map((c) => [c.current.status, c.remote]), [["Pending", undefined], ["Succeeded", undefined]])
        const remote = [yield* takeWithin(seenByB), yield* takeWithin(seenByB)]
        assert.deepStrictEqual(remote.map((c) => [c.current.connectorRefundId, c.entry.statusAfter, c.entry.sequence, c.remote]), [
          ["re_x", "Pending", 1, true],
          ["re_x", "Succeeded", 2, true]
        ])
        assert.strictEqual(remote[1]!.entry.statusBefore, "Pending")
        const nothing = (subscription: typeof seenByA) => PubSub.take(subscription).pipe(Effect.timeoutOption("500 millis"), Effect.map(Option.isNone))
        assert.isTrue(yield* nothing(seenByA), "A does not hear its own changes back")
        assert.isTrue(yield* nothing(seenByB), "B had each change once")
      }))))

  it.live("the observation table is append-only", () =>
    withSchema("append", (schema) =>
      Effect.scoped(Effect.gen(function*() {
        const store = yield* PgRefundStore.make({ schema })
        yield* store.apply({ connector: "stripe", snapshot: snapshot("re_a", "Pending"), source: "create", receivedAt: 1 })
        const sql = yield* SqlClient.SqlClient
        const update = yield* sql.unsafe(`UPDATE "${schema}".refract_observations SET raw_status = 'forged'`).pipe(Effect.flip)
        assert.match(PgRefundStore.detail(update), /refract_observations is append-only/)
        const del = yield* sql.unsafe(`DELETE FROM "${schema}".refract_observations`).pipe(Effect.flip)
        assert.match(PgRefundStore.detail(del), /refract_observations is append-only/)
        assert.strictEqual((yield* store.history({ connector: "stripe", connectorRefundId: "re_a" }))[0]!.rawStatus, "pending")
      }))))

  it.live("refuses an unsafe schema name, and reports an unreachable database as a StoreError", () =>
    Effect.gen(function*() {
      const bad = yield* Effect.scoped(PgRefundStore.make({ schema: "x; DROP TABLE y" })).pipe(Effect.flip, Effect.provide(TestDatabase.client))
      assert.strictEqual(bad._tag, "StoreError")
      assert.match(bad.message, /invalid schema name/)
      const down = yield* Effect.scoped(Layer.build(PgRefundStore.layerUrl("postgres://postgres@127.0.0.1:1/test", { schema: "x" }))).pipe(Effect.flip)
      assert.strictEqual(down._tag, "StoreError")
      assert.match(down.message, /ECONNREFUSED/)
    }))

  it.live("StoreConfig: memory without a URL, PostgreSQL with REFRACT_DATABASE_URL (secret kept redacted)", () =>
    Effect.gen(function*() {
      const none = yield* StoreConfig.choice().pipe(Effect.provide(ConfigProvider.layer(ConfigProvider.fromUnknown({}))))
      assert.strictEqual(none._tag, "Memory")
      const env = { REFRACT_DATABASE_URL: TestDatabase.url, REFRACT_DATABASE_SCHEMA: TestDatabase.uniqueSchema("cfg") }
      const pg = yield* StoreConfig.choice().pipe(Effect.provide(ConfigProvider.layer(ConfigProvider.fromUnknown(env))))
      assert.strictEqual(pg._tag, "Postgres")
      assert.notInclude(JSON.stringify(pg), "postgres://")
      const explicit = yield* StoreConfig.choice({ url: TestDatabase.url, schema: "s1" }).pipe(Effect.provide(ConfigProvider.layer(ConfigProvider.fromUnknown({}))))
      assert.deepStrictEqual(explicit._tag === "Postgres" ? explicit.schema : undefined, "s1")
      // The selected PostgreSQL store works (and its schema is dropped afterwards).
      yield* Effect.scoped(Effect.gen(function*() {
        const store = yield* RefundStore.RefundStore
        yield* store.apply({ connector: "stripe", snapshot: snapshot("re_c", "Pending"), source: "create", receivedAt: 1 })
        assert.strictEqual((yield* store.listUnsettled("stripe")).length, 1)
      })).pipe(
        Effect.provide(StoreConfig.layer().pipe(Layer.provide(ConfigProvider.layer(ConfigProvider.fromUnknown(env))))),
        Effect.ensuring(Effect.gen(function*() {
          const sql = yield* SqlClient.SqlClient
          yield* sql.unsafe(`DROP SCHEMA IF EXISTS "${env.REFRACT_DATABASE_SCHEMA}" CASCADE`)
        }).pipe(Effect.provide(TestDatabase.client), Effect.ignore))
      )
    }))
})
