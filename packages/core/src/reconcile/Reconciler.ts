/**
 * The Reconciler: a merchant's refund book checked against the processor's truth.
 *
 * Inputs: the ledger (CSV or JSON Lines, or the RefundStore) and the processor's refunds over a
 * window of creation times (its listing API, or its settlement reports). Output: every refund sorted
 * into one kind (see `Matching.ts`), with a report.
 *
 * How it stays within bounded memory whatever the book's size, and resumes after an interruption:
 * 1. **Partition.** Ledger rows go to `ledger-<b>` files, processor refunds to `truth-<b>`, where `b`
 *    is a hash of the merchant refund id. Processor refunds that carry no merchant refund id (made in
 *    a dashboard) go to `anonymous-<b>` by their processor id, and ledger rows that name a processor
 *    refund id leave a `claim-<b>` beside them. The listing is split into time slices paged
 *    concurrently, within the processor's rate limit.
 * 2. **Adopt.** Per partition, anonymous processor refunds claimed by a ledger row join that row's
 *    merchant refund id; the rest stand alone (keyed by their processor id), to be reported missing
 *    in the ledger.
 * 3. **Join.** One partition at a time: each processor refund's observations folded through the
 *    state machine (listings repeat, reports carry a refund and its reversal as two rows), then
 *    judged against its ledger row. With `apply`, every observation is written into the store as
 *    an observation with the source `reconcile`, through the state machine like any other.
 *
 * A checkpoint after every few pages and every partition records the inputs' positions (rows read,
 * each slice's cursor) and every file's length; a resumed run cuts the files back to those lengths
 * and carries on, so an interruption loses nothing and counts nothing twice.
 */
import { Clock, Effect, Option, Result, Schema, Semaphore, Stream } from "effect"
import type { ListWindow, ReportRowParser } from "../connector/Connector.ts"
import type { RefundError } from "../error/RefundError.ts"
import * as RateLimiter from "../pipeline/RateLimiter.ts"
import { mergeSettlement } from "../refund/Refund.ts"
import type { Refund, RefundSnapshot, Settlement } from "../refund/Refund.ts"
import { replay } from "../refund/RefundStateMachine.ts"
import type { RefundClient } from "../service/RefundClient.ts"
import type { ApplyResult, Store, StoreError } from "../store/RefundStore.ts"
import { CsvReader } from "./Csv.ts"
import * as Ledger from "./Ledger.ts"
import * as Records from "./Records.ts"
import type { LedgerEntry } from "./Ledger.ts"
import type { Finding, FindingKind, ProcessorRefund, Tolerances } from "./Matching.ts"
import { defaultTolerances, isDiscrepancy, judge } from "./Matching.ts"
import { ReconcileWorkspace } from "./Workspace.ts"
import type { WorkspaceError } from "./Workspace.ts"

// ---------------------------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------------------------

/** Why a reconciliation stopped. It is resumable from its last checkpoint unless the reason is `Input`. */
export const ReconcileFailure = Schema.Literals([
  /** The ledger or a report cannot be read as such (its header lacks a column, an unclosed quote). */
  "Input",
  /** The connector can neither list nor parse reports, or was given neither. */
  "Unsupported",
  /** The processor failed after the pipeline's retries (see `cause`). */
  "Processor",
  /** The refund store failed (reading the ledger from it, or applying). */
  "Store",
  /** The workspace failed (disk full, permissions). */
  "Workspace",
  /** The checkpoint belongs to a different reconciliation (other window, connector or inputs). */
  "Checkpoint"
])
export type ReconcileFailure = typeof ReconcileFailure.Type

export class ReconcileError extends Schema.TaggedError<ReconcileError>()("ReconcileError", {
  reason: ReconcileFailure,
  message: Schema.String,
  cause: Schema.optional(Schema.Defect())
}) {}

// ---------------------------------------------------------------------------------------------------------------
// Options and results
// ---------------------------------------------------------------------------------------------------------------

/** Text read incrementally (a file's chunks). */
export type Text = Stream.Stream<string, unknown>

export type LedgerSource =
  | { readonly _tag: "Csv"; readonly text: Text }
  | { readonly _tag: "JsonLines"; readonly text: Text }
  /** The RefundStore as the books: every refund it holds for the connector, with its current status. */
  | { readonly _tag: "Store"; readonly store: Store }

export type TruthSource =
  | { readonly _tag: "Listing" }
  /** Reports the processor published (Adyen settlement details), each read with the connector's report parser. */
  | { readonly _tag: "Reports"; readonly reports: ReadonlyArray<{ readonly name: string; readonly text: Text }> }

