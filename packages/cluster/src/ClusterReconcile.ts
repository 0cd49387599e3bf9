/**
 * Reconciliation as cluster work: one window split into slices, each slice a workflow of its own,
 * so the slices run on whichever runners own their shards, at the same time.
 *
 * - `Reconcile` (the run) starts one `ReconcileSlice` per slice and waits for all of them (a child
 *   workflow's result is journaled: a run resumed elsewhere does not start them again), then adds
 *   their summaries up.
 * - `ReconcileSlice` runs the core Reconciler on its part of the window, with the refund store as
 *   the books, the connector's listing as the truth, and a `PgReconcileWorkspace` named after the
 *   slice: its checkpoints are rows in the same PostgreSQL. If its runner dies, the slice's activity
 *   runs again on the new owner of its shard and the Reconciler resumes from the last checkpoint.
 *   The findings are written to `refract_reconcile_findings` (replacing any earlier attempt's) in
 *   one transaction, and the slice's workspace is dropped.
 *
 * A run is idempotent on its run id: starting it again returns the first run's result.
 */
import { Effect, Layer, Schema, Stream } from "effect"
import type { HttpClient } from "effect/http"
import type { SqlError } from "effect/sql"
import { SqlClient } from "effect/sql"
import { Activity, Workflow } from "effect/workflow"
import type { WorkflowEngine } from "effect/workflow"
import { ConnectorRegistry, Matching, Reconciler, ReconcileWorkspace, RefundClient, RefundStore } from "@refract/core"
import { Migrations as PgMigrations, PgReconcileWorkspace } from "@refract/store-pg"
import * as Tracking from "./Tracking.ts"

const Counts = Schema.Record(Schema.String, Schema.Number)

export const SliceSummary = Schema.Struct({
  index: Schema.Number,
  from: Schema.Number,
  to: Schema.Number,
  ledgerRows: Schema.Number,
  ledgerSkipped: Schema.Number,
  processorRefunds: Schema.Number,
  pages: Schema.Number,
  counts: Counts,
  discrepancies: Schema.Number,
  /** Whether the Reconciler resumed a checkpoint (the slice's first attempt was interrupted). */
  resumed: Schema.Boolean,
  /** The runner process that finished the slice (`host:pid`). */
  runner: Schema.String
})
export type SliceSummary = typeof SliceSummary.Type

export const RunSummary = Schema.Struct({
  runId: Schema.String,
  connector: Schema.String,
  from: Schema.Number,
  to: Schema.Number,
  slices: Schema.Array(SliceSummary),
  counts: Counts,
  discrepancies: Schema.Number
})
export type RunSummary = typeof RunSummary.Type

const SlicePayload = {
  runId: Schema.String,
  connector: Schema.String,
  index: Schema.Number,
  from: Schema.Number,
  to: Schema.Number,
  /** Write what the processor showed into the store (the Reconciler's `apply`). */
  apply: Schema.Boolean
}

export const ReconcileSlice = Workflow.make("refract.ReconcileSlice", {
  payload: SlicePayload,
  success: SliceSummary,
  error: Reconciler.ReconcileError,
  idempotencyKey: (p) => `${p.runId}\u0000${p.index}`
})

export const Reconcile = Workflow.make("refract.Reconcile", {
  payload: {
    runId: Schema.String,
    connector: Schema.String,
    from: Schema.Number,
    to: Schema.Number,
    slices: Schema.Number,
    apply: Schema.Boolean
  },
  success: RunSummary,
  error: Reconciler.ReconcileError,
  idempotencyKey: (p) => p.runId
})

/** `slices` windows covering [from, to) edge to edge (whole milliseconds, none empty). */
export const split = (from: number, to: number, slices: number): ReadonlyArray<{ readonly from: number; readonly to: number }> => {
  const n = Math.max(1, Math.min(Math.floor(slices), to - from))
  return Array.from({ length: n }, (_, i) => ({ from: from + Math.floor(((to - from) * i) / n), to: from + Math.floor(((to - from) * (i + 1)) / n) }))
}

const findingsTable = (schema: string) => Tracking.qualified(schema, "refract_reconcile_findings")

/** Creates the findings table (idempotent). */
export const migrate = (schema: string): Effect.Effect<void, SqlError.SqlError, SqlClient.SqlClient> =>
  Effect.gen(function*() {
    const table = findingsTable(schema)
    const sql = (yield* SqlClient.SqlClient).withoutTransforms()
    yield* sql.withTransaction(Effect.gen(function*() {
      yield* sql`SELECT pg_advisory_xact_lock(hashtextextended(${`refract:reconcile-findings:${schema}`}, 0))`
      yield* sql.unsafe(`CREATE SCHEMA IF NOT EXISTS ${PgMigrations.quote(schema)}`)
      yield* sql.unsafe(`
        CREATE TABLE IF NOT EXISTS ${table} (
          run_id             text    NOT NULL,
          slice              integer NOT NULL,
          seq                integer NOT NULL,
          kind               text    NOT NULL,
          merchant_refund_id text,
          finding            jsonb   NOT NULL,
          PRIMARY KEY (run_id, slice, seq)
        )`)
    }))
  })

const failure = (reason: Reconciler.ReconcileFailure, message: string, cause?: unknown) =>
  new Reconciler.ReconcileError({ reason, message, cause })

/**
 * The two workflows' implementations, for runners. Needs the store, the connector registry, an
 * HttpClient and the SqlClient the store uses.
 */
