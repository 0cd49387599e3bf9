/**
 * The cluster bench (`npm run bench -- --only cluster`): durable refund tracking on Effect Cluster
 * with 1, 2 and 3 runners, next to the in-process tracker, in one run, on one embedded PostgreSQL.
 *
 * Per contender, on a fresh database: the Stripe emulator in its own process (refunds `pending` when
 * created, `succeeded` `settleAfterMillis` later, both webhooks delivered through a round-robin
 * balancer in this process), then
 *
 * - **N runners**: `refract serve --cluster` processes, as users run them; a client-only cluster
 *   member in this process (`ClusterRunner.layerPostgres({ runner: "client" })`) creates the refunds
 *   with `RefundTracker.create`, each of which starts a `TrackRefund` workflow on whichever runner
 *   owns its shard; a workflow has finished when its `refract_tracking` row has `finished_at`;
 * - **in-process tracker**: core's `RefundTracker` in one application process built as `refract
 *   serve` (without `--cluster`) builds it, which creates the refunds itself (`cluster/inprocess-process.ts`
 *   says why); a refund has finished when the tracker no longer follows it.
 *
 * Every contender gets a warm-up batch first, then an idle window (its background cost), then the
 * measured batch: `workflows` creates, `concurrency` at a time. Reported: workflows/s (first create
 * to last finish), end-to-end latency, PostgreSQL commits and rows per workflow (`pg_stat_database`),
 * CPU seconds per workflow of the runners, of PostgreSQL's processes and of this process (`/proc`),
 * ratios to 1 runner, and an extrapolation from the per-workflow costs. It reports; it does not gate.
 */
import { ConnectorRegistry, RefundTracker } from "@refract/core"
import type { RefundStore } from "@refract/core"
import { ClusterRunner } from "@refract/cluster"
import { StripeConnector } from "@refract/stripe"
import { Loopback } from "@refract/testkit"
import { Effect, Layer, ManagedRuntime, Redacted } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import * as Children from "./cluster/Children.ts"
import * as Db from "./cluster/Db.ts"
import type { Summary as EmulatorSummary } from "./cluster/emulator-process.ts"
import type { Finished, Item, Job as InProcessJob } from "./cluster/inprocess-process.ts"
import * as Proc from "./cluster/Proc.ts"
import { median } from "./Stats.ts"

export interface Options {
  /** Workflows in the measured batch of each contender. Default 600. */
  readonly workflows?: number | undefined
  /** Creates in flight at once. Default 32. */
  readonly concurrency?: number | undefined
  /** Runner counts to measure. Default [1, 2, 3]. */
  readonly runners?: ReadonlyArray<number> | undefined
  /** Also measure the in-process tracker. Default true. */
  readonly inProcess?: boolean | undefined
  /** Workflows in each contender's warm-up batch. Default 32. */
  readonly warmup?: number | undefined
  /** Emulator: pending → succeeded after this. Default 500 ms. */
  readonly settleAfterMillis?: number | undefined
  readonly log?: ((line: string) => void) | undefined
}

/** The timing flags every contender runs with: a short life per workflow, no reversal watch to speak of. */
export const trackerFlags = {
  pollInitialDelay: "200ms",
  pollMaxDelay: "1s",
  // `--reversal-window` must be positive (durationFlag): 1 ms ends the watch at the first look after a success.
  reversalWindow: "1ms"
} as const

export interface Cpu {
  /** Runner processes (the in-process tracker's process for that contender). */
  readonly runners: number
  readonly postgres: number
  /** This process: the client-only member (cluster), the balancer, the bench's own polling. */
  readonly bench: number
  /** The Stripe emulator's process (the processor's side; not Refract's cost). */
  readonly emulator: number
}