export interface ReconcileOptions {
  readonly window: ListWindow
  readonly ledger: LedgerSource
  /** Default: the listing. */
  readonly truth?: TruthSource | undefined
  readonly tolerances?: Partial<Tolerances> | undefined
  /** Writes what the processor showed into this store, through the state machine (source `reconcile`). */
  readonly apply?: Store | undefined
  /** Partitions; more keeps each join smaller. Default 256 (a million refunds: about 4,000 per partition). */
  readonly partitions?: number | undefined
  /** Listing page size. Default the connector's maximum. */
  readonly pageSize?: number | undefined
  /** Time slices the window is split into for listing. Default 4 × concurrency. */
  readonly slices?: number | undefined
  /** Slices listed at once. Default 4. */
  readonly concurrency?: number | undefined
  /**
   * Requests per second for the listing. Default the connector's documented rate limit; `Infinity`
   * for none (emulators, or a limit negotiated with the processor).
   */
  readonly requestsPerSecond?: number | undefined
  /**
   * Least time between checkpoints (a checkpoint syncs to disk). Default 2 s: an interruption repeats
   * at most that much work. 0 checkpoints at every opportunity (each page, each partition).
   */
  readonly checkpointEveryMillis?: number | undefined
  readonly onProgress?: ((progress: Progress) => Effect.Effect<void>) | undefined
}

export type Phase = "partition" | "adopt" | "join" | "done"

export interface Progress {
  readonly phase: Phase
  readonly ledgerRows: number
  readonly processorRefunds: number
  readonly pages: number
  readonly partitionsDone: number
  readonly partitions: number
  /** 0 to 1 over the whole run (the listing weighs most). */
  readonly fraction: number
  /** Estimated milliseconds left, once there is a rate to estimate from. */
  readonly etaMillis?: number | undefined
}

export type Counts = Readonly<Record<FindingKind, number>>

export interface Summary {
  readonly connector: string
  readonly window: ListWindow
  readonly truth: "listing" | "reports"
  readonly ledgerRows: number
  /** Ledger rows skipped: another connector's, or created outside the window. */
  readonly ledgerSkipped: number
  /** Ledger rows that could not be read (each is in `problems`). */
  readonly ledgerInvalid: number
  readonly processorRefunds: number
  readonly pages: number
  readonly counts: Counts
  readonly discrepancies: number
  /** Observations written with `apply`, by the state machine's verdict. */
  readonly applied?: Readonly<Record<string, number>> | undefined
  readonly startedAt: number
  readonly finishedAt: number
  /** Whether this run continued an interrupted one. */
  readonly resumed: boolean
}

export interface Result {
  readonly summary: Summary
  /** Every finding but `matched`, in partition order, read from the workspace. */
  readonly findings: Stream.Stream<Finding, WorkspaceError>
  /** Ledger rows that could not be read. */
  readonly problems: Stream.Stream<Ledger.LedgerProblem, WorkspaceError>
}

// ---------------------------------------------------------------------------------------------------------------
// Checkpoint
// ---------------------------------------------------------------------------------------------------------------

interface SliceState {
  readonly from: number
  readonly to: number
  cursor?: string | undefined
  done: boolean
}

interface Checkpoint {
  readonly version: 1
  readonly fingerprint: string
  phase: Phase
  startedAt: number
  ledgerRows: number
  ledgerDone: boolean
  ledgerSkipped: number
  ledgerInvalid: number
  slices: Array<SliceState>
  reportsDone: number
  /** Data rows of the current report already read. */
  reportRows: number
  processorRefunds: number
  pages: number
  partitionsDone: number
  counts: Record<FindingKind, number>
  applied: Record<string, number>
  /** Every file's length when this checkpoint was taken. */
  lengths: Record<string, number>
}

const emptyCounts = (): Record<FindingKind, number> => ({
  matched: 0,
  too_recent: 0,
  missing_in_ledger: 0,
  duplicate: 0,
  missing_at_processor: 0,
  currency_mismatch: 0,
  amount_mismatch: 0,
  status_mismatch: 0,
  stale_pending: 0
})

// ---------------------------------------------------------------------------------------------------------------
// Partitioning helpers
// ---------------------------------------------------------------------------------------------------------------

/** FNV-1a: a fast, stable string hash (the partition of a key must not change between runs). */
export const hash = (text: string): number => {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}

const ledgerFile = (b: number) => `ledger-${b}`
const truthFile = (b: number) => `truth-${b}`
const anonymousFile = (b: number) => `anonymous-${b}`
const claimFile = (b: number) => `claim-${b}`
const findingsFile = "findings"
const problemsFile = "problems"

/** The key a ledger row without a merchant refund id (a store refund seen only by webhook) is joined by. */
const idKey = (connectorRefundId: string) => `#${connectorRefundId}`