export const layer = (
  options: { readonly schema: string }
): Layer.Layer<
  never,
  never,
  WorkflowEngine.WorkflowEngine | RefundStore.RefundStore | ConnectorRegistry.ConnectorRegistry | HttpClient.HttpClient | SqlClient.SqlClient
> =>
  Layer.unwrap(Effect.gen(function*() {
    const store = yield* RefundStore.RefundStore
    const registry = yield* ConnectorRegistry.ConnectorRegistry
    const context = yield* Effect.context<HttpClient.HttpClient | SqlClient.SqlClient>()
    const table = findingsTable(options.schema)
    const runner = `${(yield* Effect.sync(() => globalThis.process?.env?.["HOSTNAME"] ?? "runner"))}:${globalThis.process?.pid ?? 0}`

    const reconcileSlice = (p: typeof ReconcileSlice.payloadSchema.Type) =>
      Effect.gen(function*() {
        const bound = yield* registry.get(p.connector).pipe(Effect.mapError((e) => failure("Unsupported", e.message, e)))
        const client = yield* RefundClient.make(bound, { store })
        const workspaceName = `${p.runId}/${p.index}`
        const workspace = yield* PgReconcileWorkspace.make(workspaceName, { schema: options.schema })
        const result = yield* Reconciler.run(client, {
          window: { from: p.from, to: p.to },
          ledger: { _tag: "Store", store },
          apply: p.apply ? store : undefined
        }).pipe(Effect.provideService(ReconcileWorkspace.ReconcileWorkspace, workspace))
        const sql = (yield* SqlClient.SqlClient).withoutTransforms()
        const findings = yield* Stream.runCollect(result.findings).pipe(Effect.mapError((e) => failure("Workspace", e.message, e)))
        yield* sql.withTransaction(Effect.gen(function*() {
          yield* sql.unsafe(`DELETE FROM ${table} WHERE run_id = $1 AND slice = $2`, [p.runId, p.index])
          for (let at = 0; at < findings.length; at += 1000) {
            const chunk = findings.slice(at, at + 1000)
            yield* sql.unsafe(
              `INSERT INTO ${table} (run_id, slice, seq, kind, merchant_refund_id, finding)
               SELECT $1, $2, $3 + ord - 1, kind, mrid, finding::jsonb
               FROM unnest($4::text[], $5::text[], $6::text[]) WITH ORDINALITY AS t(kind, mrid, finding, ord)`,
              [p.runId, p.index, at, chunk.map((f) => f.kind), chunk.map((f) => f.merchantRefundId ?? null), chunk.map((f) => JSON.stringify(f))]
            )
          }
        })).pipe(Effect.mapError((e) => failure("Store", `storing the findings: ${e.message}`, e)))
        yield* PgReconcileWorkspace.drop(workspaceName, { schema: options.schema }).pipe(Effect.ignore)
        const s = result.summary
        return {
          index: p.index,
          from: p.from,
          to: p.to,
          ledgerRows: s.ledgerRows,
          ledgerSkipped: s.ledgerSkipped,
          processorRefunds: s.processorRefunds,
          pages: s.pages,
          counts: { ...s.counts },
          discrepancies: s.discrepancies,
          resumed: s.resumed,
          runner
        }
      }).pipe(Effect.provideContext(context))

    const slices = ReconcileSlice.toLayer((p) =>
      Activity.make({ name: "reconcile", success: SliceSummary, error: Reconciler.ReconcileError, execute: reconcileSlice(p) })
    )
    const runs = Reconcile.toLayer(Effect.fnUntraced(function*(p) {
      const windows = split(p.from, p.to, p.slices)
      const done = yield* Effect.all(
        windows.map((w, index) => ReconcileSlice.execute({ runId: p.runId, connector: p.connector, index, from: w.from, to: w.to, apply: p.apply })),
        { concurrency: "unbounded" }
      )
      const counts: Record<string, number> = {}
      for (const slice of done) for (const [kind, n] of Object.entries(slice.counts)) counts[kind] = (counts[kind] ?? 0) + n
      return {
        runId: p.runId,
        connector: p.connector,
        from: p.from,
        to: p.to,
        slices: done,
        counts,
        discrepancies: done.reduce((n, s) => n + s.discrepancies, 0)
      }
    }))
    return Layer.mergeAll(slices, runs).pipe(Layer.provide(Layer.effectDiscard(Effect.orDie(migrate(options.schema)))))
  }))

/**
 * Starts (or joins) a reconciliation run and waits for its summary. From any member with a
 * WorkflowEngine: the slices run on the runners.
 */
export const run = (input: {
  readonly runId: string
  readonly connector: string
  readonly window: { readonly from: number; readonly to: number }
  readonly slices: number
  readonly apply?: boolean | undefined
}) => Reconcile.execute({ runId: input.runId, connector: input.connector, from: input.window.from, to: input.window.to, slices: input.slices, apply: input.apply ?? false })

/** The findings a run stored, slice by slice, as the Reconciler gave them. */
export const findings = (options: { readonly runId: string; readonly schema?: string | undefined }) =>
  Effect.gen(function*() {
    const sql = (yield* SqlClient.SqlClient).withoutTransforms()
    const rows = yield* sql.unsafe<{ finding: unknown }>(
      `SELECT finding FROM ${findingsTable(options.schema ?? "public")} WHERE run_id = $1 ORDER BY slice, seq`,
      [options.runId]
    )
    return rows.map((r) => (typeof r.finding === "string" ? JSON.parse(r.finding) : r.finding) as Matching.Finding)
  })
