/**
 * The real PostgreSQL the tests run against (`bash .ci/postgres.sh` starts it), with an isolated
 * schema per test run: created on demand by the store's migrations, dropped when the layer closes,
 * so parallel runs never collide.
 */
import { Effect, Layer, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { PgClient } from "@effect/sql-pg"
import { PgRefundStore } from "@refract/store-pg"

export const url = process.env["REFRACT_TEST_DATABASE_URL"] ?? "postgres://postgres@127.0.0.1:5432/test"

let n = 0
export const uniqueSchema = (label = "t"): string =>
  `refract_test_${label}_${process.pid}_${Date.now().toString(36)}_${(n++).toString(36)}${Math.random().toString(36).slice(2, 6)}`

export const client = PgClient.layer({ url: Redacted.make(url), maxConnections: 20 })

/** Drops `schema` (CASCADE) when the layer is released. */
export const dropOnClose = (schema: string): Layer.Layer<never, never, SqlClient.SqlClient> =>
  Layer.effectDiscard(
    Effect.addFinalizer(() =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        yield* sql.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
      }).pipe(Effect.ignore)
    )
  )

/** A migrated store in a fresh schema, plus the SqlClient, dropped afterwards. */
export const storeLayer = (schema: string = uniqueSchema()) =>
  PgRefundStore.layer({ schema }).pipe(
    Layer.provideMerge(dropOnClose(schema)),
    Layer.provideMerge(client)
  )
