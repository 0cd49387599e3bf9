/**
 * The reconciliation bench: a book of `refunds` (default 1,000,000) seeded into the Stripe emulator,
 * 1% of them as each kind of discrepancy, reconciled by `Reconciler.run` as a user runs it (its own
 * process, on-disk workspace, NodeHttp), next to the emulator's own listing ceiling measured in the
 * same run with the same slices and concurrency (`reconcile/ceiling.ts`).
 *
 * Goals (issue 10): every seeded discrepancy found and no false one; peak RSS ≤ 256 MB; throughput
 * ≥ 90% of the listing ceiling.
 */
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import * as readline from "node:readline"
import { fileURLToPath } from "node:url"
import { Reconciler } from "@refract/core"
import { bundle } from "./client/Bundle.ts"
import * as Book from "./reconcile/book.ts"
import type { Job } from "./reconcile/reconciler-process.ts"

export interface Options {
  readonly refunds?: number | undefined
  readonly rate?: number | undefined
  readonly concurrency?: number | undefined
  readonly log?: ((line: string) => void) | undefined
}

export interface Result {
  readonly refunds: number
  readonly seededDiscrepancies: number
  readonly seedMillis: number
  readonly ceiling: { readonly refundsPerSecond: number; readonly runs: ReadonlyArray<{ readonly refunds: number; readonly elapsedMillis: number }> }
  readonly reconciler: {
    readonly elapsedMillis: number
    readonly refundsPerSecond: number
    readonly peakRssBytes: number
    readonly summary: Reconciler.Summary
  }
  readonly verification: { readonly found: number; readonly missed: number; readonly false: number; readonly wrongKind: number; readonly examples: ReadonlyArray<string> }
}

const here = path.dirname(fileURLToPath(import.meta.url))

/**
 * The reconciler runs bundled (`dist/reconciler-process.js`), as an application's build would load
 * Refract: from TypeScript sources, Node's type stripping alone takes about 120 MB of RSS.
 * `REFRACT_BENCH_FROM_SOURCE=1` runs the sources instead.
 */
let reconcilerScript: string | undefined
const scriptPath = (script: string) =>
  script === "reconciler-process.ts" && reconcilerScript !== undefined ? reconcilerScript : path.join(here, "reconcile", script)

const child = (script: string, args: ReadonlyArray<string>) => {
  // REFRACT_BENCH_PROFILE=<dir>: a CPU profile of the reconciler process, for finding where its time goes.
  const profile = process.env["REFRACT_BENCH_PROFILE"]
  const flags = profile !== undefined && script === "reconciler-process.ts" ? ["--cpu-prof", "--cpu-prof-dir", profile] : []
  // As `refract reconcile` runs (packages/cli/src/bin.ts): V8's heap capped, else V8 sizes it by the machine.
  if (script === "reconciler-process.ts") flags.push("--max-semi-space-size=8", "--max-old-space-size=128")
  const extra = process.env["REFRACT_BENCH_NODE_FLAGS"]
  if (extra !== undefined && script === "reconciler-process.ts") flags.push(...extra.split(" ").filter(Boolean))
  const proc = spawn(process.execPath, [...flags, scriptPath(script), ...args], { stdio: ["ignore", "pipe", "inherit"] })
  const firstLine = new Promise<string>((resolve, reject) => {
    const lines = readline.createInterface({ input: proc.stdout! })
    lines.once("line", resolve)
    proc.once("exit", (code) => reject(new Error(`${script} exited with ${code} before answering`)))
  })
  return { proc, firstLine }
}

const runChild = async <A>(script: string, job: unknown): Promise<A> => {
  const { proc, firstLine } = child(script, [JSON.stringify(job)])
  const line = await firstLine
  await new Promise((resolve) => proc.once("exit", resolve))
  return JSON.parse(line) as A
}

