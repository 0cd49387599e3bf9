/**
 * The sample report in docs/reconciliation.md: a small book in the Stripe emulator, a ledger that
 * disagrees with it once in each way, and `refract reconcile` run on them as a user would.
 *
 *   node packages/cli/scripts/reconcile-sample.ts            # the summary
 *   node packages/cli/scripts/reconcile-sample.ts --format csv
 */
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { StripeEmulator } from "@refract/testkit"

const day = 86_400_000
const emulator = await StripeEmulator.start({ port: 0, clock: "manual" })
const now = emulator.clock.now()
const refund = (i: number, fields: { status?: string; ageDays?: number; mrid?: string | null; amount?: number }) => ({
  amount: fields.amount ?? 1000 + i * 250,
  currency: "eur",
  status: fields.status ?? "succeeded",
  createdAt: now - (fields.ageDays ?? 2) * day - i * 60_000,
  metadata: fields.mrid === null ? {} : { merchant_refund_id: fields.mrid ?? `order-${1000 + i}-r1` }
})
const processor = [
  ...Array.from({ length: 12 }, (_, i) => refund(i, {})),
  refund(12, { amount: 4500 }), // amount mismatch: the books say 45.50
  refund(13, { status: "failed" }), // status mismatch: the books say succeeded
  refund(14, { mrid: null }), // made in the dashboard: missing in the ledger
  refund(15, {}),
  refund(15, { ageDays: 1 }), // the same merchant refund id refunded twice
  refund(16, { status: "pending", ageDays: 20 }) // pending for 20 days
]
await emulator.seedRefunds(processor)
const ledger = [
  "merchant_refund_id,amount,currency,status",
  ...Array.from({ length: 12 }, (_, i) => `order-${1000 + i}-r1,${((1000 + i * 250) / 100).toFixed(2)},EUR,succeeded`),
  "order-1012-r1,45.50,EUR,succeeded",
  "order-1013-r1,42.50,EUR,succeeded",
  `order-1015-r1,${((1000 + 15 * 250) / 100).toFixed(2)},EUR,succeeded`,
  `order-1016-r1,${((1000 + 16 * 250) / 100).toFixed(2)},EUR,pending`,
  "order-1017-r1,12.00,EUR,succeeded", // never reached Stripe: missing at the processor
  "order-1018-r1,12.00,EUR,succeded" // a typo: an unreadable row
].join("\n")
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "refract-sample-"))
const file = path.join(dir, "refunds-november.csv")
fs.writeFileSync(file, `${ledger}\n`)
const bin = fileURLToPath(new URL("../src/bin.ts", import.meta.url))
const format = process.argv.includes("--format") ? process.argv[process.argv.indexOf("--format") + 1]! : "summary"
try {
  // Asynchronously: the emulator answers from this process's event loop. Exit code 3 (discrepancies) is the point.
  await new Promise((resolve) =>
    spawn(process.execPath, [bin, "reconcile", "--connector", "stripe", "--base-url", emulator.url, "--from", "30d", "--rate", "unlimited",
      "--ledger", file, "--format", format, "--workspace", path.join(dir, "ws")], {
      env: { ...process.env, STRIPE_API_KEY: emulator.credentials["apiKey"]! },
      stdio: ["ignore", "inherit", "inherit"]
    }).on("exit", resolve)
  )
} finally {
  await emulator.close()
  fs.rmSync(dir, { recursive: true, force: true })
}