/**
 * Splits a window into `count` slices, none longer than `maxMillis`, that cover exactly the window:
 * the boundaries between slices fall on whole seconds (processors list by the second), the first
 * and last slices end where the window does. Never wider than the window: the ledger side keeps
 * exactly the window's rows, so listing more would report the neighbours' refunds as missing in
 * the ledger (found when windows are reconciled slice by slice on a cluster).
 */
export const slicesOf = (window: ListWindow, count: number, maxMillis: number | undefined): Array<ListWindow> => {
  const from = Math.floor(window.from / 1000) * 1000
  const to = Math.ceil(window.to / 1000) * 1000
  const span = to - from
  let step = Math.max(1000, Math.ceil(span / Math.max(1, count) / 1000) * 1000)
  if (maxMillis !== undefined) step = Math.min(step, Math.max(1000, Math.floor(maxMillis / 1000) * 1000))
  const out: Array<ListWindow> = []
  for (let start = from; start < to; start += step) {
    const slice = { from: Math.max(window.from, start), to: Math.min(window.to, start + step) }
    if (slice.from < slice.to) out.push(slice)
  }
  return out
}

/** One processor refund from all its observations (a listing's repeats, a report's refund and reversal rows). */
const amountOf = (r: Records.TruthRecord) =>
  r.amount === undefined || r.currency === undefined ? undefined : { amount: r.amount, currency: r.currency }

const processorRefundOf = (records: ReadonlyArray<Records.TruthRecord>, fallbackAt: number): ProcessorRefund => {
  const last = records[records.length - 1]!
  if (records.length === 1 && last.status !== "Unknown") {
    // One observation (the usual case): its own state, without a replay.
    return {
      connectorRefundId: last.connectorRefundId,
      merchantRefundId: last.merchantRefundId,
      connectorTransactionId: last.connectorTransactionId,
      amount: amountOf(last),
      status: last.status,
      rawStatus: last.rawStatus,
      createdAt: last.createdAt,
      settlement: Records.settlementOf(last)
    }
  }
  const state = replay(records.map((r) => ({
    status: r.status,
    rawStatus: r.rawStatus,
    source: "reconcile" as const,
    at: r.occurredAt ?? r.createdAt ?? fallbackAt
  })))
  const newest = <A>(read: (r: Records.TruthRecord) => A | undefined): A | undefined => {
    for (let i = records.length - 1; i >= 0; i--) {
      const value = read(records[i]!)
      if (value !== undefined) return value
    }
    return undefined
  }
  let settlement: Settlement | undefined
  for (const r of records) settlement = mergeSettlement(settlement, Records.settlementOf(r))
  const created = records.map((r) => r.createdAt).filter((c): c is number => c !== undefined)
  return {
    connectorRefundId: last.connectorRefundId,
    merchantRefundId: newest((r) => r.merchantRefundId),
    connectorTransactionId: newest((r) => r.connectorTransactionId),
    amount: newest(amountOf),
    status: state?.status ?? "Unknown",
    rawStatus: state?.rawStatus ?? last.rawStatus,
    createdAt: created.length === 0 ? undefined : Math.min(...created),
    settlement
  }
}

/** The ledger row a store refund stands for. */
const entryOfRefund = (refund: Refund, line: number): LedgerEntry | undefined =>
  refund.amount === undefined ? undefined : {
    merchantRefundId: refund.merchantRefundId ?? idKey(refund.connectorRefundId),
    amount: refund.amount.amount,
    currency: refund.amount.currency,
    expectedStatus: refund.status,
    connectorRefundId: refund.connectorRefundId,
    createdAt: refund.createdAt,
    connector: refund.connector,
    line
  }

// ---------------------------------------------------------------------------------------------------------------
// The run
// ---------------------------------------------------------------------------------------------------------------

const workspaceFailure = (error: WorkspaceError) =>
  new ReconcileError({ reason: "Workspace", message: `${error.operation}: ${error.message}`, cause: error })
const storeFailure = (error: StoreError) => new ReconcileError({ reason: "Store", message: `${error.operation}: ${error.message}`, cause: error })
const inputFailure = (message: string, cause?: unknown) => new ReconcileError({ reason: "Input", message, cause })

/**
 * Reconciles one connector's refunds over `options.window`. Resumes from the workspace's checkpoint
 * when it holds one for the same reconciliation; start a fresh run in an empty workspace.
 */
