/**
 * `refract reconcile` against a Stripe emulator started here: the report in each format, the exit
 * code that says whether anything differs, and the usage errors that stop it before any request.
 */
import { StripeEmulator } from "@refract/testkit"
import type { EmulatorHandle } from "@refract/testkit"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { spawn } from "node:child_process"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { bin, cleanEnv, packageDir, run } from "./helpers.ts"

let emulator: EmulatorHandle
let env: Record<string, string>
let dir: string
const ids: Record<string, string> = {}

const refund = async (payment: string, amount: number, merchantRefundId?: string): Promise<string> => {
  const body = new URLSearchParams({ payment_intent: payment, amount: String(amount) })
  if (merchantRefundId !== undefined) body.set("metadata[merchant_refund_id]", merchantRefundId)
  const response = await fetch(`${emulator.url}/v1/refunds`, {
    method: "POST",
    headers: { authorization: `Bearer ${env["STRIPE_API_KEY"]}`, "content-type": "application/x-www-form-urlencoded" },
    body
  })
  const json = await response.json() as { id: string }
  expect(response.status).toBe(200)
  return json.id
}

beforeAll(async () => {
  emulator = await StripeEmulator.start({ port: 0, clock: "manual" })
  env = { STRIPE_API_KEY: emulator.credentials["apiKey"]! }
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "refract-cli-reconcile-"))
  const payment = () => emulator.createPayment({ amount: 10_000, currency: "EUR" })
  ids["ok"] = await refund(await payment(), 1000, "rec-ok")
  ids["amount"] = await refund(await payment(), 2000, "rec-amount")
  ids["pending"] = await refund(await payment(), 300, "rec-pending")
  ids["dashboard"] = await refund(await payment(), 700)
  for (const key of ["ok", "amount", "dashboard"]) await emulator.advance(ids[key]!)
  fs.writeFileSync(
    path.join(dir, "ledger.csv"),
    [
      "merchant_refund_id,amount,currency,status",
      "rec-ok,10.00,EUR,succeeded",
      "rec-amount,25.00,EUR,succeeded",
      "rec-pending,3.00,EUR,pending",
      "rec-lost,1.00,EUR,succeeded"
    ].join("\n") + "\n"
  )
  fs.writeFileSync(path.join(dir, "clean.csv"), "merchant_refund_id,amount_minor,currency,status\nrec-ok,1000,EUR,succeeded\n")
}, 60_000)

afterAll(async () => {
  await emulator?.close()
  fs.rmSync(dir, { recursive: true, force: true })
})

const reconcile = (args: ReadonlyArray<string>) =>
  run(
    ["reconcile", "--connector", "stripe", "--base-url", emulator.url, "--from", "2d", "--rate", "unlimited", "--workspace", path.join(dir, `ws-${Math.random().toString(36).slice(2)}`), ...args],
    env,
    60_000
  )

