/**
 * Where a reconciliation keeps its intermediate data and its checkpoint.
 *
 * A book of a million refunds does not fit in bounded memory, so the Reconciler spills: it writes
 * the ledger and the processor's refunds into files partitioned by a hash of the merchant refund id,
 * then joins one partition at a time. The checkpoint records how far every input was read and how
 * long every file was at that moment, so an interrupted run truncates the files back and resumes
 * from there, with nothing read twice and nothing lost.
 *
 * `memory` keeps it all in this process (tests, small books); `@refract/node` has one on disk
 * (`NodeReconcileWorkspace`), which is what bounds memory.
 */
import { Context, Effect, Option, Schema, Stream } from "effect"

export class WorkspaceError extends Schema.TaggedError<WorkspaceError>()("WorkspaceError", {
  operation: Schema.String,
  message: Schema.String,
  cause: Schema.optional(Schema.Defect())
}) {}

export interface Workspace {
  /** Appends lines (without line breaks) to a named file, buffered until {@link flush}. */
  readonly append: (file: string, lines: ReadonlyArray<string>) => Effect.Effect<void, WorkspaceError>
  /** Writes every buffered line through; the Reconciler flushes before each checkpoint. */
  readonly flush: Effect.Effect<void, WorkspaceError>
  /** The file's flushed length, a position {@link truncate} can return to (0 for a missing file). */
  readonly length: (file: string) => Effect.Effect<number, WorkspaceError>
  /** Cuts the file back to a length {@link length} returned, dropping anything written after it. */
  readonly truncate: (file: string, length: number) => Effect.Effect<void, WorkspaceError>
  /** The file's flushed lines, in order, read incrementally. */
  readonly lines: (file: string) => Stream.Stream<string, WorkspaceError>
  /**
   * The file's flushed lines at once: for a partition, which the Reconciler keeps small by design
   * (use {@link lines} for the findings, which grow with the book).
   */
  readonly readLines: (file: string) => Effect.Effect<ReadonlyArray<string>, WorkspaceError>
  readonly loadCheckpoint: Effect.Effect<Option.Option<string>, WorkspaceError>
  /** Replaces the checkpoint atomically: after a crash it is the old one or the new one, never half of each. */
  readonly saveCheckpoint: (text: string) => Effect.Effect<void, WorkspaceError>
}

export class ReconcileWorkspace extends Context.Service<ReconcileWorkspace, Workspace>()("@refract/core/ReconcileWorkspace") {}

/** A workspace in this process's memory: resumable within the process only, memory grows with the book. */
export const memory: Effect.Effect<Workspace> = Effect.sync(() => {
  const files = new Map<string, Array<string>>()
  const pending = new Map<string, Array<string>>()
  let checkpoint: string | undefined
  const fileOf = (name: string) => {
    let lines = files.get(name)
    if (lines === undefined) files.set(name, lines = [])
    return lines
  }
  const flushNow = () => {
    for (const [name, lines] of pending) {
      const file = fileOf(name)
      for (const line of lines) file.push(line)
    }
    pending.clear()
  }
  return {
    append: (file, lines) =>
      Effect.sync(() => {
        let buffer = pending.get(file)
        if (buffer === undefined) pending.set(file, buffer = [])
        for (const line of lines) buffer.push(line)
      }),
    flush: Effect.sync(flushNow),
    length: (file) => Effect.sync(() => files.get(file)?.length ?? 0),
    truncate: (file, length) =>
      Effect.sync(() => {
        pending.delete(file)
        const lines = files.get(file)
        if (lines !== undefined) lines.length = Math.min(lines.length, length)
      }),
    lines: (file) => Stream.suspend(() => Stream.fromIterable([...(files.get(file) ?? [])])),
    readLines: (file) => Effect.sync(() => [...(files.get(file) ?? [])]),
    loadCheckpoint: Effect.sync(() => Option.fromNullishOr(checkpoint)),
    saveCheckpoint: (text) => Effect.sync(() => void (checkpoint = text))
  }
})
