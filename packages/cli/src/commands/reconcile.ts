/**
 * `refract reconcile`: a ledger (CSV or JSON Lines, or the store `refract serve` keeps) checked
 * against what the processor lists (or, for processors without a listing, its settlement reports).
 *
 * It runs core's `Reconciler` in a workspace on disk (`NodeReconcileWorkspace`), named after the
 * reconciliation, so running the same command again after an interruption resumes it. Progress
 * goes to stderr, the report to stdout or `--out`. Exit code 0: no discrepancies; 3: discrepancies
 * (see `errors.ts`). `--dry-run` is the default: only `--apply` writes into the store.
 */
import { Matching, Reconciler, ReconcileReport, RefundService, RefundStore } from "@refract/core"
import type * as StoreConfig from "@refract/store-pg/StoreConfig"
import { NodeReconcileWorkspace } from "@refract/node"
import { Console, Effect, Option, Stream } from "effect"
import { Command, Flag } from "effect/cli"
import * as crypto from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import { DiscrepanciesFound, Failed, UsageError } from "../errors.ts"
import { durationFlag } from "../format.ts"
import * as Progress from "../progress.ts"
import { connectionFlags, flagsOf } from "./refunds.ts"
import { findConnector, refundServiceLayer, resolve } from "../target.ts"


/** An ISO 8601 date or time (`2026-11-01`, `2026-11-01T12:00:00Z`), or a span back from now (`30d`). */
export const parseTime = (flag: string, value: string, now: number): Effect.Effect<number, UsageError> => {
  const text = value.trim()
  if (/^\d+\s*[dhms]$/.test(text)) return Effect.map(durationFlag(flag, text), (span) => now - span)
  const millis = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(text) ? Date.parse(text) : Number.NaN
  return Number.isNaN(millis)
    ? Effect.fail(new UsageError({ message: `${flag} must be an ISO 8601 date or time (2026-11-01, 2026-11-01T12:00:00Z) or a span back from now (30d), got ${JSON.stringify(text.slice(0, 40))}` }))
    : Effect.succeed(millis)
}

const readFile = (file: string): Reconciler.Text =>
  Stream.fromAsyncIterable(fs.createReadStream(file, { encoding: "utf8", highWaterMark: 256 * 1024 }) as AsyncIterable<string>, (e) => e)

const existing = (flag: string, file: string): Effect.Effect<string, UsageError> =>
  Effect.suspend(() => {
    try {
      if (fs.statSync(file).isFile()) return Effect.succeed(file)
    } catch {
      // reported below
    }
    return Effect.fail(new UsageError({ message: `${flag} ${JSON.stringify(file)} is not a readable file` }))
  })

/** `▕██████░░░░▏ 42%` */
const bar = (fraction: number, width = 24): string => {
  const full = Math.round(fraction * width)
  return `▕${"█".repeat(full)}${"░".repeat(width - full)}▏`
}

