/**
 * The PostgreSQL workspace keeps the contract the Reconciler's resume relies on: flushed lines read
 * back in order (also across pages), lengths are positions truncate returns to, unflushed lines are
 * dropped by truncate, the checkpoint is replaced whole, and a second instance with the same name
 * (another process, after a crash) sees exactly what the first one flushed.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Option, Stream } from "effect"
import { Migrations, PgReconcileWorkspace } from "@refract/store-pg"
import * as TestDatabase from "./helpers/TestDatabase.ts"

const withSchema = <A, E>(body: (schema: string) => Effect.Effect<A, E, import("effect/sql").SqlClient.SqlClient>) => {
  const schema = TestDatabase.uniqueSchema("ws")
  return Effect.gen(function*() {
    yield* Migrations.migrate(schema)
    return yield* body(schema)
  }).pipe(Effect.provide(TestDatabase.dropOnClose(schema).pipe(Layer.provideMerge(TestDatabase.client))))
}

describe("PgReconcileWorkspace", () => {
  it.effect("appends, flushes, measures, truncates and reads back, page by page", () =>
    withSchema((schema) =>
      Effect.gen(function*() {
        const ws = yield* PgReconcileWorkspace.make("run-1", { schema, pageSize: 2 })
        yield* ws.append("truth-1", ["a", "b"])
        assert.strictEqual(yield* ws.length("truth-1"), 0, "nothing is stored before a flush")
        yield* ws.flush
        const mark = yield* ws.length("truth-1")
        assert.strictEqual(mark, 2)
        yield* ws.append("truth-1", ["c \u00e9", "d", "e"])
        yield* ws.flush
        yield* ws.append("truth-1", ["lost"])
        assert.deepStrictEqual(yield* Stream.runCollect(ws.lines("truth-1")), ["a", "b", "c \u00e9", "d", "e"])
        yield* ws.truncate("truth-1", mark)
        yield* ws.flush
        assert.deepStrictEqual(yield* Stream.runCollect(ws.lines("truth-1")), ["a", "b"])
        assert.deepStrictEqual(yield* ws.readLines("truth-1"), ["a", "b"])
        assert.deepStrictEqual(yield* Stream.runCollect(ws.lines("missing")), [])
        assert.strictEqual(yield* ws.length("missing"), 0)
        // Another workspace name sees none of it.
        const other = yield* PgReconcileWorkspace.make("run-2", { schema })
        assert.strictEqual(yield* other.length("truth-1"), 0)
      })
    ))

  it.effect("another instance resumes from what was flushed and checkpointed", () =>
    withSchema((schema) =>
      Effect.gen(function*() {
        const first = yield* PgReconcileWorkspace.make("run-1", { schema })
        assert.isTrue(Option.isNone(yield* first.loadCheckpoint))
        yield* first.append("ledger-0", ["x", "y"])
        yield* first.flush
        yield* first.saveCheckpoint("{\"phase\":\"partition\",\"ledger\":2}")
        yield* first.append("ledger-0", ["never flushed"])
        yield* first.saveCheckpoint("{\"phase\":\"partition\",\"ledger\":3}")
        const second = yield* PgReconcileWorkspace.make("run-1", { schema })
        assert.deepStrictEqual(yield* second.loadCheckpoint, Option.some("{\"phase\":\"partition\",\"ledger\":3}"))
        assert.strictEqual(yield* second.length("ledger-0"), 2)
        yield* second.append("ledger-0", ["z"])
        yield* second.flush
        assert.deepStrictEqual(yield* second.readLines("ledger-0"), ["x", "y", "z"])
        yield* PgReconcileWorkspace.drop("run-1", { schema })
        const third = yield* PgReconcileWorkspace.make("run-1", { schema })
        assert.strictEqual(yield* third.length("ledger-0"), 0)
        assert.isTrue(Option.isNone(yield* third.loadCheckpoint))
      })
    ))
})
