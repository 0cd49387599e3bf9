/**
 * The tracking table: one row per tracking workflow, in the refund store's schema.
 *
 * The workflow's own journal (the cluster's message tables) is what makes tracking durable, but it
 * is an implementation detail of Effect Cluster, and it is deleted by retention. This table is
 * Refract's own record of tracking:
 *
 * - which execution follows which refund (merchant refund id for refunds created through the
 *   workflow, processor refund id for refunds first seen elsewhere);
 * - the durable Stuck flag (`stuck_since`), written once by the workflow's `stuck` activity in the
 *   same transaction as its journal entry;
 * - `finished_at` and the final status, written the same way by the `finish` activity, so that a
 *   later start of the same refund is a no-op even after retention removed the journal (a webhook
 *   that changes the refund after that updates the status too);
 * - `purged_at`, when retention removed the execution's messages.
 */
import { Effect } from "effect"
import type { SqlError } from "effect/sql"
import { SqlClient } from "effect/sql"
import { Migrations } from "@refract/store-pg"

export interface Row {
  readonly executionId: string
  readonly connector: string
  readonly merchantRefundId: string | null
  readonly connectorRefundId: string | null
  readonly phase: Phase
  readonly status: string | null
  readonly stuckSince: number | null
  readonly startedAt: number
  readonly updatedAt: number
  readonly finishedAt: number | null
}

/** Where a tracking workflow stands: creating the refund, waiting for it to settle, watching a success, finished. */
export type Phase = "Creating" | "Pending" | "Watching" | "Finished" | "Refused"

/**
 * `"schema".name`, the schema checked as the store's migrations check it (it is interpolated into
 * statements). Throws on an invalid schema name.
 */
export const qualified = (schema: string, name: string): string => {
  const problem = Migrations.validateSchema(schema)
  if (problem !== undefined) throw new Error(problem)
  return `${Migrations.quote(schema)}.${name}`
}

/** The tracking table in `schema`. */
export const tableIn = (schema: string): string => qualified(schema, "refract_tracking")

/** Creates the schema and the table when missing (idempotent; serialized by an advisory lock). */
export const migrate = (schema: string): Effect.Effect<void, SqlError.SqlError, SqlClient.SqlClient> =>
  Effect.gen(function*() {
    const table = tableIn(schema)
    const sql = (yield* SqlClient.SqlClient).withoutTransforms()
    yield* sql.withTransaction(Effect.gen(function*() {
      yield* sql`SELECT pg_advisory_xact_lock(hashtextextended(${`refract:tracking:${schema}`}, 0))`
      yield* sql.unsafe(`CREATE SCHEMA IF NOT EXISTS ${Migrations.quote(schema)}`)
      yield* sql.unsafe(`
        CREATE TABLE IF NOT EXISTS ${table} (
          execution_id        text   PRIMARY KEY,
          connector           text   NOT NULL,
          merchant_refund_id  text,
          connector_refund_id text,
          phase               text   NOT NULL CHECK (phase IN ('Creating', 'Pending', 'Watching', 'Finished', 'Refused')),
          status              text,
          stuck_since         bigint,
          started_at          bigint NOT NULL,
          updated_at          bigint NOT NULL,
          finished_at         bigint,
          purged_at           bigint
        )`)
      yield* sql.unsafe(`CREATE INDEX IF NOT EXISTS refract_tracking_refund_idx ON ${table} (connector, connector_refund_id)`)
      yield* sql.unsafe(
        `CREATE INDEX IF NOT EXISTS refract_tracking_retention_idx ON ${table} (finished_at) WHERE finished_at IS NOT NULL AND purged_at IS NULL`
      )
      yield* sql.unsafe(`CREATE INDEX IF NOT EXISTS refract_tracking_open_idx ON ${table} (started_at) WHERE finished_at IS NULL`)
    }))
  })

interface RawRow {
  readonly execution_id: string
  readonly connector: string
  readonly merchant_refund_id: string | null
  readonly connector_refund_id: string | null
  readonly phase: Phase
  readonly status: string | null
  readonly stuck_since: string | number | null
  readonly started_at: string | number
  readonly updated_at: string | number
  readonly finished_at: string | number | null
}

const num = (value: string | number | null): number | null => (value === null ? null : Number(value))

const rowOf = (raw: RawRow): Row => ({
  executionId: raw.execution_id,
  connector: raw.connector,
  merchantRefundId: raw.merchant_refund_id,
  connectorRefundId: raw.connector_refund_id,
  phase: raw.phase,
  status: raw.status,
  stuckSince: num(raw.stuck_since),
  startedAt: Number(raw.started_at),
  updatedAt: Number(raw.updated_at),
  finishedAt: num(raw.finished_at)
})

