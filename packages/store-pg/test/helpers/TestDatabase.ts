/**
 * The real PostgreSQL the tests run against (`test/globalSetup.ts` starts an embedded one per test
 * run, or REFRACT_TEST_DATABASE_URL names an external one), with an isolated schema per test:
 * created on demand by the store's migrations, dropped when the layer closes, so parallel test
 * files and runs never collide.
 */
import { Effect, Layer, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { PgClient } from "@effect/sql-pg"
import { PgRefundStore } from "@refract/store-pg"
import { inject } from "vitest"

export const url = inject("databaseUrl")

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
export const storeLayer = (schema: string = uniqueSchema(), options: Omit<PgRefundStore.Options, "schema"> = {}) =>
  PgRefundStore.layer({ ...options, schema }).pipe(
    Layer.provideMerge(dropOnClose(schema)),
    Layer.provideMerge(client)
  )
