/**
 * A `ReconcileWorkspace` in PostgreSQL: the Reconciler's partition files and checkpoint as rows of
 * `refract_reconcile_lines` and `refract_reconcile_checkpoints` (migration 4), keyed by a workspace
 * name. Any process that reaches the database can resume the reconciliation where another one
 * stopped: what `@refract/cluster` does when a runner dies in the middle of a slice.
 *
 * - `append` buffers in memory; `flush` writes every buffered line in one transaction (array
 *   inserts), so a checkpoint saved after a flush never points past what is stored.
 * - Lengths are line counts, cached per file once read, kept up to date by `flush` and `truncate`.
 * - `lines` reads in keyset pages, so a large file is never held at once.
 *
 *   PgReconcileWorkspace.layer("stripe/2026-11-01/0")   // needs the SqlClient the store uses
 */
import { Clock, Effect, Layer, Option, Stream } from "effect"
import type { SqlError } from "effect/sql"
import { SqlClient } from "effect/sql"
import { ReconcileWorkspace } from "@refract/core"
import { quote, validateSchema } from "./Migrations.ts"

export interface Options {
  /** The refund store's schema (where migration 4 created the tables). Default "public". */
  readonly schema?: string | undefined
  /** Lines per page read by `lines`. Default 5000. */
  readonly pageSize?: number | undefined
}

const failure = (operation: string) => (cause: SqlError.SqlError) =>
  new ReconcileWorkspace.WorkspaceError({ operation, message: `PostgreSQL workspace ${operation}: ${cause.message}`, cause })

/** A workspace named `name` over the ambient SqlClient. */
export const make = (name: string, options: Options = {}): Effect.Effect<ReconcileWorkspace.Workspace, never, SqlClient.SqlClient> =>
  Effect.gen(function*() {
    const schema = options.schema ?? "public"
    const problem = validateSchema(schema)
    if (problem !== undefined) return yield* Effect.die(new Error(problem))
    const s = quote(schema)
    const pageSize = options.pageSize ?? 5000
    const sql = (yield* SqlClient.SqlClient).withoutTransforms()
    const pending = new Map<string, Array<string>>()
    const lengths = new Map<string, number>()

    const lengthOf = (file: string) =>
      Effect.gen(function*() {
        const known = lengths.get(file)
        if (known !== undefined) return known
        const rows = yield* sql.unsafe<{ n: string | number }>(
          `SELECT count(*) AS n FROM ${s}.refract_reconcile_lines WHERE workspace = $1 AND file = $2`,
          [name, file]
        )
        const n = Number(rows[0]?.n ?? 0)
        lengths.set(file, n)
        return n
      })

    const flush = Effect.gen(function*() {
      if (pending.size === 0) return
      const files = [...pending.entries()].filter(([, lines]) => lines.length > 0)
      const starts = new Map<string, number>()
      for (const [file] of files) starts.set(file, yield* lengthOf(file))
      yield* sql.withTransaction(Effect.forEach(files, ([file, lines]) =>
        Effect.gen(function*() {
          const start = starts.get(file)!
          for (let at = 0; at < lines.length; at += 10_000) {
            const chunk = lines.slice(at, at + 10_000)
            yield* sql.unsafe(
              `INSERT INTO ${s}.refract_reconcile_lines (workspace, file, seq, line)
               SELECT $1, $2, $3 + ord - 1, line FROM unnest($4::text[]) WITH ORDINALITY AS t(line, ord)`,
              [name, file, start + at, chunk]
            )
          }
        }), { discard: true }))
      for (const [file, lines] of files) lengths.set(file, starts.get(file)! + lines.length)
      pending.clear()
    }).pipe(Effect.mapError(failure("flush")))

    const workspace: ReconcileWorkspace.Workspace = {
      append: (file, lines) =>
        Effect.sync(() => {
          let buffer = pending.get(file)
          if (buffer === undefined) pending.set(file, buffer = [])
          for (const line of lines) buffer.push(line)
        }),
      flush,
      length: (file) => lengthOf(file).pipe(Effect.mapError(failure("length"))),
      truncate: (file, length) =>
        Effect.gen(function*() {
          pending.delete(file)
          yield* sql.unsafe(`DELETE FROM ${s}.refract_reconcile_lines WHERE workspace = $1 AND file = $2 AND seq >= $3`, [name, file, length])
          lengths.set(file, Math.min(yield* lengthOf(file), length))
        }).pipe(Effect.mapError(failure("truncate"))),
      lines: (file) =>
        Stream.paginate(0, (from: number) =>
          sql.unsafe<{ seq: number; line: string }>(
            `SELECT seq, line FROM ${s}.refract_reconcile_lines WHERE workspace = $1 AND file = $2 AND seq >= $3 ORDER BY seq LIMIT $4`,
            [name, file, from, pageSize]
          ).pipe(
            Effect.map((rows) => [rows.map((r) => r.line), rows.length < pageSize ? Option.none() : Option.some(Number(rows[rows.length - 1]!.seq) + 1)] as const),
            Effect.mapError(failure("read"))
          )),
      readLines: (file) =>
        sql.unsafe<{ line: string }>(`SELECT line FROM ${s}.refract_reconcile_lines WHERE workspace = $1 AND file = $2 ORDER BY seq`, [name, file]).pipe(
          Effect.map((rows) => rows.map((r) => r.line)),
          Effect.mapError(failure("read"))
        ),
      loadCheckpoint: sql.unsafe<{ checkpoint: string }>(`SELECT checkpoint FROM ${s}.refract_reconcile_checkpoints WHERE workspace = $1`, [name]).pipe(
        Effect.map((rows) => Option.fromNullishOr(rows[0]?.checkpoint)),
        Effect.mapError(failure("load checkpoint"))
      ),
      saveCheckpoint: (text) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) => sql.unsafe(
          `INSERT INTO ${s}.refract_reconcile_checkpoints (workspace, checkpoint, updated_at) VALUES ($1, $2, $3)
           ON CONFLICT (workspace) DO UPDATE SET checkpoint = EXCLUDED.checkpoint, updated_at = EXCLUDED.updated_at`,
          [name, text, now]
        )).pipe(Effect.asVoid, Effect.mapError(failure("save checkpoint")))
    }
    return workspace
  })

/** Deletes a workspace's lines and checkpoint (once its results are kept elsewhere). */
export const drop = (name: string, options: Pick<Options, "schema"> = {}): Effect.Effect<void, SqlError.SqlError, SqlClient.SqlClient> =>
  Effect.gen(function*() {
    const s = quote(options.schema ?? "public")
    const sql = (yield* SqlClient.SqlClient).withoutTransforms()
    yield* sql.withTransaction(Effect.gen(function*() {
      yield* sql.unsafe(`DELETE FROM ${s}.refract_reconcile_lines WHERE workspace = $1`, [name])
      yield* sql.unsafe(`DELETE FROM ${s}.refract_reconcile_checkpoints WHERE workspace = $1`, [name])
    }))
  })

/** The workspace as the Reconciler's `ReconcileWorkspace` service. */
export const layer = (name: string, options: Options = {}): Layer.Layer<ReconcileWorkspace.ReconcileWorkspace, never, SqlClient.SqlClient> =>
  Layer.effect(ReconcileWorkspace.ReconcileWorkspace, make(name, options))