/** Reads and writes of the tracking table in one schema, over the ambient SqlClient. */
export const make = (schema: string) => {
  const table = tableIn(schema)
  const client = Effect.map(Effect.service(SqlClient.SqlClient), (sql) => sql.withoutTransforms())
  return {
    /** Records that tracking of a refund started (no-op when it is recorded already). */
    begin: (row: { readonly executionId: string; readonly connector: string; readonly merchantRefundId: string | null; readonly connectorRefundId: string | null; readonly phase: Phase; readonly at: number }) =>
      Effect.flatMap(client, (sql) =>
        sql.unsafe(
          `INSERT INTO ${table} (execution_id, connector, merchant_refund_id, connector_refund_id, phase, started_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT (execution_id) DO NOTHING`,
          [row.executionId, row.connector, row.merchantRefundId, row.connectorRefundId, row.phase, row.at]
        )
      ).pipe(Effect.asVoid),
    /** The phase and status seen by the latest step (never moves a finished row). */
    progress: (executionId: string, update: { readonly phase: Phase; readonly status: string | null; readonly connectorRefundId: string | null; readonly at: number }) =>
      Effect.flatMap(client, (sql) =>
        sql.unsafe(
          `UPDATE ${table} SET phase = $2, status = coalesce($3, status), connector_refund_id = coalesce($4, connector_refund_id), updated_at = $5
           WHERE execution_id = $1 AND finished_at IS NULL`,
          [executionId, update.phase, update.status, update.connectorRefundId, update.at]
        )
      ).pipe(Effect.asVoid),
    /** Sets the Stuck flag. True when this call set it (false: it was set already). */
    flagStuck: (executionId: string, at: number) =>
      Effect.flatMap(client, (sql) =>
        sql.unsafe<{ execution_id: string }>(
          `UPDATE ${table} SET stuck_since = $2, updated_at = $2 WHERE execution_id = $1 AND stuck_since IS NULL RETURNING execution_id`,
          [executionId, at]
        )
      ).pipe(Effect.map((rows) => rows.length > 0)),
    /** Records the end of tracking. */
    finish: (
      executionId: string,
      end: { readonly phase: "Finished" | "Refused"; readonly status: string | null; readonly connectorRefundId: string | null; readonly at: number }
    ) =>
      Effect.flatMap(client, (sql) =>
        sql.unsafe(
          `UPDATE ${table} SET phase = $2, status = coalesce($3, status), connector_refund_id = coalesce($4, connector_refund_id), finished_at = $5, updated_at = $5
           WHERE execution_id = $1 AND finished_at IS NULL`,
          [executionId, end.phase, end.status, end.connectorRefundId, end.at]
        )
      ).pipe(Effect.asVoid),
    /**
     * A finished row follows later changes of its refund's status (a webhook that arrives after
     * tracking ended refines Failed into Reversed, say): the store stays the source of truth.
     */
    syncFinished: (executionId: string, status: string, at: number) =>
      Effect.flatMap(client, (sql) =>
        sql.unsafe(
          `UPDATE ${table} SET status = $2, updated_at = $3 WHERE execution_id = $1 AND finished_at IS NOT NULL AND status IS DISTINCT FROM $2`,
          [executionId, status, at]
        )
      ).pipe(Effect.asVoid),
    get: (executionId: string) =>
      Effect.flatMap(client, (sql) => sql.unsafe<RawRow>(`SELECT * FROM ${table} WHERE execution_id = $1`, [executionId])).pipe(
        Effect.map((rows) => (rows.length === 0 ? undefined : rowOf(rows[0]!)))
      ),
    /** Executions not finished yet, oldest first. */
    open: (limit = 1000) =>
      Effect.flatMap(client, (sql) =>
        sql.unsafe<RawRow>(`SELECT * FROM ${table} WHERE finished_at IS NULL ORDER BY started_at LIMIT $1`, [limit])
      ).pipe(Effect.map((rows) => rows.map(rowOf))),
    /** Refunds flagged Stuck and not finished, oldest flag first. */
    stuck: (limit = 1000) =>
      Effect.flatMap(client, (sql) =>
        sql.unsafe<RawRow>(
          `SELECT * FROM ${table} WHERE stuck_since IS NOT NULL AND finished_at IS NULL AND phase IN ('Creating', 'Pending') ORDER BY stuck_since LIMIT $1`,
          [limit]
        )
      ).pipe(Effect.map((rows) => rows.map(rowOf)))
  }
}

export type Tracking = ReturnType<typeof make>