/** Posts the seed items in NDJSON batches. */
const seed = async (url: string, book: Book.Book) => {
  const batch = 50_000
  for (let start = 0; start < book.n; start += batch) {
    const lines: Array<string> = []
    for (let i = start; i < Math.min(book.n, start + batch); i++) for (const item of book.row(i).seed) lines.push(JSON.stringify(item))
    const response = await fetch(`${url}/__emulator/refunds/seed`, { method: "POST", headers: { "content-type": "application/x-ndjson" }, body: `${lines.join("\n")}\n` })
    if (!response.ok) throw new Error(`seeding failed: HTTP ${response.status} ${(await response.text()).slice(0, 300)}`)
    await response.arrayBuffer().catch(() => undefined)
  }
}

const writeLedger = async (file: string, book: Book.Book) => {
  const out = fs.createWriteStream(file)
  const write = (text: string) => (out.write(text) ? Promise.resolve() : new Promise<void>((r) => out.once("drain", () => r())))
  await write("merchant_refund_id,amount_minor,currency,status\n")
  let chunk = ""
  for (let i = 0; i < book.n; i++) {
    const ledger = book.row(i).ledger
    if (ledger !== undefined) chunk += `${ledger.merchantRefundId},${ledger.amountMinor},${ledger.currency},${ledger.status}\n`
    if (chunk.length > 1 << 20) {
      await write(chunk)
      chunk = ""
    }
  }
  await write(chunk)
  await new Promise<void>((r) => out.end(() => r()))
}

