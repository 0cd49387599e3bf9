/**
 * The webhook receiver benchmark: Refract's receiver as `refract serve` runs it (memory store and
 * PostgreSQL store) next to a floor (a bare `node:http` server that only checks the Stripe HMAC), in
 * one run, in interleaved rounds, each server in its own child process, reported as the median of
 * the rounds and as a ratio to the floor. Every run is verified: every delivery acknowledged (2xx),
 * and every refund in the store with the status its events must lead to and one history entry per
 * event (for PostgreSQL, read back through `PgRefundStore` after the server has stopped).
 *
 *   node packages/bench/src/receiver.ts [--deliveries=20000] [--senders=64] [--rounds=3] [--warmup=2000]
 *                                       [--contenders=floor,refract-memory,refract-postgres] [--cpu-prof=<dir>]
 *
 * (or the same as REFRACT_BENCH_DELIVERIES, _SENDERS, _ROUNDS, _WARMUP, _CONTENDERS, _CPU_PROF;
 * REFRACT_BENCH_DATABASE_URL or REFRACT_TEST_DATABASE_URL for an external PostgreSQL instead of the
 * embedded one). Exits 1 when any verification fails. See packages/bench/README.md.
 */
import { median } from "./Stats.ts"
import { randomBytes } from "node:crypto"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { RefundStore } from "@refract/core"
import { PgRefundStore } from "@refract/store-pg"
import { Effect, Redacted } from "effect"
import * as Ipc from "./receiver/ipc.ts"
import * as Load from "./receiver/load.ts"
import type { Verification } from "./receiver/verify.ts"
import { check, dump } from "./receiver/verify.ts"
import * as Workload from "./receiver/workload.ts"

export type { Verification } from "./receiver/verify.ts"

export type Contender = "floor" | "refract-memory" | "refract-postgres" | "effect-platform"

export const contenders: ReadonlyArray<Contender> = ["floor", "refract-memory", "refract-postgres"]

/** Diagnostic contenders, run only when asked for (see receiver/platform-server.ts). */
export const diagnostic: ReadonlyArray<Contender> = ["effect-platform"]

export interface Options {
  /** Measured deliveries per run. Default 20,000 (5,000 refunds × 4 events). */
  readonly deliveries?: number | undefined
  /** Concurrent senders. Default 64. */
  readonly senders?: number | undefined
  /** Rounds; each contender runs once per round, in a rotating order. Default 3. */
  readonly rounds?: number | undefined
  /** Deliveries (to other refunds) sent before measuring, to warm the server up. Default 2,000. */
  readonly warmup?: number | undefined
  readonly contenders?: ReadonlyArray<Contender> | undefined
  /** A PostgreSQL URL to use instead of starting an embedded server. */
  readonly databaseUrl?: string | undefined
  /** Write a V8 CPU profile of each server child into this directory. */
  readonly cpuProfDir?: string | undefined
  /** Progress lines (default: none). */
  readonly log?: ((line: string) => void) | undefined
}

export interface RunResult {
  readonly contender: Contender
  readonly round: number
  readonly deliveries: number
  readonly acknowledged: number
  readonly elapsedMillis: number
  readonly perSecond: number
  readonly p50Millis: number
  readonly p99Millis: number
  /** The server's resident set after the run, bytes. */
  readonly rssAfter: number
  /** The server's peak resident set, bytes. */
  readonly maxRss: number
  /** Server CPU time per measured delivery, microseconds. */
  readonly cpuMicrosPerDelivery: number
  /** Verification applies to the Refract contenders (the floor keeps no state: only its acknowledgements are checked). */
  readonly verification: Verification
}

export interface Summary {
  readonly contender: Contender
  /** Medians over the rounds. */
  readonly perSecond: number
  readonly p50Millis: number
  readonly p99Millis: number
  readonly rssAfter: number
  readonly maxRss: number
  readonly cpuMicrosPerDelivery: number
  /** perSecond / the floor's perSecond (undefined without a floor). */
  readonly ratioToFloor: number | undefined
  readonly verified: boolean
}