describe("refract reconcile", () => {
  it("reports every discrepancy as JSON and exits 3", async () => {
    const result = await reconcile(["--ledger", path.join(dir, "ledger.csv"), "--format", "json"])
    expect(result.code).toBe(3)
    expect(result.stderr).toContain("3 discrepancies in Stripe refunds")
    expect(result.output).not.toContain(env["STRIPE_API_KEY"])
    const report = JSON.parse(result.stdout) as {
      summary: { counts: Record<string, number>; ledgerRows: number; processorRefunds: number }
      findings: Array<{ kind: string; merchantRefundId?: string; processor: Array<{ connectorRefundId: string; settlement?: { traceReference?: string } }> }>
    }
    expect(report.summary.counts).toMatchObject({ matched: 2, amount_mismatch: 1, missing_at_processor: 1, missing_in_ledger: 1 })
    expect(report.summary.ledgerRows).toBe(4)
    expect(report.summary.processorRefunds).toBe(4)
    const byKind = Object.fromEntries(report.findings.map((f) => [f.kind, f]))
    expect(byKind["amount_mismatch"]?.merchantRefundId).toBe("rec-amount")
    expect(byKind["missing_at_processor"]?.merchantRefundId).toBe("rec-lost")
    expect(byKind["missing_in_ledger"]?.processor[0]?.connectorRefundId).toBe(ids["dashboard"])
    // The emulator shows the ARN once a refund succeeded: it reaches the report.
    expect(byKind["missing_in_ledger"]?.processor[0]?.settlement?.traceReference).toMatch(/^\d+$/)
  })

  it("writes CSV to a file and a readable summary", async () => {
    const out = path.join(dir, "report.csv")
    const csv = await reconcile(["--ledger", path.join(dir, "ledger.csv"), "--format", "csv", "--out", out])
    expect(csv.code).toBe(3)
    const lines = fs.readFileSync(out, "utf8").trim().split("\r\n")
    expect(lines[0]).toMatch(/^kind,merchant_refund_id,/)
    expect(lines.slice(1).map((l) => l.split(",")[0]).toSorted()).toEqual(["amount_mismatch", "missing_at_processor", "missing_in_ledger"])
    const summary = await reconcile(["--ledger", path.join(dir, "ledger.csv")])
    expect(summary.code).toBe(3)
    expect(summary.stdout).toMatch(/Reconciliation of stripe/)
    expect(summary.stdout).toMatch(/2\s+matched/)
    expect(summary.stdout).toMatch(/rec-amount: ledger 25\.00 EUR succeeded?; processor re_\w+ 20\.00 EUR succeeded;/i)
  })

  it("exits 0 when the books agree", async () => {
    const clean = await run(
      ["reconcile", "--connector", "stripe", "--base-url", emulator.url, "--from", "2d", "--rate", "unlimited", "--ledger", path.join(dir, "clean.csv"), "--format", "json",
        "--workspace", path.join(dir, "ws-clean")],
      env,
      60_000
    )
    // Three processor refunds are not in this ledger: still discrepancies.
    expect(clean.code).toBe(3)
    const report = JSON.parse(clean.stdout) as { summary: { counts: Record<string, number> } }
    expect(report.summary.counts["matched"]).toBe(1)
    const allLedger = path.join(dir, "all.csv")
    fs.writeFileSync(allLedger, [
      "merchant_refund_id,amount_minor,currency,status,connector_refund_id",
      "rec-ok,1000,EUR,succeeded,",
      "rec-amount,2000,EUR,succeeded,",
      "rec-pending,300,EUR,pending,",
      `dash-1,700,EUR,succeeded,${ids["dashboard"]}`
    ].join("\n") + "\n")
    const agreed = await run(
      ["reconcile", "--connector", "stripe", "--base-url", emulator.url, "--from", "2d", "--rate", "unlimited", "--ledger", allLedger, "--workspace", path.join(dir, "ws-agreed")],
      env,
      60_000
    )
    expect(agreed.stdout).toContain("No discrepancies.")
    expect(agreed.code).toBe(0)
  })

  it("refuses bad invocations before any request", async () => {
    const before = emulator.requests().length
    const cases: ReadonlyArray<readonly [ReadonlyArray<string>, RegExp]> = [
      [["reconcile", "--connector", "stripe", "--base-url", emulator.url], /exactly one ledger/],
      [["reconcile", "--connector", "stripe", "--base-url", emulator.url, "--ledger", path.join(dir, "nope.csv")], /not a readable file/],
      [["reconcile", "--connector", "stripe", "--base-url", emulator.url, "--ledger", path.join(dir, "ledger.csv"), "--from", "yesterday"], /--from must be/],
      [["reconcile", "--connector", "stripe", "--base-url", emulator.url, "--ledger", path.join(dir, "ledger.csv"), "--from", "1d", "--to", "2d"], /before --to/],
      [["reconcile", "--connector", "stripe", "--base-url", emulator.url, "--ledger", path.join(dir, "ledger.csv"), "--apply", "--dry-run"], /contradict/],
      [["reconcile", "--connector", "checkout", "--ledger", path.join(dir, "ledger.csv")], /cannot be reconciled|cannot list/],
      [["reconcile", "--connector", "nopay", "--ledger", path.join(dir, "ledger.csv")], /unknown connector/]
    ]
    for (const [args, message] of cases) {
      const result = await run(args, env)
      expect(result.code, args.join(" ")).toBe(2)
      expect(result.stderr).toMatch(message)
    }
    expect(emulator.requests().length).toBe(before)
  })
})

