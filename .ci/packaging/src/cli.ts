/**
 * The installed `refract` binary, run by this Node (process.execPath): `emulator stripe` on an
 * ephemeral loopback port, then `refunds create` and `refunds get` against it, with --json.
 */
import { spawnSync } from "node:child_process"
import { check, deadline, refractBin, startStripeEmulator } from "./check.js"

deadline(90_000, "cli")
console.log(`cli (Node ${process.version})`)
const bin = refractBin()

const refract = (args: ReadonlyArray<string>, env: Record<string, string> = {}, expected = 0) => {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: "utf8", env: { ...process.env, ...env }, timeout: 30_000 })
  if (r.status !== expected) console.error(`refract ${args.join(" ")} exited ${r.status}\n${r.stdout}\n${r.stderr}`)
  return r
}

const version = refract(["--version"])
check(version.status === 0 && version.stdout.trim().length > 0, `refract --version (${version.stdout.trim()})`)
const connectors = refract(["connectors", "--json"])
check(connectors.status === 0 && connectors.stdout.includes("stripe"), "refract connectors --json lists stripe")
const usage = refract(["refunds", "get", "--connector", "nope", "--id", "re_1"], {}, 2)
check(usage.status === 2, `a usage error exits 2 (${usage.status}): ${usage.stderr.trim()}`)

const started = await startStripeEmulator(process.execPath, bin)
const emulator = started.process
try {
  const baseUrl = started.baseUrl
  check(true, `refract emulator stripe listens on ${baseUrl}`)
  const env = { STRIPE_API_KEY: "sk_test_emulator", STRIPE_BASE_URL: baseUrl }

  const payment = (await (await fetch(`${baseUrl}/__emulator/payments`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ amount: 2500, currency: "USD" })
  })).json()) as { id?: string }
  check(typeof payment.id === "string", `the control API created payment ${payment.id}`)

  const created = refract(
    ["refunds", "create", "--connector", "stripe", "--payment", payment.id!, "--amount", "1000", "--currency", "USD",
      "--merchant-refund-id", "packaging-cli-1", "--json"],
    env
  )
  check(created.status === 0, "refract refunds create exits 0")
  const refund = JSON.parse(created.stdout) as Record<string, unknown>
  const refundId = String(refund["connectorRefundId"] ?? refund["id"])
  check(/^re_/.test(refundId), `it printed the refund as JSON (${refundId}, ${String(refund["simpleStatus"])})`)

  await new Promise((r) => setTimeout(r, 500))
  const got = refract(["refunds", "get", "--connector", "stripe", "--id", refundId, "--json"], env)
  check(got.status === 0, "refract refunds get exits 0")
  const read = JSON.parse(got.stdout) as Record<string, unknown>
  check(read["simpleStatus"] === "SUCCEEDED", `refunds get reads it back SUCCEEDED (${String(read["simpleStatus"])})`)
} finally {
  const exited = new Promise<number | null>((r) => emulator.on("exit", r))
  emulator.kill("SIGINT")
  const code = await exited
  check(code === 0, `refract emulator stops with 0 on SIGINT (${code})`)
}
console.log("cli: passed")
