/**
 * `refract serve` is durable by default: its state lives in an embedded PostgreSQL in `--data-dir`,
 * and a refund (with its de-duplication records) recorded by one server is known to the next one
 * started on the same directory. Also: how the store flags are checked (exit 2 for configuration).
 */
import { execFileSync } from "node:child_process"
import { chmodSync, existsSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"
import { RefundStore } from "@refract/core"
import { PgRefundStore } from "@refract/store-pg"
import * as Embedded from "@refract/store-pg/Embedded"
import { Loopback } from "@refract/testkit"
import { afterAll, describe, expect, it } from "vitest"
import { run, start, waitForOutput } from "./helpers.ts"

const json = async (url: string, init?: RequestInit) => {
  const response = await fetch(url, { ...init, headers: { "content-type": "application/json", ...init?.headers } })
  return { status: response.status, body: await response.json() as any }
}

const until = async (check: () => boolean, what: string, timeoutMillis = 30_000) => {
  const deadline = Date.now() + timeoutMillis
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

/** Processes whose command line mentions `dir` (a postgres left running on the data directory). */
const processesOn = (dir: string): Array<string> =>
  execFileSync("ps", ["-eo", "pid=,args="], { encoding: "utf8" }).split("\n").filter((line) => line.includes(dir))

const { freePort } = Loopback

const base = mkdtempSync(join(tmpdir(), "refract-serve-test-"))
// Under root, PostgreSQL runs as an unprivileged user, which must be able to reach the data directory.
chmodSync(base, 0o755)
afterAll(() => rmSync(base, { recursive: true, force: true }))

/** Starts `refract serve` on `dataDir`, resolves once it is up, with its output so far (kept up to date). */
const serve = async (dataDir: string, port: number, env: Record<string, string>) => {
  const child = start(["serve", "--port", String(port), "--data-dir", dataDir], env)
  const output = { text: "" }
  child.stdout.setEncoding("utf8").on("data", (d: string) => (output.text += d))
  const banner = await waitForOutput(child, /Press Ctrl-C to stop/, 90_000)
  const url = /listening\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(banner)![1]!
  const stop = async () => {
    const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)))
    child.kill("SIGTERM")
    return exited
  }
  return { child, banner, url, output, stop }
}