export interface Result {
  readonly options: {
    readonly deliveries: number
    readonly senders: number
    readonly rounds: number
    readonly warmup: number
    readonly contenders: ReadonlyArray<Contender>
    readonly database: string | undefined
  }
  readonly runs: ReadonlyArray<RunResult>
  readonly summary: ReadonlyArray<Summary>
  /** Every run verified. */
  readonly ok: boolean
}

const here = path.dirname(fileURLToPath(import.meta.url))

interface Database {
  readonly url: string
  readonly description: string
  readonly stop: () => Promise<void>
}

const startDatabase = async (options: Options): Promise<Database> => {
  const external = options.databaseUrl
  if (external !== undefined && external !== "") {
    return { url: external, description: "external PostgreSQL", stop: async () => undefined }
  }
  // As the tests do (store-pg's globalSetup): a temporary embedded server (fsync off).
  const Embedded = await import("@refract/store-pg/Embedded")
  const server = await Embedded.start({ database: "refract_bench" })
  return {
    url: Redacted.value(server.url),
    description: `embedded PostgreSQL (temporary cluster, fsync off, as the tests run it), started in ${server.startMillis} ms`,
    stop: server.stop
  }
}

/** Reads the refunds back through PgRefundStore (its own pool; no migration). */
const dumpPostgres = (url: string, schema: string, refundIds: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const store = yield* RefundStore.RefundStore
    return yield* dump(store, refundIds)
  }).pipe(Effect.provide(PgRefundStore.layerUrl(url, { schema, migrate: false })), Effect.runPromise)

const startServer = (contender: Contender, env: Record<string, string>, args: ReadonlyArray<string>, execArgv: ReadonlyArray<string>) =>
  Ipc.start({
    script: path.join(here, "receiver", contender === "floor" ? "floor-server.ts" : contender === "effect-platform" ? "platform-server.ts" : "refract-server.ts"),
    args,
    env,
    execArgv
  })

/** One contender, one round: start its server, warm up, measure, read its stats, verify, stop. */
const runOnce = async (
  contender: Contender,
  round: number,
  o: Options & { readonly senders: number },
  database: Database | undefined,
  workloads: { readonly warm: Workload.Workload; readonly measured: Workload.Workload }
): Promise<RunResult> => {
  const secret = `whsec_${randomBytes(24).toString("base64url")}`
  const schema = `refract_bench_${process.pid}_${round}`
  const args = contender === "refract-postgres" ? ["postgres", database!.url, schema] : contender === "refract-memory" ? ["memory"] : []
  const execArgv = o.cpuProfDir === undefined
    ? []
    : ["--cpu-prof", `--cpu-prof-dir=${o.cpuProfDir}`, `--cpu-prof-name=${contender}-round${round}.cpuprofile`]
  const child = await startServer(contender, { REFRACT_BENCH_SECRET: secret }, args, execArgv)
  try {
    let warm: Load.LoadResult | undefined
    if (workloads.warm.deliveries.length > 0) {
      warm = await Load.run({
        baseUrl: child.url,
        deliveries: workloads.warm.deliveries,
        signatures: Workload.sign(workloads.warm.deliveries, secret),
        senders: o.senders
      })
    }
    const signatures = Workload.sign(workloads.measured.deliveries, secret)
    const cpuBefore = (await child.stats()).cpuMicros
    const load = await Load.run({ baseUrl: child.url, deliveries: workloads.measured.deliveries, signatures, senders: o.senders })
    const stats = await child.stats()
    const extra: Array<string> = []
    for (const [phase, result] of [["warm-up", warm], ["measured", load]] as const) {
      if (result !== undefined && result.acknowledged !== result.deliveries) {
        extra.push(`${phase}: ${result.acknowledged} of ${result.deliveries} deliveries acknowledged (refused: ${JSON.stringify(result.refused)}; e.g. ${result.samples.join(" | ")})`)
      }
    }
    const expected = [...workloads.warm.expected, ...workloads.measured.expected]
    const ids = expected.map((e) => e.refundId)
    const totalDeliveries = workloads.warm.deliveries.length + workloads.measured.deliveries.length
    let verification: Verification
    if (contender === "floor" || contender === "effect-platform") {
      verification = { ok: extra.length === 0, problems: extra, refunds: 0, historyEntries: 0 }
    } else if (contender === "refract-memory") {
      verification = check(await child.dump(ids), expected, extra)
    } else {
      // Stop the server first: what PostgreSQL holds afterwards is what was committed.
      await child.stop()
      verification = check(await dumpPostgres(database!.url, schema, ids), expected, extra)
    }
    if (contender !== "floor" && contender !== "effect-platform" && verification.historyEntries !== totalDeliveries && verification.ok) {
      verification = { ...verification, ok: false, problems: [`${verification.historyEntries} history entries, expected ${totalDeliveries}`] }
    }
    const n = load.deliveries
    return {
      contender,
      round,
      deliveries: n,
      acknowledged: load.acknowledged,
      elapsedMillis: load.elapsedMillis,
      perSecond: n / (load.elapsedMillis / 1000),
      p50Millis: Load.quantile(load.latencies, 0.5),
      p99Millis: Load.quantile(load.latencies, 0.99),
      rssAfter: stats.rss,
      maxRss: stats.maxRss,
      cpuMicrosPerDelivery: (stats.cpuMicros - cpuBefore) / n,
      verification
    }
  } finally {
    await child.stop()
  }
}

