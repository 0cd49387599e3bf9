/**
 * Process orchestration for the multi-runner tests: fresh databases, runner processes (`refract
 * serve --cluster`, the way users run them), shard ownership read from PostgreSQL, and polling
 * helpers. Free ports and the webhook load balancer come from the testkit (`Loopback`).
 */
import { PgClient } from "@effect/sql-pg"
import { Effect, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { Loopback } from "@refract/testkit"
import { spawn } from "node:child_process"
import type { ChildProcess } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

export const cliBin = fileURLToPath(new URL("../../cli/src/bin.ts", import.meta.url))
const cliDir = fileURLToPath(new URL("../../cli/", import.meta.url))

export const { freePort, startBalancer } = Loopback

export const sleep = (millis: number) => new Promise((resolve) => setTimeout(resolve, millis))

/** Resolves once `check` returns a value other than undefined (checked every `every` ms). */
export const until = async <A>(check: () => Promise<A | undefined> | A | undefined, what: string, timeoutMillis: number, every = 200): Promise<A> => {
  const deadline = Date.now() + timeoutMillis
  while (true) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMillis} ms waiting for ${what}`)
    await sleep(every)
  }
}

/** Runs statements against `url` on a short-lived pool. */
export const query = <A extends object = Record<string, unknown>>(url: string, text: string, params: ReadonlyArray<unknown> = []) =>
  Effect.gen(function*() {
    const sql = (yield* SqlClient.SqlClient).withoutTransforms()
    return yield* sql.unsafe<A>(text, params as Array<unknown>)
  }).pipe(Effect.provide(PgClient.layer({ url: Redacted.make(url), maxConnections: 1 })), Effect.scoped, Effect.runPromise)

/** A new empty database on the server of `url`; returns its URL. */
export const freshDatabase = async (url: string, name: string): Promise<string> => {
  await query(url, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
  await query(url, `CREATE DATABASE ${name}`)
  const u = new URL(url)
  u.pathname = `/${name}`
  return u.toString()
}

/** Shard locks held, by backend pid (Effect Cluster holds one advisory lock per shard). */
export const shardOwners = async (url: string): Promise<Map<number, number>> => {
  const rows = await query<{ pid: number; n: string }>(
    url,
    "SELECT pid, count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 2 GROUP BY pid"
  )
  return new Map(rows.map((r) => [Number(r.pid), Number(r.n)]))
}

/** Waits until `owners` runners together hold all `shards` shards; returns the milliseconds it took. */
export const shardsHeldBy = async (url: string, owners: number, shards = 300, timeoutMillis = 90_000): Promise<number> => {
  const started = Date.now()
  await until(async () => {
    const held = await shardOwners(url)
    const total = [...held.values()].reduce((a, b) => a + b, 0)
    return held.size === owners && total === shards ? true : undefined
  }, `${shards} shards held by ${owners} runners`, timeoutMillis, 100)
  return Date.now() - started
}

export interface Runner {
  readonly name: string
  readonly httpPort: number
  readonly runnerPort: number
  child: ChildProcess
  readonly log: string
  readonly ready: Promise<void>
  readonly kill: (signal: NodeJS.Signals) => Promise<void>
  alive: boolean
}

/** Starts `refract serve --cluster` as a child process; its output goes to a log file. */
export const startRunner = (options: {
  readonly name: string
  readonly databaseUrl: string
  readonly httpPort: number
  readonly runnerPort: number
  readonly args: ReadonlyArray<string>
  readonly env: Readonly<Record<string, string>>
  readonly logDir: string
}): Runner => {
  const log = path.join(options.logDir, `${options.name}.log`)
  const out = fs.openSync(log, "a")
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !/^(STRIPE|ADYEN|REFRACT|OTEL|HOST|PORT)_?/.test(k)) env[k] = v
  const child = spawn(process.execPath, [
    cliBin,
    "serve",
    "--cluster",
    "--database-url",
    options.databaseUrl,
    "--port",
    String(options.httpPort),
    "--runner-port",
    String(options.runnerPort),
    ...options.args
  ], { cwd: cliDir, env: { ...env, NO_COLOR: "1", ...options.env }, stdio: ["ignore", out, out] })
  fs.closeSync(out)
  const runner: Runner = {
    name: options.name,
    httpPort: options.httpPort,
    runnerPort: options.runnerPort,
    child,
    log,
    alive: true,
    ready: until(() => (fs.readFileSync(log, "utf8").includes("Press Ctrl-C to stop") ? true : undefined), `${options.name} to start`, 90_000, 100)
      .then(() => undefined),
    kill: (signal) =>
      new Promise((resolve) => {
        runner.alive = false
        if (child.exitCode !== null || child.signalCode !== null) return resolve()
        child.once("exit", () => resolve())
        child.kill(signal)
      })
  }
  child.once("exit", () => (runner.alive = false))
  return runner
}