export interface Run {
  readonly name: string
  /** 0 for the in-process tracker. */
  readonly runners: number
  readonly error?: string | undefined
  readonly workflows: number
  /** Spawn until every runner was ready (and, for the cluster, held every shard), ms. */
  readonly startupMillis: number
  /** First create called until the last workflow finished, ms. */
  readonly elapsedMillis: number
  readonly workflowsPerSecond: number
  /** Create called until the workflow finished, ms. */
  readonly latency: { readonly p50: number; readonly p90: number; readonly p99: number; readonly max: number }
  /** Create called until it returned the refund (the caller's wait), median, ms. */
  readonly createP50: number
  /** A webhook delivery's answer from the tracker, as the balancer saw it during the measured batch, ms. */
  readonly webhookAnswer: { readonly p50: number; readonly p99: number }
  /** The measured window (the CPU and commit counts cover it): just before the first create until the last finish was seen, ms. */
  readonly windowMillis: number
  /** Measured-window totals (seconds of CPU). */
  readonly cpu: Cpu
  /** pg_stat_database deltas over the measured window, the bench's own statements and the idle tail taken out. */
  readonly pg: Db.Counters
  /** Transactions that wrote (transaction ids taken) and WAL bytes over the measured window (no lag; the whole server). */
  readonly writes: { readonly transactions: number; readonly walBytes: number }
  /** Background cost while nothing was being tracked (after the warm-up), per second. */
  readonly idle: { readonly commitsPerSecond: number; readonly runnerCpuPerSecond: number; readonly postgresCpuPerSecond: number }
  /** Peak RSS of each runner process, bytes. */
  readonly peakRssBytes: ReadonlyArray<number>
  readonly loadAverage: { readonly before: number; readonly after: number }
  readonly verification: {
    readonly finished: number
    readonly succeededInStore: number
    readonly processorRefunds: number
    readonly duplicates: number
    readonly createRequests: number
    readonly pollRequests: number
    readonly webhookDeliveries: number
    readonly webhooksNotAccepted: number
    readonly notAcceptedExamples: ReadonlyArray<string>
    readonly observations: Readonly<Record<string, number>>
    readonly createFailures: ReadonlyArray<string>
  }
}

export interface Result {
  readonly options: {
    readonly workflows: number
    readonly concurrency: number
    readonly warmup: number
    readonly settleAfterMillis: number
    readonly flags: typeof trackerFlags
  }
  readonly machine: { readonly cpus: number; readonly model: string; readonly node: string; readonly postgres: string; readonly date: string }
  readonly runs: ReadonlyArray<Run>
  readonly elapsedMillis: number
}

const { freePort } = Loopback