const duration = (millis: number): string => {
  const s = Math.round(millis / 1000)
  return s < 60 ? `${s}s` : s < 3600 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s` : `${Math.floor(s / 3600)}h${String(Math.floor(s / 60) % 60).padStart(2, "0")}m`
}

const phaseNames: Record<Reconciler.Phase, string> = {
  partition: "reading",
  adopt: "matching ids",
  join: "judging",
  done: "done"
}

/** A progress bar on stderr: redrawn in place on a terminal, a line every 10% otherwise (CI logs). */
const progressBar = () => {
  const tty = process.stderr.isTTY === true
  let lastTenth = -1
  let lastDraw = 0
  return (p: Reconciler.Progress): Effect.Effect<void> =>
    Effect.sync(() => {
      const now = Date.now()
      const tenth = Math.floor(p.fraction * 10)
      if (tty ? now - lastDraw < 100 && p.phase !== "done" : tenth === lastTenth && p.phase !== "done") return
      lastDraw = now
      lastTenth = tenth
      const text = `${bar(p.fraction)} ${String(Math.floor(p.fraction * 100)).padStart(3)}%  ${phaseNames[p.phase]}  ` +
        `ledger ${p.ledgerRows.toLocaleString("en")}  processor ${p.processorRefunds.toLocaleString("en")} (${p.pages.toLocaleString("en")} pages)` +
        `${p.phase === "join" || p.phase === "adopt" ? `  partition ${p.partitionsDone}/${p.partitions}` : ""}` +
        `${p.etaMillis !== undefined && p.phase !== "done" ? `  ETA ${duration(p.etaMillis)}` : ""}`
      if (tty) process.stderr.write(`\r\x1b[2Krefract: ${text}${p.phase === "done" ? "\n" : ""}`)
      else Progress.progress(text)
    })
}

const write = (out: fs.WriteStream | undefined, text: string): Effect.Effect<void> =>
  out === undefined
    ? Effect.sync(() => void process.stdout.write(text))
    : Effect.callback<void>((resume) => {
      if (out.write(text)) resume(Effect.void)
      else out.once("drain", () => resume(Effect.void))
    })

/** Writes the report in the chosen format, streaming the findings. */
const writeReport = (result: Reconciler.Result, format: "summary" | "json" | "csv", out: fs.WriteStream | undefined) =>
  Effect.gen(function*() {
    if (format === "json") {
      yield* write(out, ReconcileReport.json.start(result.summary))
      let first = true
      yield* Stream.runForEach(result.problems, (p) =>
        Effect.suspend(() => {
          const text = ReconcileReport.json.problem(p, first)
          first = false
          return write(out, text)
        }))
      yield* write(out, ReconcileReport.json.between)
      first = true
      yield* Stream.runForEach(result.findings, (f) =>
        Effect.suspend(() => {
          const text = ReconcileReport.json.finding(f, first)
          first = false
          return write(out, text)
        }))
      yield* write(out, ReconcileReport.json.end)
    } else if (format === "csv") {
      yield* write(out, ReconcileReport.csvHeader)
      yield* Stream.runForEach(result.findings, (f) => write(out, ReconcileReport.csvRow(f)))
    } else {
      const examples = new Map<Matching.FindingKind, Array<Matching.Finding>>()
      yield* Stream.runForEach(result.findings, (f) =>
        Effect.sync(() => {
          const list = examples.get(f.kind) ?? []
          if (list.length < 10) list.push(f)
          examples.set(f.kind, list)
        }))
      const problems = yield* Stream.runCollect(Stream.take(result.problems, 10))
      yield* write(out, ReconcileReport.summaryText(result.summary, examples, problems))
    }
  })

export const reconcile = Command.make(
  "reconcile",
  {
    ...connectionFlags,
    from: Flag.String("from").pipe(
      Flag.withDescription("Start of the window of refund creation times: ISO 8601 (2026-11-01) or a span back from now (30d). Default 30d"),
      Flag.withDefault("30d")
    ),
    to: Flag.String("to").pipe(
      Flag.withDescription("End of the window (exclusive): ISO 8601 or a span back from now. Default: now"),
      Flag.optional
    ),
    ledger: Flag.String("ledger").pipe(
      Flag.withDescription("The merchant's ledger: .csv (header merchant_refund_id, amount_minor or amount, currency, status[, connector_refund_id, created_at, connector]) or .jsonl"),
      Flag.optional
    ),
    ledgerStore: Flag.Boolean("ledger-store").pipe(
      Flag.withDescription("Use the store `refract serve` keeps as the ledger (REFRACT_DATABASE_URL or --database-url)"),
      Flag.withDefault(false)
    ),
    settlementReport: Flag.String("settlement-report").pipe(
      Flag.withDescription("A settlement report file the processor published (Adyen settlement details CSV); repeatable. For processors that cannot list refunds"),
      Flag.atLeast(0)
    ),
    apply: Flag.Boolean("apply").pipe(
      Flag.withDescription("Write what the processor showed into the store, through the state machine (source reconcile). Default: dry run"),
      Flag.withDefault(false)
    ),
    dryRun: Flag.Boolean("dry-run").pipe(Flag.withDescription("Only report (the default)"), Flag.withDefault(false)),
    databaseUrl: Flag.Redacted("database-url").pipe(
      Flag.withDescription("The PostgreSQL store for --ledger-store and --apply (default REFRACT_DATABASE_URL; schema REFRACT_DATABASE_SCHEMA)"),
      Flag.optional
    ),
    format: Flag.Literals("format", ["summary", "json", "csv"]).pipe(Flag.withDescription("Report format"), Flag.withDefault("summary")),
    out: Flag.String("out").pipe(Flag.withDescription("Write the report to this file instead of stdout"), Flag.optional),
    workspace: Flag.String("workspace").pipe(
      Flag.withDescription("Where partitions and the checkpoint live (default .refract/reconcile/<connector>-<window>); the same command resumes from it"),
      Flag.optional
    ),
    fresh: Flag.Boolean("fresh").pipe(Flag.withDescription("Start over, discarding an interrupted run in the workspace"), Flag.withDefault(false)),
    amountTolerance: Flag.Int("amount-tolerance").pipe(Flag.withDescription("Minor units of difference still counted as equal (default 0)"), Flag.withDefault(0)),
    statusMatch: Flag.Literals("status-match", ["simple", "exact"]).pipe(
      Flag.withDescription("simple: PENDING/SUCCEEDED/FAILED (a cancelled refund matches \"failed\"); exact: the six statuses"),
      Flag.withDefault("simple")
    ),
    pendingWindow: Flag.String("pending-window").pipe(Flag.withDescription("Pending longer than this is stale (default 14d)"), Flag.withDefault("14d")),
    rate: Flag.String("rate").pipe(
      Flag.withDescription("Listing requests per second (default: the connector's documented limit; \"unlimited\" for an emulator)"),
      Flag.optional
    ),
    concurrency: Flag.Int("concurrency").pipe(Flag.withDescription("Time slices listed at once (default 4)"), Flag.withDefault(4)),
    partitions: Flag.Int("partitions").pipe(Flag.withDescription("Partitions of the join (default 256; more for books over 10 million)"), Flag.withDefault(256))
  },
  Effect.fn(function*(input) {
    const { connector } = yield* findConnector(input.connector)
    const now = Date.now()
    let from = yield* parseTime("--from", input.from, now)
    let to = Option.isSome(input.to) ? yield* parseTime("--to", input.to.value, now) : now
    if (from >= to) return yield* new UsageError({ message: "--from must be before --to" })
    if (input.apply && input.dryRun) return yield* new UsageError({ message: "--apply and --dry-run contradict each other" })
    const sources = [Option.isSome(input.ledger), input.ledgerStore].filter(Boolean).length
    if (sources !== 1) return yield* new UsageError({ message: "give exactly one ledger: --ledger <file.csv|file.jsonl> or --ledger-store" })
    const reports = yield* Effect.forEach(input.settlementReport, (file) => existing("--settlement-report", file))
    if (reports.length === 0 && !connector.capabilities.list) {
      return yield* new UsageError({
        message: connector.capabilities.reports && connector.report !== undefined
          ? `${connector.displayName} cannot list refunds: pass its reports with --settlement-report <file> (${connector.report.name})`
          : `${connector.displayName} can neither list refunds nor parse reports: it cannot be reconciled`
      })
    }
    if (reports.length > 0 && !connector.capabilities.reports) {
      return yield* new UsageError({ message: `${connector.displayName} has no report parser; reconcile it from its listing (leave out --settlement-report)` })
    }
    const pendingWindowMillis = yield* durationFlag("--pending-window", input.pendingWindow)
    let requestsPerSecond: number | undefined
    if (Option.isSome(input.rate)) {
      requestsPerSecond = input.rate.value === "unlimited" ? Infinity : Number(input.rate.value)
      if (!(requestsPerSecond > 0)) return yield* new UsageError({ message: "--rate must be a positive number of requests per second, or unlimited" })
    }
    if (input.concurrency < 1 || input.concurrency > 64) return yield* new UsageError({ message: "--concurrency must be 1 to 64" })
    if (input.partitions < 1 || input.partitions > 65_536) return yield* new UsageError({ message: "--partitions must be 1 to 65536" })
    if (input.amountTolerance < 0) return yield* new UsageError({ message: "--amount-tolerance must not be negative" })
    let ledgerFile: string | undefined
    if (Option.isSome(input.ledger)) {
      ledgerFile = yield* existing("--ledger", input.ledger.value)
      if (!/\.(csv|jsonl|ndjson)$/i.test(ledgerFile)) {
        return yield* new UsageError({ message: "--ledger must be a .csv, .jsonl or .ndjson file" })
      }
    }
    const target = yield* resolve(flagsOf(input), process.env, { credentialFlags: true })

    // The workspace is named after the command (the flags as given, so `--from 30d` names the same
    // workspace tomorrow), and keeps the window it resolved: running the command again resumes it.
    const fingerprint = crypto.createHash("sha256")
      .update(JSON.stringify([
        connector.id,
        input.from,
        Option.getOrElse(input.to, () => "now"),
        ledgerFile !== undefined ? path.resolve(ledgerFile) : "store",
        reports.map((r) => path.resolve(r))
      ]))
      .digest("hex")
      .slice(0, 12)
    const directory = Option.getOrElse(input.workspace, () => path.join(".refract", "reconcile", `${connector.id}-${fingerprint}`))
    if (input.fresh) fs.rmSync(directory, { recursive: true, force: true })
    const windowFile = path.join(directory, "window.json")
    if (fs.existsSync(path.join(directory, "checkpoint.json")) && fs.existsSync(windowFile)) {
      const saved = JSON.parse(fs.readFileSync(windowFile, "utf8")) as { from: number; to: number }
      from = saved.from
      to = saved.to
      Progress.progress(
        `resuming the reconciliation of ${new Date(from).toISOString()} to ${new Date(to).toISOString()} in ${directory} (--fresh to start over)`
      )
    } else {
      fs.mkdirSync(directory, { recursive: true })
      fs.writeFileSync(windowFile, JSON.stringify({ from, to }))
    }

    const needsStore = input.ledgerStore || input.apply
    const StoreConfigModule = needsStore ? yield* Effect.promise(() => import("@refract/store-pg/StoreConfig")) : undefined
    const storeOptions: StoreConfig.Options = Option.isSome(input.databaseUrl) ? { url: input.databaseUrl.value } : {}
    if (StoreConfigModule !== undefined) {
      const choice = yield* StoreConfigModule.choice(storeOptions).pipe(Effect.mapError((e) => new UsageError({ message: `store configuration: ${e.message}` })))
      if (choice._tag === "Memory") {
        return yield* new UsageError({ message: "--ledger-store and --apply use the PostgreSQL store `refract serve` keeps: set REFRACT_DATABASE_URL or pass --database-url" })
      }
    }

    const program = Effect.gen(function*() {
      const service = yield* RefundService.RefundService
      const client = yield* service.client(connector.id)
      const store = needsStore ? yield* RefundStore.RefundStore : undefined
      const ledger: Reconciler.LedgerSource = ledgerFile !== undefined
        ? (/\.csv$/i.test(ledgerFile) ? { _tag: "Csv", text: readFile(ledgerFile) } : { _tag: "JsonLines", text: readFile(ledgerFile) })
        : { _tag: "Store", store: store! }
      return yield* Reconciler.run(client, {
        window: { from, to },
        ledger,
        ...(reports.length > 0 ? { truth: { _tag: "Reports" as const, reports: reports.map((r) => ({ name: path.basename(r), text: readFile(r) })) } } : {}),
        tolerances: { amountMinor: input.amountTolerance, status: input.statusMatch, pendingWindowMillis },
        ...(input.apply ? { apply: store! } : {}),
        partitions: input.partitions,
        concurrency: input.concurrency,
        ...(requestsPerSecond !== undefined ? { requestsPerSecond } : {}),
        onProgress: progressBar()
      }).pipe(Effect.provide(NodeReconcileWorkspace.layer({ directory })))
    })
    const withStore = StoreConfigModule === undefined
      ? program
      : program.pipe(Effect.provide(StoreConfigModule.layer({ ...storeOptions, migrate: input.apply })))
    const result = yield* withStore.pipe(
      Effect.provide(refundServiceLayer(target)),
      Effect.mapError((e) =>
        e instanceof UsageError ? e : new Failed({ reason: "_tag" in e ? String(e._tag) : "ReconcileError", message: `reconcile: ${e.message}` })
      )
    )
    const out = Option.isSome(input.out) ? fs.createWriteStream(input.out.value) : undefined
    yield* writeReport(result, input.format, out).pipe(
      Effect.provide(NodeReconcileWorkspace.layer({ directory })),
      Effect.mapError((e) => new Failed({ reason: "WorkspaceError", message: `reconcile report: ${e.message}` }))
    )
    if (out !== undefined) yield* Effect.callback<void>((resume) => void out.end(() => resume(Effect.void)))
    // A finished reconciliation needs its workspace no more (the report has everything).
    fs.rmSync(directory, { recursive: true, force: true })
    if (result.summary.discrepancies > 0) {
      return yield* new DiscrepanciesFound({
        message: `${result.summary.discrepancies} discrepancies in ${connector.displayName} refunds${Option.isSome(input.out) ? ` (report: ${input.out.value})` : ""}`
      })
    }
    if (input.format === "summary" || Option.isSome(input.out)) yield* Console.error("refract: no discrepancies")
  })
).pipe(
  Command.withDescription("Check a ledger (or the store) against the processor's refunds: amounts, currencies, statuses, missing and duplicate refunds"),
  Command.withExamples([
    {
      command: "STRIPE_API_KEY=sk_test_… refract reconcile --connector stripe --ledger refunds.csv --from 2026-11-01 --to 2026-12-01",
      description: "November's refunds against the books; exit code 3 when something differs"
    },
    {
      command: "refract reconcile --connector adyen --ledger refunds.csv --settlement-report settlement_detail_report_batch_42.csv --format csv --out report.csv",
      description: "Adyen, from a settlement details report, as a CSV of discrepancies"
    },
    {
      command: "REFRACT_DATABASE_URL=postgres://localhost/refract refract reconcile --connector stripe --ledger-store --apply",
      description: "The store against Stripe, writing what Stripe shows into the store"
    }
  ])
)