export const runReconcileBench = async (options: Options = {}): Promise<Result> => {
  const n = options.refunds ?? 1_000_000
  const rate = options.rate ?? 0.01
  const concurrency = options.concurrency ?? 4
  const slices = concurrency * 4
  const partitions = 256
  const log = options.log ?? (() => {})
  if (process.env["REFRACT_BENCH_FROM_SOURCE"] !== "1") reconcilerScript = await bundle("reconciler-process", "src/reconcile/reconciler-process.ts")
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "refract-reconcile-bench-"))
  const emulator = child("emulator-process.ts", [])
  try {
    const { url, origin, apiKey } = JSON.parse(await emulator.firstLine) as { url: string; origin: string; apiKey: string }
    const book = Book.make(n, rate, Date.now())
    const expected = new Map<string, Book.Kind>()
    for (let i = 0; i < n; i++) {
      const row = book.row(i)
      if (row.kind !== "matched") expected.set(row.merchantRefundId, row.kind)
    }
    log(`  seeding ${n.toLocaleString("en")} refunds (${expected.size.toLocaleString("en")} seeded discrepancies) and writing the ledger…`)
    const seedStarted = performance.now()
    const ledger = path.join(dir, "ledger.csv")
    await Promise.all([seed(url, book), writeLedger(ledger, book)])
    const seedMillis = performance.now() - seedStarted

    const window = book.window
    const sliceWindows = Reconciler.slicesOf(window, slices, undefined)
    const ceilingRun = () => runChild<{ refunds: number; pages: number; elapsedMillis: number }>("ceiling.ts", { origin, apiKey, slices: sliceWindows, concurrency })
    log("  the emulator's listing ceiling…")
    const before = await ceilingRun()
    log(`    ${Math.round(before.refunds / (before.elapsedMillis / 1000)).toLocaleString("en")} refunds/s`)
    log("  reconciling…")
    const findingsFile = path.join(dir, "findings.jsonl")
    const job: Job = { url, apiKey, ledger, findings: findingsFile, workspace: path.join(dir, "workspace"), window, concurrency, slices, partitions }
    const reconciled = await runChild<{ summary: Reconciler.Summary; elapsedMillis: number; peakRssBytes: number; phases: Record<string, number> }>(
      "reconciler-process.ts",
      job
    )
    log(
      `    ${Math.round(n / (reconciled.elapsedMillis / 1000)).toLocaleString("en")} refunds/s, peak RSS ${Math.round(reconciled.peakRssBytes / 2 ** 20)} MB; phases began at ${
        Object.entries(reconciled.phases).map(([k, v]) => `${k} ${(v / 1000).toFixed(1)} s`).join(", ")
      }`
    )
    log("  the emulator's listing ceiling again…")
    const after = await ceilingRun()

    // Every seeded discrepancy found with its kind, and nothing else.
    let found = 0
    let falseFindings = 0
    let wrongKind = 0
    const examples: Array<string> = []
    const seen = new Set<string>()
    const lines = readline.createInterface({ input: fs.createReadStream(findingsFile, { encoding: "utf8" }) })
    for await (const line of lines) {
      const finding = JSON.parse(line) as { kind: string; merchantRefundId?: string; ids: Array<string> }
      const key = finding.merchantRefundId ?? `#${finding.ids[0]}`
      const kind = expected.get(key)
      if (kind === undefined) {
        falseFindings++
        if (examples.length < 5) examples.push(`false: ${line}`)
      } else if (kind !== finding.kind) {
        wrongKind++
        if (examples.length < 5) examples.push(`expected ${kind}: ${line}`)
      } else found++
      seen.add(key)
    }
    const missed = [...expected.keys()].filter((k) => !seen.has(k))
    for (const k of missed.slice(0, Math.max(0, 5 - examples.length))) examples.push(`missed ${expected.get(k)}: ${k}`)
    const ceilingRate = Math.max(before.refunds / (before.elapsedMillis / 1000), after.refunds / (after.elapsedMillis / 1000))
    return {
      refunds: n,
      seededDiscrepancies: expected.size,
      seedMillis,
      ceiling: { refundsPerSecond: ceilingRate, runs: [before, after] },
      reconciler: {
        elapsedMillis: reconciled.elapsedMillis,
        refundsPerSecond: n / (reconciled.elapsedMillis / 1000),
        peakRssBytes: reconciled.peakRssBytes,
        summary: reconciled.summary
      },
      verification: { found, missed: missed.length, false: falseFindings, wrongKind, examples }
    }
  } finally {
    emulator.proc.kill("SIGTERM")
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

const mb = (bytes: number) => `${Math.round(bytes / 2 ** 20)} MB`

export const table = (r: Result): string => {
  const ratio = r.reconciler.refundsPerSecond / r.ceiling.refundsPerSecond
  const rows = [
    ["", "refunds/s", "elapsed", "peak RSS", "vs ceiling"],
    ["emulator listing ceiling (best of 2)", Math.round(r.ceiling.refundsPerSecond).toLocaleString("en"), `${(r.ceiling.runs[0]!.elapsedMillis / 1000).toFixed(1)} s / ${(r.ceiling.runs[1]!.elapsedMillis / 1000).toFixed(1)} s`, "", "1.00×"],
    ["Reconciler (ledger + listing + join)", Math.round(r.reconciler.refundsPerSecond).toLocaleString("en"), `${(r.reconciler.elapsedMillis / 1000).toFixed(1)} s`, mb(r.reconciler.peakRssBytes), `${ratio.toFixed(2)}×`]
  ]
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)))
  return rows.map((row) => `| ${row.map((cell, c) => cell.padEnd(widths[c]!)).join(" | ")} |`).join("\n")
}

export const goals = (r: Result): string => {
  const ratio = r.reconciler.refundsPerSecond / r.ceiling.refundsPerSecond
  const v = r.verification
  const line = (ok: boolean, text: string) => `- ${ok ? "met" : "NOT met"}: ${text}`
  return [
    line(v.found === r.seededDiscrepancies && v.false === 0 && v.wrongKind === 0,
      `every seeded discrepancy found, none false: ${v.found}/${r.seededDiscrepancies} found, ${v.missed} missed, ${v.wrongKind} with the wrong kind, ${v.false} false`),
    line(r.reconciler.peakRssBytes <= 256 * 2 ** 20, `peak RSS ≤ 256 MB: ${mb(r.reconciler.peakRssBytes)}`),
    line(ratio >= 0.9, `throughput ≥ 0.90× the emulator's listing ceiling: ${ratio.toFixed(2)}×`),
    ...v.examples.map((e) => `  ${e}`)
  ].join("\n")
}