export const run = Effect.fn("Reconciler.run")(function*(client: RefundClient, options: ReconcileOptions) {
  const workspace = yield* ReconcileWorkspace
  const connector = client.connector
  const truth: TruthSource = options.truth ?? { _tag: "Listing" }
  const tolerances: Tolerances = { ...defaultTolerances, ...options.tolerances }
  const partitions = options.partitions ?? 256
  if (!Number.isSafeInteger(partitions) || partitions < 1 || partitions > 65_536) {
    return yield* inputFailure("partitions must be 1 to 65536")
  }
  const { window } = options
  if (!Number.isSafeInteger(window.from) || !Number.isSafeInteger(window.to) || window.from >= window.to) {
    return yield* inputFailure("the window must be epoch milliseconds with from < to")
  }
  yield* Effect.annotateCurrentSpan({ "refract.connector": connector, "refract.reconcile.truth": truth._tag })

  // What the listing needs, checked before anything is read.
  const capabilities = client.capabilities
  if (truth._tag === "Listing" && !capabilities.list) {
    return yield* new ReconcileError({
      reason: "Unsupported",
      message: capabilities.reports
        ? `${connector} cannot list refunds: reconcile it from its reports`
        : `${connector} can neither list refunds nor parse reports`
    })
  }
  if (truth._tag === "Reports" && !capabilities.reports) {
    return yield* new ReconcileError({ reason: "Unsupported", message: `${connector} has no report parser` })
  }
  const definition = client.definition
  const listing = capabilities.list ? definition.list : undefined
  if (truth._tag === "Listing" && listing === undefined) {
    return yield* new ReconcileError({ reason: "Unsupported", message: `${connector} declares listing but has no list flow` })
  }
  const reportSupport = capabilities.reports ? definition.report : undefined
  if (truth._tag === "Reports" && reportSupport === undefined) {
    return yield* new ReconcileError({ reason: "Unsupported", message: `${connector} declares reports but has no report parser` })
  }
  const concurrency = Math.max(1, options.concurrency ?? 4)
  const sliceCount = Math.max(1, options.slices ?? concurrency * 4)
  const lag = Math.max(tolerances.lagMillis, listing?.lagMillis ?? 0)
  const effectiveTolerances: Tolerances = { ...tolerances, lagMillis: lag }
  const fingerprint = JSON.stringify({
    connector,
    window,
    truth: truth._tag === "Listing" ? "listing" : truth.reports.map((r) => r.name),
    ledger: options.ledger._tag,
    partitions,
    tolerances: effectiveTolerances,
    apply: options.apply !== undefined
  })
  const now = yield* Clock.currentTimeMillis

  // Load or start the checkpoint.
  const saved = yield* workspace.loadCheckpoint.pipe(Effect.mapError(workspaceFailure))
  let cp: Checkpoint
  let resumed = false
  if (Option.isSome(saved)) {
    const parsed = JSON.parse(saved.value) as Checkpoint
    if (parsed.fingerprint !== fingerprint) {
      return yield* new ReconcileError({
        reason: "Checkpoint",
        message: "the workspace holds a checkpoint of a different reconciliation (window, connector, inputs or tolerances differ): use another workspace"
      })
    }
    cp = parsed
    resumed = true
    // Cut every file back to its length at the checkpoint: what was written after it is written again.
    const files = new Set([...Object.keys(cp.lengths), findingsFile, problemsFile])
    for (let b = 0; b < partitions; b++) for (const f of [ledgerFile(b), truthFile(b), anonymousFile(b), claimFile(b)]) files.add(f)
    for (const file of files) {
      const expected = cp.lengths[file] ?? 0
      const actual = yield* workspace.length(file).pipe(Effect.mapError(workspaceFailure))
      if (actual < expected) {
        return yield* new ReconcileError({
          reason: "Checkpoint",
          message: `the workspace lost data after its checkpoint (${file} is shorter than recorded): start over in an empty workspace`
        })
      }
      yield* workspace.truncate(file, expected).pipe(Effect.mapError(workspaceFailure))
    }
  } else {
    cp = {
      version: 1,
      fingerprint,
      phase: "partition",
      startedAt: now,
      ledgerRows: 0,
      ledgerDone: false,
      ledgerSkipped: 0,
      ledgerInvalid: 0,
      slices: truth._tag === "Listing"
        ? slicesOf(window, sliceCount, listing?.maxWindowMillis).map((w) => ({ ...w, done: false }))
        : [],
      reportsDone: 0,
      reportRows: 0,
      processorRefunds: 0,
      pages: 0,
      partitionsDone: 0,
      counts: emptyCounts(),
      applied: {},
      lengths: {}
    }
  }

  /** The partition a key (merchant refund id, or processor refund id for the anonymous and claim files) lives in. */
  const partitionOf = (key: string) => hash(key) % partitions

  const touched = new Set<string>(Object.keys(cp.lengths))
  const append = (file: string, lines: ReadonlyArray<string>) => {
    touched.add(file)
    return workspace.append(file, lines).pipe(Effect.mapError(workspaceFailure))
  }
  const lock = yield* Semaphore.make(1)
  const checkpoint = Effect.gen(function*() {
    yield* workspace.flush
    const lengths: Record<string, number> = {}
    for (const file of touched) lengths[file] = yield* workspace.length(file)
    cp.lengths = lengths
    yield* workspace.saveCheckpoint(JSON.stringify(cp))
  }).pipe(Effect.mapError(workspaceFailure))

  const interval = Math.max(0, options.checkpointEveryMillis ?? 2000)
  let lastCheckpoint = 0
  /** A checkpoint if the last one is older than the interval, and progress either way (call under the lock). */
  const checkpointIfDue = Effect.gen(function*() {
    const now = yield* Clock.currentTimeMillis
    if (now - lastCheckpoint >= interval) {
      yield* checkpoint
      lastCheckpoint = yield* Clock.currentTimeMillis
    }
    yield* report
  })

  // Progress: the processor's side weighs 80% of a run, the ledger 10%, adopt and join 10%.
  const startedAt = yield* Clock.currentTimeMillis
  const startFraction = { value: -1 }
  const fraction = (): number => {
    if (cp.phase === "done") return 1
    const ledgerPart = cp.ledgerDone ? 1 : 0
    let truthPart = 1
    if (cp.phase === "partition") {
      if (truth._tag === "Listing") {
        const total = cp.slices.reduce((n, s) => n + (s.to - s.from), 0)
        const done = cp.slices.reduce((n, s) => n + (s.done ? s.to - s.from : (sliceCoverage.get(s) ?? 0) * (s.to - s.from)), 0)
        truthPart = total === 0 ? 1 : done / total
      } else {
        truthPart = truth.reports.length === 0 ? 1 : cp.reportsDone / truth.reports.length
      }
    }
    const joinPart = cp.phase === "partition" ? 0 : (cp.phase === "join" ? 0.5 : 0) + (cp.partitionsDone / partitions) * 0.5
    return Math.min(1, 0.1 * ledgerPart + 0.8 * truthPart + 0.1 * joinPart)
  }
  const sliceCoverage = new Map<SliceState, number>()
  const report = Effect.gen(function*() {
    if (options.onProgress === undefined) return
    const f = fraction()
    const t = yield* Clock.currentTimeMillis
    if (startFraction.value < 0) startFraction.value = f
    const rate = (f - startFraction.value) / Math.max(1, t - startedAt)
    yield* options.onProgress({
      phase: cp.phase,
      ledgerRows: cp.ledgerRows,
      processorRefunds: cp.processorRefunds,
      pages: cp.pages,
      partitionsDone: cp.partitionsDone,
      partitions,
      fraction: f,
      etaMillis: rate > 0 && t - startedAt > 500 ? Math.round((1 - f) / rate) : undefined
    })
  })

  // ---- Phase 1: partition the ledger and the processor's truth, both at once --------------------------------------
  // Each side buffers its lines and its counters, and commits both together under the lock, so a
  // checkpoint (taken by either side) never counts a row whose line is not yet in the workspace.

  /** Lines by file, appended in one go. */
  const makeBuffer = () => {
    const files = new Map<string, Array<string>>()
    return {
      add: (file: string, line: string) => {
        let lines = files.get(file)
        if (lines === undefined) files.set(file, lines = [])
        lines.push(line)
      },
      drain: Effect.suspend(() => {
        const all = [...files.entries()]
        files.clear()
        return Effect.forEach(all, ([file, lines]) => append(file, lines), { discard: true })
      })
    }
  }
  const rowsPerCommit = 20_000

  const partitionLedger = Effect.gen(function*() {
    const out = makeBuffer()
    // Counters since the last commit.
    let rows = 0
    let skipped = 0
    let invalid = 0
    const commit = (done: boolean) =>
      lock.withPermits(1)(Effect.gen(function*() {
        yield* out.drain
        cp.ledgerRows += rows
        cp.ledgerSkipped += skipped
        cp.ledgerInvalid += invalid
        rows = skipped = invalid = 0
        if (done) cp.ledgerDone = true
        yield* checkpointIfDue
      }))
    const problem = (p: Ledger.LedgerProblem) => {
      invalid++
      out.add(problemsFile, JSON.stringify(p))
    }
    const take = (entry: LedgerEntry) => {
      if (entry.connector !== undefined && entry.connector !== connector) return void skipped++
      if (entry.createdAt !== undefined && (entry.createdAt < window.from || entry.createdAt >= window.to)) return void skipped++
      out.add(ledgerFile(partitionOf(entry.merchantRefundId)), Records.encodeLedger(entry))
      if (entry.connectorRefundId !== undefined) {
        out.add(claimFile(partitionOf(entry.connectorRefundId)), JSON.stringify([entry.connectorRefundId, entry.merchantRefundId]))
      }
    }
    const afterRow = Effect.suspend(() => (rows >= rowsPerCommit ? commit(false) : Effect.void))
    /** Data rows already committed by an earlier run: read again, not counted again. */
    const skip = cp.ledgerRows
    const source = options.ledger
    if (source._tag === "Store") {
      let index = 0
      yield* source.store.scan(connector).pipe(
        Stream.mapError(storeFailure),
        Stream.runForEach((refund) =>
          Effect.suspend(() => {
            index++
            if (index <= skip) return Effect.void
            rows++
            const entry = entryOfRefund(refund, index)
            if (entry === undefined) problem({ line: index, message: `refund ${refund.connectorRefundId} has no amount in the store` })
            else take(entry)
            return afterRow
          })
        )
      )
    } else {
      const csv = source._tag === "Csv"
      const reader = new CsvReader()
      let bind: ((cells: ReadonlyArray<string>) => Ledger.RawRow) | undefined
      let line = 0
      let dataRows = 0
      const row = (cells: ReadonlyArray<string>): Result.Result<boolean, ReconcileError> => {
        line++
        if (csv && bind === undefined) {
          const bound = Ledger.csvColumns(cells)
          if (Result.isFailure(bound)) return Result.fail(inputFailure(bound.failure))
          bind = bound.success
          return Result.succeed(false)
        }
        if (cells.length === 1 && cells[0]!.trim() === "") return Result.succeed(false) // a blank line
        dataRows++
        if (dataRows <= skip) return Result.succeed(false)
        rows++
        let raw: Ledger.RawRow
        if (csv) raw = bind!(cells)
        else {
          const parsed = Ledger.jsonRow(cells[0]!)
          if (Result.isFailure(parsed)) {
            problem({ line, message: parsed.failure })
            return Result.succeed(true)
          }
          raw = parsed.success
        }
        const entry = Ledger.entryOf(raw, line)
        if (Result.isFailure(entry)) problem(entry.failure)
        else take(entry.success)
        return Result.succeed(true)
      }
      const lines = csv ? source.text : source.text.pipe(Stream.splitLines)
      yield* lines.pipe(
        Stream.mapError((cause) => inputFailure("the ledger could not be read", cause)),
        Stream.runForEach((chunk) =>
          Effect.gen(function*() {
            const parsed = csv ? reader.push(chunk) : [[chunk]]
            for (const cells of parsed) {
              const outcome = row(cells)
              if (Result.isFailure(outcome)) return yield* outcome.failure
            }
            yield* afterRow
          })
        )
      )
      if (csv) {
        const end = reader.end()
        if (end.unclosedQuote) return yield* inputFailure(`the ledger ends inside a quoted field (row ${line + 1})`)
        for (const cells of end.rows) {
          const outcome = row(cells)
          if (Result.isFailure(outcome)) return yield* outcome.failure
        }
        if (bind === undefined) return yield* inputFailure("the ledger is empty: it needs a header row")
      }
    }
    yield* commit(true)
  })

  /** Appends snapshots to their partitions (by merchant refund id, else as anonymous by processor id). */
  const addSnapshots = (out: ReturnType<typeof makeBuffer>, snapshots: ReadonlyArray<RefundSnapshot>) => {
    for (const snapshot of snapshots) {
      const mrid = snapshot.merchantRefundId
      const file = mrid !== undefined
        ? truthFile(partitionOf(mrid))
        : anonymousFile(partitionOf(snapshot.connectorRefundId))
      out.add(file, Records.encodeTruth(mrid ?? "", snapshot))
    }
  }

  const partitionListing = Effect.gen(function*() {
    const limiter = yield* RateLimiter.make(options.requestsPerSecond ?? definition.rateLimit?.requestsPerSecond ?? Infinity)
    const pageSize = Math.min(options.pageSize ?? listing!.maxPageSize, listing!.maxPageSize)
    const listSlice = (slice: SliceState) =>
      Effect.gen(function*() {
        while (!slice.done) {
          yield* limiter.acquire
          const page = yield* client.listPage({
            window: { from: slice.from, to: slice.to },
            ...(slice.cursor !== undefined ? { cursor: slice.cursor } : {}),
            pageSize
          }).pipe(
            Effect.mapError((error: RefundError) =>
              new ReconcileError({ reason: "Processor", message: `listing from ${new Date(slice.from).toISOString()}: ${error.message}`, cause: error })
            )
          )
          const out = makeBuffer()
          addSnapshots(out, page.refunds)
          yield* lock.withPermits(1)(Effect.gen(function*() {
            yield* out.drain
            cp.processorRefunds += page.refunds.length
            cp.pages++
            slice.cursor = page.next
            slice.done = page.next === undefined
            let min = Infinity
            let max = -Infinity
            for (const r of page.refunds) {
              if (r.createdAt === undefined) continue
              if (r.createdAt < min) min = r.createdAt
              if (r.createdAt > max) max = r.createdAt
            }
            if (min <= max) {
              const first = page.refunds[0]!.createdAt ?? min
              const descending = first >= (page.refunds[page.refunds.length - 1]!.createdAt ?? max)
              const span = slice.to - slice.from
              sliceCoverage.set(slice, Math.max(0, Math.min(1, descending ? (slice.to - min) / span : (max - slice.from) / span)))
            }
            yield* checkpointIfDue
          }))
        }
      })
    yield* Effect.forEach(cp.slices.filter((s) => !s.done), listSlice, { concurrency, discard: true })
  })

  const partitionReports = (reports: ReadonlyArray<{ readonly name: string; readonly text: Text }>) =>
    Effect.gen(function*() {
      for (let r = cp.reportsDone; r < reports.length; r++) {
        const { name, text } = reports[r]!
        const reader = new CsvReader()
        const out = makeBuffer()
        let parse: ReportRowParser | undefined
        let line = 0
        let dataRows = 0
        const skip = cp.reportRows
        let rows = 0
        let invalid = 0
        let found = 0
        const commit = (done: boolean) =>
          lock.withPermits(1)(Effect.gen(function*() {
            yield* out.drain
            cp.reportRows += rows
            cp.ledgerInvalid += invalid
            cp.processorRefunds += found
            rows = invalid = found = 0
            if (done) {
              cp.reportsDone = r + 1
              cp.reportRows = 0
            }
            yield* checkpointIfDue
          }))
        const row = (cells: ReadonlyArray<string>): Result.Result<void, ReconcileError> => {
          line++
          if (parse === undefined) {
            const bound = reportSupport!.columns(cells)
            if (Result.isFailure(bound)) return Result.fail(inputFailure(`${name} is not a ${reportSupport!.name}: ${bound.failure}`))
            parse = bound.success
            return Result.void
          }
          if (cells.length === 1 && cells[0]!.trim() === "") return Result.void
          dataRows++
          if (dataRows <= skip) return Result.void
          rows++
          const parsed = parse(cells)
          if (Result.isFailure(parsed)) {
            invalid++
            out.add(problemsFile, JSON.stringify({ line, message: `${name}: ${parsed.failure}` }))
          } else if (Option.isSome(parsed.success)) {
            found++
            addSnapshots(out, [parsed.success.value])
          }
          return Result.void
        }
        yield* text.pipe(
          Stream.mapError((cause) => inputFailure(`${name} could not be read`, cause)),
          Stream.runForEach((chunk) =>
            Effect.gen(function*() {
              for (const cells of reader.push(chunk)) {
                const outcome = row(cells)
                if (Result.isFailure(outcome)) return yield* outcome.failure
              }
              if (rows >= rowsPerCommit) yield* commit(false)
            })
          )
        )
        const end = reader.end()
        if (end.unclosedQuote) return yield* inputFailure(`${name} ends inside a quoted field`)
        for (const cells of end.rows) {
          const outcome = row(cells)
          if (Result.isFailure(outcome)) return yield* outcome.failure
        }
        if (parse === undefined) return yield* inputFailure(`${name} is empty: it needs a header row`)
        yield* commit(true)
      }
    })

  if (cp.phase === "partition") {
    const truthPart = truth._tag === "Listing" ? partitionListing : partitionReports(truth.reports)
    yield* Effect.all([cp.ledgerDone ? Effect.void : partitionLedger, truthPart], { concurrency: 2, discard: true })
    cp.phase = "adopt"
    cp.partitionsDone = 0
    yield* lock.withPermits(1)(Effect.andThen(checkpoint, report))
  }

  // ---- Phase 2: adopt anonymous processor refunds claimed by a ledger row -------------------------------------
  if (cp.phase === "adopt") {
    for (let b = cp.partitionsDone; b < partitions; b++) {
      const anonymous = yield* workspace.readLines(anonymousFile(b)).pipe(Effect.mapError(workspaceFailure))
      const moved = new Map<string, Array<string>>()
      if (anonymous.length > 0) {
        const claims = new Map<string, string>()
        for (const line of yield* workspace.readLines(claimFile(b)).pipe(Effect.mapError(workspaceFailure))) {
          const [id, key] = JSON.parse(line) as [string, string]
          claims.set(id, key)
        }
        for (const line of anonymous) {
          const id = Records.decodeTruth(line).record.connectorRefundId
          const key = claims.get(id) ?? idKey(id)
          const file = truthFile(partitionOf(key))
          let lines = moved.get(file)
          if (lines === undefined) moved.set(file, lines = [])
          lines.push(Records.rekeyTruth(line, key))
        }
      }
      for (const [file, lines] of moved) yield* append(file, lines)
      cp.partitionsDone = b + 1
      yield* checkpointIfDue
    }
    cp.phase = "join"
    cp.partitionsDone = 0
    yield* Effect.andThen(checkpoint, report)
  }

  // ---- Phase 3: join, judge, apply ----------------------------------------------------------------------------
  if (cp.phase === "join") {
    const at = yield* Clock.currentTimeMillis
    for (let b = cp.partitionsDone; b < partitions; b++) {
      const ledger = new Map<string, LedgerEntry>()
      const duplicateRows: Array<string> = []
      for (const line of yield* workspace.readLines(ledgerFile(b)).pipe(Effect.mapError(workspaceFailure))) {
        const entry = Records.decodeLedger(line)
        const earlier = ledger.get(entry.merchantRefundId)
        if (earlier !== undefined) {
          cp.ledgerInvalid++
          duplicateRows.push(JSON.stringify({ line: entry.line, message: `merchant refund id ${entry.merchantRefundId} is already on row ${earlier.line}` }))
        } else ledger.set(entry.merchantRefundId, entry)
      }
      // key → processor refund id → its observations
      const truthByKey = new Map<string, Map<string, Array<Records.TruthRecord>>>()
      for (const line of yield* workspace.readLines(truthFile(b)).pipe(Effect.mapError(workspaceFailure))) {
        const { key, record } = Records.decodeTruth(line)
        let byId = truthByKey.get(key)
        if (byId === undefined) truthByKey.set(key, byId = new Map())
        let records = byId.get(record.connectorRefundId)
        if (records === undefined) byId.set(record.connectorRefundId, records = [])
        records.push(record)
      }
      const found: Array<string> = []
      const applyList: Array<Records.TruthRecord> = []
      const judgeKey = (key: string, entry: LedgerEntry | undefined) => {
        const byId = truthByKey.get(key)
        const refunds = byId === undefined ? [] : [...byId.values()].map((records) => processorRefundOf(records, at))
        const finding = judge(entry, refunds, effectiveTolerances, at)
        cp.counts[finding.kind]++
        if (finding.kind !== "matched") found.push(JSON.stringify(finding))
        if (options.apply !== undefined && byId !== undefined) for (const records of byId.values()) applyList.push(...records)
      }
      for (const [key, entry] of ledger) judgeKey(key, entry)
      for (const key of truthByKey.keys()) if (!ledger.has(key)) judgeKey(key, undefined)
      const store = options.apply
      if (store !== undefined) {
        // Concurrently: the store serializes each refund's observations and the state machine does not
        // depend on their order, while a PostgreSQL store commits many writers' observations together.
        const results: ReadonlyArray<ApplyResult> = yield* Effect.forEach(
          applyList,
          (record) =>
            store.apply({ connector, snapshot: Records.snapshotOf(record), source: "reconcile", receivedAt: at }).pipe(
              Effect.mapError(storeFailure)
            ),
          { concurrency: 16 }
        )
        for (const result of results) {
          const verdict = result._tag === "Duplicate" ? "Duplicate" : result.transition._tag
          cp.applied[verdict] = (cp.applied[verdict] ?? 0) + 1
        }
      }
      if (found.length > 0) yield* append(findingsFile, found)
      if (duplicateRows.length > 0) yield* append(problemsFile, duplicateRows)
      cp.partitionsDone = b + 1
      yield* checkpointIfDue
    }
    cp.phase = "done"
    yield* Effect.andThen(checkpoint, report)
  }

  const finishedAt = yield* Clock.currentTimeMillis
  const discrepancies = Object.entries(cp.counts).reduce((n, [k, v]) => n + (isDiscrepancy(k as FindingKind) ? v : 0), 0)
  const summary: Summary = {
    connector,
    window,
    truth: truth._tag === "Listing" ? "listing" : "reports",
    ledgerRows: cp.ledgerRows,
    ledgerSkipped: cp.ledgerSkipped,
    ledgerInvalid: cp.ledgerInvalid,
    processorRefunds: cp.processorRefunds,
    pages: cp.pages,
    counts: { ...cp.counts },
    discrepancies,
    ...(options.apply !== undefined ? { applied: { ...cp.applied } } : {}),
    startedAt: cp.startedAt,
    finishedAt,
    resumed
  }
  return {
    summary,
    findings: workspace.lines(findingsFile).pipe(Stream.map((line) => JSON.parse(line) as Finding)),
    problems: workspace.lines(problemsFile).pipe(Stream.map((line) => JSON.parse(line) as Ledger.LedgerProblem))
  } satisfies Result
})

