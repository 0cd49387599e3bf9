/**
 * One reconciliation, as a user would run it, in a process of its own (so its peak RSS is its own):
 * Stripe's connector over NodeHttp, the on-disk workspace, the ledger CSV streamed from disk. Reads
 * its job as JSON from argv[2]; writes every finding as a JSON line to `findings`, then one JSON
 * line on stdout: the summary, the elapsed time and the peak RSS.
 */
import { BoundConnector, Reconciler, RefundClient } from "@refract/core"
import { NodeHttp, NodeReconcileWorkspace } from "@refract/node"
import { StripeConnector } from "@refract/stripe"
import { Effect, Stream } from "effect"
import * as fs from "node:fs"
import * as v8 from "node:v8"
import { peakRss } from "../PeakRss.ts"

export interface Job {
  readonly url: string
  readonly apiKey: string
  readonly ledger: string
  readonly findings: string
  readonly workspace: string
  readonly window: { readonly from: number; readonly to: number }
  readonly concurrency: number
  readonly slices: number
  readonly partitions: number
}

const job = JSON.parse(process.argv[2]!) as Job
if (process.env["REFRACT_BENCH_SEMI"] !== undefined) v8.setFlagsFromString(`--max-semi-space-size=${process.env["REFRACT_BENCH_SEMI"]}`)

// REFRACT_BENCH_HEAP=1 (with --expose-gc): the live heap after a full GC every second, on stderr.
if (process.env["REFRACT_BENCH_HEAP"] === "1") {
  const gc = globalThis.gc ?? (() => {})
  setInterval(() => {
    gc()
    const maps = fs.readFileSync("/proc/self/smaps", "utf8").split(/\n(?=[0-9a-f]+-[0-9a-f]+ )/)
    const big = maps
      .map((m) => ({ name: m.split("\n")[0]!.split(/\s+/).slice(5).join(" ") || "[anon]", rss: Number(/\nRss:\s+(\d+)/.exec(m)?.[1] ?? 0) }))
      .reduce((acc, m) => acc.set(m.name, (acc.get(m.name) ?? 0) + m.rss), new Map<string, number>())
    process.stderr.write(`  ${[...big].sort((a, b) => b[1] - a[1]).slice(0, 5).map(([n, kb]) => `${n} ${Math.round(kb / 1024)} MB`).join(", ")}\n`)
    const m = process.memoryUsage()
    process.stderr.write(`heap ${Math.round(m.heapUsed / 2 ** 20)} of ${Math.round(m.heapTotal / 2 ** 20)} MB, external ${Math.round(m.external / 2 ** 20)} MB, buffers ${Math.round(m.arrayBuffers / 2 ** 20)} MB, rss ${Math.round(m.rss / 2 ** 20)} MB\n`)
  }, 1000).unref()
}

const program = Effect.gen(function*() {
  const bound = yield* BoundConnector.bind(StripeConnector.connector, { credentials: { apiKey: job.apiKey }, baseUrl: job.url })
  const client = yield* RefundClient.make(bound)
  const started = performance.now()
  /** When each phase was first reported, ms from the start. */
  const phases = new Map<string, number>()
  const result = yield* Reconciler.run(client, {
    window: job.window,
    ledger: { _tag: "Csv", text: Stream.fromAsyncIterable(fs.createReadStream(job.ledger, { encoding: "utf8", highWaterMark: 256 * 1024 }) as AsyncIterable<string>, (e) => e) },
    requestsPerSecond: Infinity,
    concurrency: job.concurrency,
    slices: job.slices,
    partitions: job.partitions,
    onProgress: (p) =>
      Effect.sync(() => {
        if (!phases.has(p.phase)) phases.set(p.phase, Math.round(performance.now() - started))
      })
  })
  const elapsedMillis = performance.now() - started
  const out = fs.createWriteStream(job.findings)
  yield* Stream.runForEach(result.findings, (f) =>
    Effect.callback<void>((resume) => {
      if (out.write(`${JSON.stringify({ kind: f.kind, merchantRefundId: f.merchantRefundId, ids: f.processor.map((p) => p.connectorRefundId) })}\n`)) resume(Effect.void)
      else out.once("drain", () => resume(Effect.void))
    }))
  yield* Effect.callback<void>((resume) => void out.end(() => resume(Effect.void)))
  return { summary: result.summary, elapsedMillis, peakRssBytes: peakRss(), phases: Object.fromEntries(phases) }
}).pipe(
  Effect.provide(NodeReconcileWorkspace.layer({ directory: job.workspace })),
  Effect.provide(NodeHttp.layer())
)

const outcome = await Effect.runPromise(program)
process.stdout.write(`${JSON.stringify(outcome)}\n`)
process.exit(0)