/** Runs the benchmark (see the module documentation). */
export const runReceiverBench = async (options: Options = {}): Promise<Result> => {
  const o = {
    ...options,
    deliveries: options.deliveries ?? 20_000,
    senders: options.senders ?? 64,
    rounds: options.rounds ?? 3,
    warmup: options.warmup ?? 2_000,
    contenders: options.contenders ?? contenders
  }
  const log = options.log ?? (() => undefined)
  const workloads = {
    warm: Workload.make({ deliveries: o.warmup, prefix: "warm", seed: 7 }),
    measured: Workload.make({ deliveries: o.deliveries, prefix: "bench", seed: 1 })
  }
  const database = o.contenders.includes("refract-postgres") ? await startDatabase(o) : undefined
  if (database !== undefined) log(`database: ${database.description}`)
  const runs: Array<RunResult> = []
  try {
    for (let round = 1; round <= o.rounds; round++) {
      // Rotate the order, so that no contender always runs first (a cold machine) or last.
      const order = o.contenders.map((_, i) => o.contenders[(i + round - 1) % o.contenders.length]!)
      for (const contender of order) {
        const run = await runOnce(contender, round, o, database, workloads)
        runs.push(run)
        log(
          `round ${round} ${contender.padEnd(16)} ${run.perSecond.toFixed(0).padStart(6)}/s  p50 ${run.p50Millis.toFixed(1)} ms  ` +
            `p99 ${run.p99Millis.toFixed(1)} ms  rss ${(run.rssAfter / 2 ** 20).toFixed(0)} MiB  ${run.verification.ok ? "verified" : `NOT VERIFIED: ${run.verification.problems.join("; ")}`}`
        )
      }
    }
  } finally {
    await database?.stop()
  }
  const floor = runs.filter((r) => r.contender === "floor")
  const floorRate = floor.length === 0 ? undefined : median(floor.map((r) => r.perSecond))
  const summary = o.contenders.map((contender): Summary => {
    const mine = runs.filter((r) => r.contender === contender)
    const perSecond = median(mine.map((r) => r.perSecond))
    return {
      contender,
      perSecond,
      p50Millis: median(mine.map((r) => r.p50Millis)),
      p99Millis: median(mine.map((r) => r.p99Millis)),
      rssAfter: median(mine.map((r) => r.rssAfter)),
      maxRss: median(mine.map((r) => r.maxRss)),
      cpuMicrosPerDelivery: median(mine.map((r) => r.cpuMicrosPerDelivery)),
      ratioToFloor: floorRate === undefined ? undefined : perSecond / floorRate,
      verified: mine.every((r) => r.verification.ok)
    }
  })
  return {
    options: {
      deliveries: o.deliveries,
      senders: o.senders,
      rounds: o.rounds,
      warmup: o.warmup,
      contenders: o.contenders,
      database: database?.description
    },
    runs,
    summary,
    ok: runs.every((r) => r.verification.ok)
  }
}