const withTimeout = <A>(promise: Promise<A>, millis: number, what: string): Promise<A> =>
  new Promise<A>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${Math.round(millis / 1000)} s: ${what}`)), millis)
    promise.then(
      (a) => {
        clearTimeout(timer)
        resolve(a)
      },
      (e: unknown) => {
        clearTimeout(timer)
        reject(e)
      }
    )
  })

const percentile = (sorted: ReadonlyArray<number>, p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? Number.NaN

/** Calls `create` for each item, `concurrency` at a time; returns when each was called and the failures. */
const drive = async (batch: ReadonlyArray<Item>, concurrency: number, create: (item: Item) => Promise<void>) => {
  const calls = new Map<string, { readonly startedAt: number; readonly createdAt: number }>()
  const failures: Array<string> = []
  const queue = [...batch]
  await Promise.all(Array.from({ length: concurrency }, async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) {
      const startedAt = Date.now()
      await create(item).then(
        () => void calls.set(item.merchantRefundId, { startedAt, createdAt: Date.now() }),
        (e: unknown) => void failures.push(`${item.merchantRefundId}: ${e instanceof Error ? e.message : String(e)}`)
      )
    }
  }))
  return { calls, failures }
}

interface Snapshot {
  readonly at: number
  readonly counters: Db.Counters
  readonly live: Db.Live
  readonly runners: number
  readonly postgres: number
  readonly emulator: number
  readonly bench: number
  readonly statements: number
}

interface Contender {
  readonly name: string
  readonly runners: number
}

/** What a contender provides to the common measurement. */
interface Setup {
  /** The tracking process(es): runner pids, or the in-process tracker's. */
  readonly pids: ReadonlyArray<number>
  /** Runs one batch to its end: returns each workflow's start and finish (epoch ms) and the create failures. */
  readonly runBatch: (batch: ReadonlyArray<Item>, what: string) => Promise<{ readonly finished: ReadonlyArray<Finished>; readonly failures: ReadonlyArray<string> }>
  readonly logs: ReadonlyArray<string>
}

export const runClusterBench = async (options: Options = {}): Promise<Result> => {
  const workflows = options.workflows ?? 600
  const concurrency = options.concurrency ?? 32
  const warmup = options.warmup ?? 32
  const settleAfterMillis = options.settleAfterMillis ?? 500
  const log = options.log ?? (() => {})
  const contenders: Array<Contender> = (options.runners ?? [1, 2, 3]).map((n) => ({ name: `${n} runner${n === 1 ? "" : "s"}`, runners: n }))
  if (options.inProcess ?? true) contenders.push({ name: "in-process tracker", runners: 0 })
  const benchStarted = Date.now()
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "refract-cluster-bench-"))
  const keepLogs = process.env["REFRACT_BENCH_KEEP_LOGS"] === "1"

  // As the tests do: a temporary embedded server (fsync off), never the machine's own PostgreSQL.
  const Embedded = await import("@refract/store-pg/Embedded")
  log("  starting the embedded PostgreSQL…")
  const server = await Embedded.start({ database: "refract_bench_cluster" })
  const serverUrl = Redacted.value(server.url)
  const maintenance = Db.connect(Db.withDatabase(serverUrl, "postgres"))
  const cleanup = async () => {
    await maintenance.close().catch(() => undefined)
    await server.stop()
    if (!keepLogs) fs.rmSync(dir, { recursive: true, force: true })
  }
  const removeHandlers = Children.installSignalHandlers(cleanup)
  const runs: Array<Run> = []
  try {
    const postgres = await Db.version(maintenance)
    for (const [index, contender] of contenders.entries()) {
      log(`  ${contender.name}: fresh database, emulator, ${contender.runners === 0 ? "the tracker's process" : "runners"}…`)
      const run = await runContender(contender, index, {
        workflows,
        concurrency,
        warmup,
        settleAfterMillis,
        dir,
        serverUrl,
        postgresPid: server.pid,
        maintenance,
        log
      }).catch((error: unknown): Run => failedRun(contender, workflows, error))
      // Ctrl-C: the signal handler stops everything and exits; nothing more to run or report.
      if (Children.isInterrupted()) await new Promise<never>(() => {})
      if (run.error !== undefined) log(`    FAILED: ${run.error.split("\n")[0]}`)
      else {
        log(
          `    ${run.workflowsPerSecond.toFixed(1)} workflows/s, p50 ${(run.latency.p50 / 1000).toFixed(2)} s, ` +
            `${(run.pg.commits / run.workflows).toFixed(1)} commits, runner CPU ${(run.cpu.runners / run.workflows * 1000).toFixed(1)} ms, ` +
            `PostgreSQL CPU ${(run.cpu.postgres / run.workflows * 1000).toFixed(1)} ms per workflow`
        )
      }
      runs.push(run)
    }
    const cpus = os.cpus()
    return {
      options: { workflows, concurrency, warmup, settleAfterMillis, flags: trackerFlags },
      machine: { cpus: cpus.length, model: cpus[0]?.model ?? "?", node: process.version, postgres, date: new Date().toISOString().slice(0, 10) },
      runs,
      elapsedMillis: Date.now() - benchStarted
    }
  } finally {
    removeHandlers()
    await Children.killAll()
    if (keepLogs) log(`  logs kept in ${dir}`)
    await cleanup()
  }
}

const failedRun = (contender: Contender, workflows: number, error: unknown): Run => ({
  name: contender.name,
  runners: contender.runners,
  error: error instanceof Error ? error.message : String(error),
  workflows,
  startupMillis: Number.NaN,
  elapsedMillis: Number.NaN,
  workflowsPerSecond: Number.NaN,
  latency: { p50: Number.NaN, p90: Number.NaN, p99: Number.NaN, max: Number.NaN },
  createP50: Number.NaN,
  webhookAnswer: { p50: Number.NaN, p99: Number.NaN },
  windowMillis: Number.NaN,
  cpu: { runners: Number.NaN, postgres: Number.NaN, bench: Number.NaN, emulator: Number.NaN },
  pg: { commits: Number.NaN, rollbacks: Number.NaN, inserted: Number.NaN, updated: Number.NaN, deleted: Number.NaN, returned: Number.NaN },
  writes: { transactions: Number.NaN, walBytes: Number.NaN },
  idle: { commitsPerSecond: Number.NaN, runnerCpuPerSecond: Number.NaN, postgresCpuPerSecond: Number.NaN },
  peakRssBytes: [],
  loadAverage: { before: Number.NaN, after: Number.NaN },
  verification: {
    finished: 0,
    succeededInStore: 0,
    processorRefunds: 0,
    duplicates: 0,
    createRequests: 0,
    pollRequests: 0,
    webhookDeliveries: 0,
    webhooksNotAccepted: 0,
    notAcceptedExamples: [],
    observations: {},
    createFailures: []
  }
})

interface Context {
  readonly workflows: number
  readonly concurrency: number
  readonly warmup: number
  readonly settleAfterMillis: number
  readonly dir: string
  readonly serverUrl: string
  readonly postgresPid: number
  readonly maintenance: Db.Connection
  readonly log: (line: string) => void
}

const runContender = async (contender: Contender, index: number, ctx: Context): Promise<Run> => {
  const database = `refract_bench_cluster_${index + 1}`
  await Db.freshDatabase(ctx.maintenance, database)
  const databaseUrl = Db.withDatabase(ctx.serverUrl, database)
  const monitor = Db.connect(databaseUrl)
  const finalizers: Array<() => Promise<void>> = [() => monitor.close()]
  try {
    // The balancer first (the emulator needs its URL), then the emulator (the trackers need its URL).
    const targets: Array<number> = []
    const balancer = await Loopback.startBalancer(() => targets)
    finalizers.push(() => balancer.close())
    const tag = contender.runners === 0 ? "inprocess" : `r${contender.runners}`
    const emulator = Children.forkScript("emulator-process.ts", [JSON.stringify({
      webhookUrl: `${balancer.url}/webhooks/stripe`,
      settleAfterMillis: ctx.settleAfterMillis,
      payments: ctx.warmup + ctx.workflows,
      concurrency: webhookConcurrency
    })], path.join(ctx.dir, `${tag}-emulator.log`))
    finalizers.push(() => Children.exited(emulator.child, "SIGKILL", 5_000))
    const stripe = await Children.message<{ url: string; apiKey: string; webhookSecret: string; payments: Array<string> }>(
      emulator,
      "ready",
      "the Stripe emulator",
      60_000
    )
    const items = (prefix: string, from: number, count: number): Array<Item> =>
      Array.from({ length: count }, (_, i) => ({
        merchantRefundId: `${prefix}-${String(i).padStart(5, "0")}`,
        payment: stripe.payments[from + i]!,
        amount: 1_000 + (i % 5_000)
      }))

    const spawned = Date.now()
    const setup = contender.runners === 0
      ? await inProcess(ctx, databaseUrl, stripe, targets, finalizers, tag)
      : await cluster(ctx, contender.runners, database, databaseUrl, stripe, targets, finalizers, monitor, tag)
    const startupMillis = Date.now() - spawned
    ctx.log(`    ready in ${(startupMillis / 1000).toFixed(1)} s; warm-up (${ctx.warmup} workflows)…`)

    // Warm-up: the JIT, the pools, the first shard assignments. Then the background cost at rest.
    const warm = await setup.runBatch(items("warm", 0, ctx.warmup), "the warm-up batch")
    if (warm.failures.length > 0) throw new Error(`warm-up creates failed: ${warm.failures.slice(0, 3).join("; ")}`)
    // Until the warm-up's statistics are published (Db.counters says why 11 s).
    await Children.sleep(statisticsLagMillis)
    const snapshot = async (): Promise<Snapshot> => {
      const [runners, postgres, emulatorCpu] = [
        Proc.treeCpuSeconds(setup.pids).reduce((a, b) => a + b, 0),
        ...Proc.treeCpuSeconds([ctx.postgresPid, emulator.pid])
      ]
      const usage = process.cpuUsage()
      return {
        at: Date.now(),
        live: await Db.live(ctx.maintenance),
        counters: await Db.counters(ctx.maintenance, database),
        runners,
        postgres: postgres!,
        emulator: emulatorCpu!,
        bench: (usage.user + usage.system) / 1e6,
        statements: monitor.statements()
      }
    }
    const idleFrom = await snapshot()
    await Children.sleep(3_000)
    const start = await snapshot()
    const idleSeconds = (start.at - idleFrom.at) / 1000
    const idle = {
      commitsPerSecond: (start.counters.commits - idleFrom.counters.commits - (start.statements - idleFrom.statements)) / idleSeconds,
      runnerCpuPerSecond: (start.runners - idleFrom.runners) / idleSeconds,
      postgresCpuPerSecond: (start.postgres - idleFrom.postgres) / idleSeconds
    }

    ctx.log(`    measuring ${ctx.workflows} workflows, ${ctx.concurrency} creates at a time…`)
    const loadBefore = os.loadavg()[0]!
    const deliveriesBefore = balancer.durations.length
    const measured = await setup.runBatch(items("bench", ctx.warmup, ctx.workflows), "the measured batch")
    const end = await snapshot()
    const loadAfter = os.loadavg()[0]!
    const answers = balancer.durations.slice(deliveriesBefore).toSorted((a, b) => a - b)
    // PostgreSQL publishes a backend's statistics up to 10 s after its last transaction: read the
    // counters that much later, and take the idle commits of that extra time out again.
    await Children.sleep(statisticsLagMillis)
    const late = await Db.counters(ctx.maintenance, database)
    const tailSeconds = (Date.now() - end.at) / 1000
    const counted = Db.minus(late, start.counters)
    const pg: Db.Counters = {
      ...counted,
      commits: counted.commits - (end.statements - start.statements) - idle.commitsPerSecond * tailSeconds
    }
    const peakRssBytes = setup.pids.map((pid) => Proc.peakRssBytes(pid) ?? Number.NaN)

    // Verification, after the window: the processor's and the store's view.
    emulator.child.send({ type: "summary" })
    const summary = await Children.message<EmulatorSummary>(emulator, "summary", "the emulator's summary", 30_000)
    const stored = await monitor.query<{ status: string; n: string }>(
      "SELECT status, count(*) AS n FROM refract_refunds WHERE merchant_refund_id LIKE 'bench-%' GROUP BY status"
    )
    const observations = await monitor.query<{ source: string; n: string }>(
      `SELECT o.source, count(*) AS n FROM refract_observations o
       JOIN refract_refunds r ON r.connector = o.connector AND r.connector_refund_id = o.connector_refund_id
       WHERE r.merchant_refund_id LIKE 'bench-%' GROUP BY o.source`
    )

    const finished = measured.finished
    const first = Math.min(...finished.map((f) => f.startedAt))
    const last = Math.max(...finished.map((f) => f.finishedAt))
    const latencies = finished.map((f) => f.finishedAt - f.startedAt).toSorted((a, b) => a - b)
    const elapsedMillis = last - first
    return {
      name: contender.name,
      runners: contender.runners,
      workflows: ctx.workflows,
      startupMillis,
      elapsedMillis,
      workflowsPerSecond: finished.length / (elapsedMillis / 1000),
      latency: { p50: median(latencies), p90: percentile(latencies, 0.9), p99: percentile(latencies, 0.99), max: latencies[latencies.length - 1]! },
      createP50: median(finished.map((f) => f.createdAt - f.startedAt)),
      webhookAnswer: { p50: median(answers), p99: percentile(answers, 0.99) },
      windowMillis: end.at - start.at,
      cpu: {
        runners: end.runners - start.runners,
        postgres: end.postgres - start.postgres,
        bench: end.bench - start.bench,
        emulator: end.emulator - start.emulator
      },
      pg,
      writes: { transactions: end.live.nextXid - start.live.nextXid, walBytes: end.live.walBytes - start.live.walBytes },
      idle,
      peakRssBytes,
      loadAverage: { before: loadBefore, after: loadAfter },
      verification: {
        finished: finished.length,
        succeededInStore: Number(stored.find((r) => r.status === "Succeeded")?.n ?? 0),
        processorRefunds: summary.refunds,
        duplicates: summary.duplicates,
        createRequests: summary.createRequests,
        pollRequests: summary.getRequests,
        webhookDeliveries: summary.webhookDeliveries,
        webhooksNotAccepted: summary.webhooksNotAccepted,
        notAcceptedExamples: summary.notAcceptedExamples,
        observations: Object.fromEntries(observations.map((o) => [o.source, Number(o.n)])),
        createFailures: measured.failures.slice(0, 5)
      }
    }
  } finally {
    for (const f of finalizers.toReversed()) await f().catch(() => undefined)
    await ctx.maintenance.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => undefined)
  }
}

type Stripe = { readonly url: string; readonly apiKey: string; readonly webhookSecret: string }

const stripeEnv = (stripe: Stripe) => ({ STRIPE_API_KEY: stripe.apiKey, STRIPE_BASE_URL: stripe.url, STRIPE_WEBHOOK_SECRET: stripe.webhookSecret })

/**
 * Webhook POSTs the emulator has in flight. At 8 the in-process tracker's webhooks queued behind the
 * emulator (about 360 deliveries/s, 4 per refund): the processor set its pace, not the tracker.
 */
const webhookConcurrency = 32

const finishTimeout = (n: number) => 120_000 + n * 250

/** How long after the work `pg_stat_database` has all of it (see Db.counters). */
const statisticsLagMillis = 11_000

/** N `refract serve --cluster` runners and a client-only member in this process. */
const cluster = async (
  ctx: Context,
  n: number,
  database: string,
  databaseUrl: string,
  stripe: Stripe,
  targets: Array<number>,
  finalizers: Array<() => Promise<void>>,
  monitor: Db.Connection,
  tag: string
): Promise<Setup> => {
  const runners: Array<Children.Logged> = []
  for (let i = 0; i < n; i++) {
    const http = await freePort()
    const runnerPort = await freePort()
    const runner = Children.startServe({
      args: [
        "--cluster",
        "--database-url", databaseUrl,
        "--port", String(http),
        "--runner-port", String(runnerPort),
        "--connector", "stripe",
        "--poll-initial-delay", trackerFlags.pollInitialDelay,
        "--poll-max-delay", trackerFlags.pollMaxDelay,
        "--reversal-window", trackerFlags.reversalWindow
      ],
      env: stripeEnv(stripe),
      log: path.join(ctx.dir, `${tag}-runner${i + 1}.log`)
    })
    runners.push(runner)
    finalizers.push(() => Children.exited(runner.child, "SIGKILL", 5_000))
    targets.push(http)
  }
  await Promise.all(runners.map((r, i) => Children.serveReady(r, `runner ${i + 1}`)))
  await Children.until(async () => {
    const held = await Db.shardLocks(ctx.maintenance, database)
    return held.holders === n && held.shards === 300 ? true : undefined
  }, `300 shards held by ${n} runner(s)`, 90_000, 200)

  const registry = ConnectorRegistry.register(StripeConnector.connector, {
    credentials: { apiKey: Redacted.make(stripe.apiKey) },
    baseUrl: stripe.url,
    webhookSecrets: { signingSecret: Redacted.make(stripe.webhookSecret) }
  }).pipe(Layer.provideMerge(ConnectorRegistry.ConnectorRegistry.layer))
  const pg = ClusterRunner.layerPostgres({
    url: databaseUrl,
    runner: "client",
    createTimeout: "120 seconds",
    maxConnections: 10,
    initialDelay: "200 millis",
    maxDelay: "1 second",
    reversalWindow: "1 millis"
  })
  const member = ManagedRuntime.make(
    pg.tracking.pipe(Layer.provideMerge(pg.store), Layer.provideMerge(registry)) as Layer.Layer<RefundTracker.RefundTracker | RefundStore.RefundStore, unknown>
  )
  finalizers.push(() => withTimeout(member.dispose(), 30_000, "stopping the client-only member"))
  await withTimeout(member.runPromise(Effect.void), 90_000, "the client-only member to join the cluster")
  const tracker = await member.runPromise(Effect.service(RefundTracker.RefundTracker))

  const runBatch = async (batch: ReadonlyArray<Item>, what: string) => {
    const prefix = batch[0]!.merchantRefundId.split("-")[0]!
    let driven: Awaited<ReturnType<typeof drive>> | undefined
    const driving = drive(batch, ctx.concurrency, (item) =>
      member.runPromise(tracker.create("stripe", {
        merchantRefundId: item.merchantRefundId,
        connectorTransactionId: item.payment,
        amount: { amount: item.amount, currency: "EUR" }
      })).then(() => undefined)).then((d) => (driven = d))
    const logs = () => runners.map((r, i) => `--- runner ${i + 1} (${r.log})\n${Children.tail(r.log, 15)}`).join("\n")
    await Children.until(async () => {
      for (const [i, r] of runners.entries()) {
        if (r.child.exitCode !== null || r.child.signalCode !== null) throw new Error(`runner ${i + 1} exited during ${what}\n${logs()}`)
      }
      if (driven === undefined) return undefined
      const rows = await monitor.query<{ n: string }>(
        "SELECT count(*) AS n FROM refract_tracking WHERE finished_at IS NOT NULL AND merchant_refund_id LIKE $1",
        [`${prefix}-%`]
      )
      return Number(rows[0]?.n ?? 0) >= batch.length - driven.failures.length ? true : undefined
    }, `${what} to finish (${batch.length} workflows)`, finishTimeout(batch.length), 250).catch(async (e: unknown) => {
      const open = await monitor.query<{ n: string }>("SELECT count(*) AS n FROM refract_tracking WHERE finished_at IS NULL").catch(() => [])
      throw new Error(`${e instanceof Error ? e.message : String(e)}: ${open[0]?.n ?? "?"} tracking rows not finished\n${logs()}`)
    })
    await driving
    const rows = await monitor.query<{ merchant_refund_id: string; finished_at: string }>(
      "SELECT merchant_refund_id, finished_at FROM refract_tracking WHERE merchant_refund_id LIKE $1 AND finished_at IS NOT NULL",
      [`${prefix}-%`]
    )
    const finished = rows.flatMap((r) => {
      const call = driven!.calls.get(r.merchant_refund_id)
      return call === undefined ? [] : [{ merchantRefundId: r.merchant_refund_id, ...call, finishedAt: Number(r.finished_at) }]
    })
    return { finished, failures: driven!.failures }
  }
  return { pids: runners.map((r) => r.pid), runBatch, logs: runners.map((r) => r.log) }
}

/** The in-process tracker: one application process that creates and tracks (see inprocess-process.ts). */
const inProcess = async (
  ctx: Context,
  databaseUrl: string,
  stripe: Stripe,
  targets: Array<number>,
  finalizers: Array<() => Promise<void>>,
  tag: string
): Promise<Setup> => {
  const job: InProcessJob = {
    databaseUrl,
    stripe,
    tracker: { initialDelayMillis: 200, maxDelayMillis: 1_000, reversalWindowMillis: 1 }
  }
  const child = Children.forkScript("inprocess-process.ts", [JSON.stringify(job)], path.join(ctx.dir, `${tag}-tracker.log`))
  finalizers.push(() => Children.exited(child.child, "SIGKILL", 5_000))
  const ready = await Children.message<{ port: number }>(child, "ready", "the in-process tracker", 90_000)
  targets.push(ready.port)
  const runBatch = async (batch: ReadonlyArray<Item>, what: string) => {
    child.child.send({ type: "run", batch, concurrency: ctx.concurrency })
    const done = await Children.message<{ results: Array<Finished>; failures: Array<string> }>(child, "done", what, finishTimeout(batch.length))
    return { finished: done.results, failures: done.failures }
  }
  return { pids: [child.pid], runBatch, logs: [child.log] }
}

// ---------------------------------------------------------------------------------------------
// Report

const fixed = (n: number, digits: number) => (Number.isFinite(n) ? n.toFixed(digits) : "–")
const ms = (seconds: number, workflows: number) => fixed((seconds / workflows) * 1000, 1)

const render = (rows: ReadonlyArray<ReadonlyArray<string>>): string => {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)))
  const line = (row: ReadonlyArray<string>) => `| ${row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join(" | ")} |`
  return [line(rows[0]!), `|${widths.map((w, c) => (c === 0 ? "-".repeat(w + 2) : `${"-".repeat(w + 1)}:`)).join("|")}|`, ...rows.slice(1).map(line)].join("\n")
}

export const table = (r: Result): string => {
  const one = r.runs.find((run) => run.runners === 1 && run.error === undefined)
  const ratio = (a: number, b: number | undefined) => (b === undefined || !Number.isFinite(a) ? "–" : `${(a / b).toFixed(2)}×`)
  const throughput = [
    ["contender", "workflows/s", "× 1 runner", "e2e p50 s", "p90 s", "p99 s", "create p50 s", "webhook answer p50 / p99 ms", "elapsed s", "start-up s", `CPU busy (of ${r.machine.cpus} cores)`, "load avg", "peak RSS MB per process"],
    ...r.runs.map((run) => {
      const all = run.cpu.runners + run.cpu.postgres + run.cpu.bench + run.cpu.emulator
      return [
        run.name,
        fixed(run.workflowsPerSecond, 1),
        ratio(run.workflowsPerSecond, one?.workflowsPerSecond),
        fixed(run.latency.p50 / 1000, 2),
        fixed(run.latency.p90 / 1000, 2),
        fixed(run.latency.p99 / 1000, 2),
        fixed(run.createP50 / 1000, 2),
        `${fixed(run.webhookAnswer.p50, 0)} / ${fixed(run.webhookAnswer.p99, 0)}`,
        fixed(run.elapsedMillis / 1000, 1),
        fixed(run.startupMillis / 1000, 1),
        Number.isFinite(all) ? `${Math.round((all / (run.windowMillis / 1000) / r.machine.cpus) * 100)}%` : "–",
        `${fixed(run.loadAverage.before, 1)} → ${fixed(run.loadAverage.after, 1)}`,
        run.peakRssBytes.map((b) => fixed(b / 2 ** 20, 0)).join(" / ") || "–"
      ]
    })
  ]
  const cost = [
    ["per workflow", "commits", "× 1 runner", "of which wrote", "rows ins / upd / del", "WAL kB", "runner CPU ms", "× 1 runner", "PostgreSQL CPU ms", "× 1 runner", "bench-process CPU ms", "idle commits/s", "idle runner + PG CPU %"],
    ...r.runs.map((run) => {
      const n = run.workflows
      return [
        run.name,
        fixed(run.pg.commits / n, 1),
        ratio(run.pg.commits / n, one === undefined ? undefined : one.pg.commits / one.workflows),
        fixed(run.writes.transactions / n, 1),
        `${fixed(run.pg.inserted / n, 1)} / ${fixed(run.pg.updated / n, 1)} / ${fixed(run.pg.deleted / n, 1)}`,
        fixed(run.writes.walBytes / n / 1024, 1),
        ms(run.cpu.runners, n),
        ratio(run.cpu.runners / n, one === undefined ? undefined : one.cpu.runners / one.workflows),
        ms(run.cpu.postgres, n),
        ratio(run.cpu.postgres / n, one === undefined ? undefined : one.cpu.postgres / one.workflows),
        ms(run.cpu.bench, n),
        fixed(run.idle.commitsPerSecond, 1),
        `${fixed(run.idle.runnerCpuPerSecond * 100, 1)} + ${fixed(run.idle.postgresCpuPerSecond * 100, 1)}`
      ]
    })
  ]
  const checks = r.runs.map((run) => {
    if (run.error !== undefined) return `- ${run.name}: FAILED: ${run.error}`
    const v = run.verification
    const perWorkflow = (k: string) => fixed((v.observations[k] ?? 0) / run.workflows, 2)
    const ok = v.finished === run.workflows && v.succeededInStore === run.workflows && v.duplicates === 0 && v.createFailures.length === 0
    return `- ${run.name}: ${ok ? "ok" : "NOT ok"}: ${v.finished}/${run.workflows} finished, ${v.succeededInStore} Succeeded in the store, ` +
      `${v.processorRefunds} refunds at the processor (warm-up included) from ${v.createRequests} create requests, ${v.duplicates} duplicated; ` +
      `per workflow ${perWorkflow("create")} create, ${perWorkflow("poll")} poll and ${perWorkflow("webhook")} webhook observations stored; ` +
      `${v.webhookDeliveries} webhook deliveries, ${v.webhooksNotAccepted} not accepted${v.notAcceptedExamples.length > 0 ? ` (${v.notAcceptedExamples.join("; ")})` : ""}${v.createFailures.length > 0 ? `; create failures: ${v.createFailures.join("; ")}` : ""}`
  })
  return [render(throughput), "", render(cost), "", ...checks].join("\n")
}

/** The written extrapolation from the measured per-workflow costs. */
export const estimate = (r: Result): string => {
  const ok = r.runs.filter((run) => run.error === undefined)
  const clustered = ok.filter((run) => run.runners > 0)
  const lines: Array<string> = []
  if (clustered.length > 0) {
    const pg = median(clustered.map((run) => run.cpu.postgres / run.workflows))
    const runner = median(clustered.map((run) => run.cpu.runners / run.workflows))
    const client = median(clustered.map((run) => run.cpu.bench / run.workflows))
    const commits = median(clustered.map((run) => run.pg.commits / run.workflows))
    const at = (cores: number) => {
      const rate = cores / pg
      return `${cores} PostgreSQL core${cores === 1 ? "" : "s"} ≈ ${Math.round(rate)} workflows/s (${Math.round(rate * commits).toLocaleString("en")} commits/s), ` +
        `which would take ≈ ${(rate * runner).toFixed(1)} runner cores (+ ${(rate * client).toFixed(1)} cores in the callers)`
    }
    lines.push(
      `Cluster, from the median per-workflow costs of the ${clustered.length} cluster runs (PostgreSQL ${(pg * 1000).toFixed(1)} ms, runners ${(runner * 1000).toFixed(1)} ms, ` +
        `client member ${(client * 1000).toFixed(1)} ms of CPU, ${commits.toFixed(1)} commits per workflow):`,
      `- ${at(1)};`,
      `- ${at(4)};`,
      `- ${at(8)}.`,
      `- One runner core tracks ≈ ${Math.round(1 / runner)} workflows/s; PostgreSQL becomes the limit at ≈ ${(runner / pg).toFixed(1)} runner cores per PostgreSQL core.`,
      "  This assumes PostgreSQL scales with cores and that nothing else limits (locks, I/O: the embedded server runs with fsync off, so a durable server also needs that many WAL flushes per second, batched by group commit)."
    )
  }
  const local = ok.find((run) => run.runners === 0)
  if (local !== undefined) {
    const cpu = local.cpu.runners / local.workflows
    const pg = local.cpu.postgres / local.workflows
    lines.push(
      `In-process tracker: ${(cpu * 1000).toFixed(1)} ms of CPU in its process and ${(pg * 1000).toFixed(1)} ms in PostgreSQL per refund, ` +
        `${(local.pg.commits / local.workflows).toFixed(1)} commits: one Node process (one core) would top out near ${Math.round(1 / cpu)} refunds/s, ` +
        `with PostgreSQL at ${((pg / cpu) * 100).toFixed(0)}% of a core; it does not spread over processes (each follows only what it created or saw).`
    )
  }
  return lines.join("\n")
}