describe("refract reconcile, interrupted", () => {
  it("resumes after kill -9 from its on-disk checkpoint, with the answer of an uninterrupted run", async () => {
    const big = await StripeEmulator.start({ port: 0, clock: "manual" })
    try {
      const now = big.clock.now()
      const n = 40_000
      const items = Array.from({ length: n }, (_, i) => ({
        amount: 100 + i,
        currency: "eur",
        status: "succeeded",
        createdAt: now - 60_000 - i * 1000,
        metadata: { merchant_refund_id: `big-${i}` }
      }))
      await big.seedRefunds(items)
      // Every 400th refund is off by one cent in the books, every 1000th is missing from them.
      const rows = items.flatMap((item, i) =>
        i % 1000 === 999 ? [] : [`big-${i},${item.amount + (i % 400 === 7 ? 1 : 0)},EUR,succeeded`]
      )
      const ledger = path.join(dir, "big.csv")
      fs.writeFileSync(ledger, `merchant_refund_id,amount_minor,currency,status\n${rows.join("\n")}\n`)
      const workspace = path.join(dir, "ws-big")
      const argv = [
        bin, "reconcile", "--connector", "stripe", "--base-url", big.url, "--from", "2d", "--rate", "unlimited", "--concurrency", "1",
        "--ledger", ledger, "--format", "json", "--workspace", workspace
      ]
      const envBig = cleanEnv({ STRIPE_API_KEY: big.credentials["apiKey"]!, NODE_OPTIONS: "--max-semi-space-size=8" })
      // The first run is killed (SIGKILL, its whole process group) once it has read part of the listing.
      await new Promise<void>((resolve, reject) => {
        const child = spawn(process.execPath, argv, { cwd: packageDir, env: envBig, stdio: ["ignore", "ignore", "pipe"], detached: true })
        let stderr = ""
        child.stderr.setEncoding("utf8").on("data", (d: string) => {
          stderr += d
          if (/processor [1-9][\d,]* /.test(stderr) && fs.existsSync(path.join(workspace, "checkpoint.json"))) process.kill(-child.pid!, "SIGKILL")
        })
        child.on("exit", (_code, signal) => (signal === "SIGKILL" ? resolve() : reject(new Error(`not killed: ${signal} ${stderr}`))))
      })
      const checkpoint = JSON.parse(fs.readFileSync(path.join(workspace, "checkpoint.json"), "utf8")) as { phase: string; pages: number }
      expect(checkpoint.phase).toBe("partition")
      const resumed = await run(argv.slice(1), { STRIPE_API_KEY: big.credentials["apiKey"]!, NODE_OPTIONS: "--max-semi-space-size=8" }, 120_000)
      expect(resumed.stderr, resumed.stderr).toContain("resuming the reconciliation")
      expect(resumed.code, resumed.stderr).toBe(3)
      expect(resumed.code).toBe(3)
      const report = JSON.parse(resumed.stdout) as { summary: { counts: Record<string, number>; processorRefunds: number; ledgerRows: number; resumed: boolean } }
      expect(report.summary.resumed).toBe(true)
      expect(report.summary.processorRefunds).toBe(n)
      expect(report.summary.ledgerRows).toBe(rows.length)
      expect(report.summary.counts).toMatchObject({ matched: n - 100 - 40, amount_mismatch: 100, missing_in_ledger: 40, missing_at_processor: 0, duplicate: 0 })
      expect(fs.existsSync(workspace)).toBe(false)
    } finally {
      await big.close()
    }
  }, 180_000)
})
