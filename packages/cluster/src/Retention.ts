/**
 * Retention: Effect Cluster 4.1 never deletes a finished workflow's messages and replies (one
 * tracking execution leaves a few dozen rows). This singleton, which runs on exactly one runner at a
 * time, deletes the journal of executions that finished more than `retainFor` ago, in batches, and
 * marks their tracking rows `purged_at`. The tracking row itself stays: it is what makes a later
 * start of the same refund a no-op (`ClusterTracker` checks it before starting), and the refund's
 * state and history are in the refund store, untouched.
 */
import { Clock, Duration, Effect, Layer, Schedule } from "effect"
import { Singleton } from "effect/cluster"
import type { Sharding } from "effect/cluster"
import { SqlClient } from "effect/sql"
import type { SqlError } from "effect/sql"
import * as Tracking from "./Tracking.ts"
import { TrackRefund } from "./TrackRefund.ts"

export interface Options {
  /** Schema of the tracking table (the refund store's). Default "public". */
  readonly schema?: string | undefined
  /** How long a finished execution's journal is kept. Default 7 days. */
  readonly retainFor?: Duration.Input | undefined
  /** How often retention runs. Default 10 minutes. */
  readonly every?: Duration.Input | undefined
  /** Executions purged per transaction. Default 500. */
  readonly batchSize?: number | undefined
  /** Table prefix of the cluster's message storage. Default "cluster" (Effect's). */
  readonly clusterPrefix?: string | undefined
}

/** The entity types whose rows belong to one tracking execution (the workflow and its durable clock). */
export const entityTypes = [`Workflow/${TrackRefund._tag}`, "Workflow/-/DurableClock"] as const

/**
 * Purges the journal of executions finished before `cutoff` (epoch ms), one batch. Returns how many
 * executions it purged (0 when nothing is left).
 */
export const purgeBatch = (
  options: { readonly schema: string; readonly cutoff: number; readonly batchSize: number; readonly clusterPrefix: string; readonly now: number }
): Effect.Effect<number, SqlError.SqlError, SqlClient.SqlClient> =>
  Effect.gen(function*() {
    const table = Tracking.tableIn(options.schema)
    if (!/^[a-z_][a-z0-9_]{0,40}$/.test(options.clusterPrefix)) return yield* Effect.die(new Error(`invalid cluster table prefix ${options.clusterPrefix}`))
    const messages = `${options.clusterPrefix}_messages`
    const replies = `${options.clusterPrefix}_replies`
    const sql = (yield* SqlClient.SqlClient).withoutTransforms()
    return yield* sql.withTransaction(Effect.gen(function*() {
      const picked = yield* sql.unsafe<{ execution_id: string }>(
        `SELECT execution_id FROM ${table} WHERE finished_at IS NOT NULL AND finished_at < $1 AND purged_at IS NULL
         ORDER BY finished_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [options.cutoff, options.batchSize]
      )
      if (picked.length === 0) return 0
      const ids = picked.map((r) => r.execution_id)
      yield* sql.unsafe(
        `DELETE FROM ${replies} WHERE request_id IN (SELECT id FROM ${messages} WHERE entity_type = ANY($1::text[]) AND entity_id = ANY($2::text[]))`,
        [entityTypes as unknown as Array<string>, ids]
      )
      yield* sql.unsafe(`DELETE FROM ${messages} WHERE entity_type = ANY($1::text[]) AND entity_id = ANY($2::text[])`, [
        entityTypes as unknown as Array<string>,
        ids
      ])
      yield* sql.unsafe(`UPDATE ${table} SET purged_at = $2 WHERE execution_id = ANY($1::text[])`, [ids, options.now])
      return ids.length
    }))
  })

/** Purges everything finished before `retainFor` ago, batch after batch. Returns the executions purged. */
export const purge = (options: Options = {}): Effect.Effect<number, SqlError.SqlError, SqlClient.SqlClient> =>
  Effect.gen(function*() {
    const now = yield* Clock.currentTimeMillis
    const cutoff = now - Duration.toMillis(Duration.fromInputUnsafe(options.retainFor ?? "7 days"))
    let total = 0
    while (true) {
      const purged = yield* purgeBatch({
        schema: options.schema ?? "public",
        cutoff,
        batchSize: options.batchSize ?? 500,
        clusterPrefix: options.clusterPrefix ?? "cluster",
        now
      })
      total += purged
      if (purged === 0) return total
    }
  })

/** The retention singleton: runs `purge` every `every` on one runner of the cluster. */
export const layer = (options: Options = {}): Layer.Layer<never, never, Sharding.Sharding | SqlClient.SqlClient> =>
  Singleton.make(
    "refract.retention",
    purge(options).pipe(
      Effect.tap((n) => (n > 0 ? Effect.logInfo(`refract cluster: retention purged ${n} finished executions`) : Effect.void)),
      Effect.catch((e) => Effect.logWarning("refract cluster: retention failed; retrying next round", { error: e.message })),
      Effect.repeat(Schedule.spaced(Duration.fromInputUnsafe(options.every ?? "10 minutes"))),
      Effect.asVoid
    )
  )