/** The summary as a text table. */
export const table = (result: Result): string => {
  const rows = [
    ["contender", "deliveries/s", "× floor", "p50 ms", "p99 ms", "RSS after MiB", "peak RSS MiB", "CPU µs/delivery", "verified"],
    ...result.summary.map((s) => [
      s.contender,
      s.perSecond.toFixed(0),
      s.ratioToFloor === undefined ? "-" : s.ratioToFloor.toFixed(2),
      s.p50Millis.toFixed(1),
      s.p99Millis.toFixed(1),
      (s.rssAfter / 2 ** 20).toFixed(0),
      (s.maxRss / 2 ** 20).toFixed(0),
      s.cpuMicrosPerDelivery.toFixed(0),
      s.verified ? "yes" : "NO"
    ])
  ]
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)))
  return rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ")).join("\n")
}

const flag = (name: string, env: string): string | undefined => {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`))
  const value = arg?.slice(name.length + 3) ?? process.env[env]
  return value === undefined || value === "" ? undefined : value
}

const intFlag = (name: string, env: string): number | undefined => {
  const value = flag(name, env)
  if (value === undefined) return undefined
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer, got ${value}`)
  return n
}

if (import.meta.main) {
  const requested = flag("contenders", "REFRACT_BENCH_CONTENDERS")?.split(",").map((s) => s.trim())
  for (const c of requested ?? []) if (![...contenders, ...diagnostic].includes(c as Contender)) throw new Error(`unknown contender ${c} (known: ${[...contenders, ...diagnostic].join(", ")})`)
  const cpuProf = flag("cpu-prof", "REFRACT_BENCH_CPU_PROF")
  const result = await runReceiverBench({
    deliveries: intFlag("deliveries", "REFRACT_BENCH_DELIVERIES"),
    senders: intFlag("senders", "REFRACT_BENCH_SENDERS"),
    rounds: intFlag("rounds", "REFRACT_BENCH_ROUNDS"),
    warmup: intFlag("warmup", "REFRACT_BENCH_WARMUP"),
    contenders: requested as ReadonlyArray<Contender> | undefined,
    databaseUrl: flag("database-url", "REFRACT_BENCH_DATABASE_URL") ?? process.env["REFRACT_TEST_DATABASE_URL"],
    cpuProfDir: cpuProf === undefined ? undefined : path.resolve(cpuProf),
    log: (line) => console.error(line)
  })
  const o = result.options
  console.log(
    `Webhook receiver: ${o.deliveries} signed Stripe deliveries (${Math.ceil(o.deliveries / 4)} refunds × 4 events, some out of order), ` +
      `${o.senders} concurrent senders, median of ${o.rounds} round(s), ${o.warmup} warm-up deliveries; node ${process.version}` +
      (o.database === undefined ? "" : `; ${o.database}`)
  )
  console.log(table(result))
  if (!result.ok) {
    console.log("VERIFICATION FAILED:")
    for (const r of result.runs) if (!r.verification.ok) console.log(`  ${r.contender} round ${r.round}: ${r.verification.problems.join("; ")}`)
    process.exitCode = 1
  }
}

/** The issue's goals for the receiver, PASS/FAIL from this run's medians. */
export const receiverGoals = (result: Result): string => {
  const of = (c: Contender) => result.summary.find((s) => s.contender === c)
  const lines: Array<string> = ["## Goals", ""]
  const check = (ok: boolean, what: string) => lines.push(`${ok ? "PASS" : "FAIL"}  ${what}`)
  const memory = of("refract-memory")
  if (memory !== undefined && memory.ratioToFloor !== undefined) {
    check(memory.ratioToFloor >= 0.5, `memory store: ≥ 0.5× the HMAC floor: ${memory.ratioToFloor.toFixed(2)}×`)
    check(memory.p99Millis <= 20, `memory store: p99 ≤ 20 ms at 64 senders: ${memory.p99Millis.toFixed(1)} ms`)
  }
  const postgres = of("refract-postgres")
  if (postgres !== undefined) {
    check(postgres.perSecond >= 2_000, `PostgreSQL: ≥ 2,000 deliveries/s: ${postgres.perSecond.toFixed(0)}/s`)
    check(postgres.p99Millis <= 50, `PostgreSQL: p99 ≤ 50 ms: ${postgres.p99Millis.toFixed(1)} ms`)
  }
  for (const s of result.summary) check(s.verified, `${s.contender}: every delivery acknowledged and its effect found in the store`)
  return lines.join("\n")
}