describe("refract serve, durable by default", () => {
  it("a refund and its de-duplication records survive a restart on the same --data-dir", async () => {
    const dataDir = join(base, "data")
    const emulator = start(["emulator", "stripe", "--port", "0"])
    const servers: Array<Awaited<ReturnType<typeof serve>>> = []
    try {
      const banner = await waitForOutput(emulator, /Press Ctrl-C to stop/)
      const url = /base URL\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(banner)![1]!
      const secret = /STRIPE_WEBHOOK_SECRET=(whsec_\S+)/.exec(banner)![1]!
      const env = { STRIPE_API_KEY: "sk_test_emulator", STRIPE_BASE_URL: url, STRIPE_WEBHOOK_SECRET: secret }

      // First run: the cluster is created, the refund recorded from its refund.created webhook.
      // One port for both runs, as a restarted server keeps its webhook URL.
      const port = await freePort()
      const first = await serve(dataDir, port, env)
      servers.push(first)
      expect(first.banner).toContain(`embedded PostgreSQL, durable in ${dataDir}`)
      expect((await json(`${url}/__emulator/webhook-url`, { method: "PUT", body: JSON.stringify({ url: `${first.url}/webhooks/stripe` }) })).status).toBe(200)
      const payment = (await json(`${url}/__emulator/payments`, { method: "POST", body: JSON.stringify({ amount: 5000, currency: "USD" }) })).body.id as string
      const created = await run(
        ["refunds", "create", "--connector", "stripe", "--payment", payment, "--amount", "1500", "--currency", "USD", "--merchant-refund-id", "durable-1", "--json"],
        env
      )
      expect(created.code, created.stderr).toBe(0)
      const refundId = JSON.parse(created.stdout).connectorRefundId as string
      await until(() => new RegExp(`${refundId}\\s+\\(new\\) -> Pending .*via webhook`).test(first.output.text), "the refund.created webhook")
      // The same delivery once more, signed as the processor would: accepted, and recorded once.
      const pendingDelivery = (await json(`${url}/__emulator/refunds/${refundId}/webhook`)).body as { headers: Record<string, string>; body: string }
      expect((await fetch(`${first.url}/webhooks/stripe`, { method: "POST", headers: pendingDelivery.headers, body: pendingDelivery.body })).status).toBe(200)

      expect(await first.stop()).toBe(0)
      // The embedded server stopped with it.
      expect(processesOn(dataDir)).toEqual([])
      expect(existsSync(join(dataDir, "postgres", "postmaster.pid"))).toBe(false)

      // Second run on the same directory: the refund is known, so its settlement (by webhook or by the
      // tracker's poll of refunds it resumed; the emulator may have settled it meanwhile) is a change from
      // Pending, never a "(new)" refund.
      const second = await serve(dataDir, port, env)
      servers.push(second)
      await json(`${url}/__emulator/refunds/${refundId}/advance`, { method: "POST" })
      await until(() => new RegExp(`${refundId}\\s+Pending -> Succeeded`).test(second.output.text), "the refund to settle")
      expect(second.output.text).not.toMatch(new RegExp(`${refundId}\\s+\\(new\\)`))
      // The first run's delivery again: a duplicate, nothing changes.
      expect((await fetch(`${second.url}/webhooks/stripe`, { method: "POST", headers: pendingDelivery.headers, body: pendingDelivery.body })).status).toBe(200)
      expect(await second.stop()).toBe(0)
      expect(processesOn(dataDir)).toEqual([])

      // What is on disk: the refund as settled, and the de-duplication record of every refund.* event a
      // server acknowledged (charge.* events are keyed per refund, `evt:re`), the first run's included.
      const events = ((await json(`${url}/__emulator/events`)).body.data as Array<{ id: string; type: string; refundId: string; acknowledged: boolean }>)
        .filter((e) => e.refundId === refundId && e.acknowledged && e.type.startsWith("refund."))
      expect(events.map((e) => e.type)).toContain("refund.created")
      const server = await Embedded.start({ dataDir })
      try {
        const found = await Effect.runPromise(
          Effect.gen(function*() {
            const store = yield* RefundStore.RefundStore
            const refund = yield* store.get({ connector: "stripe", connectorRefundId: refundId })
            const seen = yield* Effect.forEach(events, (e) => store.hasEvent("stripe", e.id))
            const history = yield* store.history({ connector: "stripe", connectorRefundId: refundId })
            return { status: refund._tag === "Some" ? refund.value.status : "missing", seen, history: history.length }
          }).pipe(Effect.provide(PgRefundStore.layerUrl(server.url)))
        )
        expect(found.status).toBe("Succeeded")
        expect(found.seen).toEqual(events.map(() => true))
        expect(found.history).toBeGreaterThanOrEqual(2)
      } finally {
        await server.stop()
      }
    } finally {
      for (const s of servers) if (s.child.exitCode === null) s.child.kill("SIGKILL")
      emulator.kill("SIGKILL")
    }
  }, 180_000)

  it("refuses a malformed --database-url or REFRACT_DATABASE_URL with exit 2, never echoing it", async () => {
    const env = { STRIPE_API_KEY: "sk_test_abc", STRIPE_WEBHOOK_SECRET: "whsec_test_abc" }
    const flag = await run(["serve", "--port", "0", "--database-url", "not a url SECRET-1"], env)
    expect(flag.code).toBe(2)
    expect(flag.stderr).toMatch(/not a PostgreSQL URL/)
    expect(flag.output).not.toContain("SECRET-1")
    const scheme = await run(["serve", "--port", "0", "--database-url", "mysql://u:SECRET-2@localhost/db"], env)
    expect(scheme.code).toBe(2)
    expect(scheme.stderr).toMatch(/not postgres or postgresql/)
    expect(scheme.output).not.toContain("SECRET-2")
    const variable = await run(["serve", "--port", "0"], { ...env, REFRACT_DATABASE_URL: "postgres//SECRET-3" })
    expect(variable.code).toBe(2)
    expect(variable.stderr).toMatch(/REFRACT_DATABASE_URL is not a PostgreSQL URL/)
    expect(variable.output).not.toContain("SECRET-3")
  })

  it("refuses contradictory store flags with exit 2", async () => {
    const env = { STRIPE_API_KEY: "sk_test_abc", STRIPE_WEBHOOK_SECRET: "whsec_test_abc" }
    const both = await run(["serve", "--port", "0", "--store", "memory", "--database-url", "postgres://localhost/x"], env)
    expect(both.code).toBe(2)
    expect(both.stderr).toMatch(/--database-url contradicts --store memory/)
    const dir = await run(["serve", "--port", "0", "--store", "memory", "--data-dir", join(base, "unused")], env)
    expect(dir.code).toBe(2)
    expect(dir.stderr).toMatch(/--data-dir applies to --store embedded/)
    const missing = await run(["serve", "--port", "0", "--store", "postgres"], env)
    expect(missing.code).toBe(2)
    expect(missing.stderr).toMatch(/needs --database-url or REFRACT_DATABASE_URL/)
    expect(existsSync(join(base, "unused"))).toBe(false)
  })
})
