/**
 * The campaign at its long setting: `npm run campaign -- [--seed N] [--refunds N] [--faults 0.2]
 * [--restarts N] [--reversal ms] [--processors stripe,adyen]`. Prints the figures; exits 1 when an invariant breaks.
 * Runs against REFRACT_TEST_DATABASE_URL when set, else against an embedded PostgreSQL in a
 * temporary directory (stopped and deleted at the end).
 */
import { parseArgs } from "node:util"
import { forTests } from "@refract/store-pg/Embedded"
import * as Campaign from "./Campaign.ts"

const { values } = parseArgs({
  options: {
    seed: { type: "string", default: "20261204" },
    refunds: { type: "string", default: "300" },
    faults: { type: "string", default: "0.2" },
    restarts: { type: "string", default: "4" },
    reversal: { type: "string", default: "7200000" },
    processors: { type: "string" }
  }
})

const database = await forTests()
// Ctrl-C or a kill stops the embedded PostgreSQL too (Node runs no exit hook on a signal by default).
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    console.error(`campaign: ${signal}, stopping PostgreSQL`)
    void database.stop().finally(() => process.exit(130))
  })
}
const report = await Campaign.run({
  seed: Number(values.seed),
  refundsPerProcessor: Number(values.refunds),
  faultRate: Number(values.faults),
  restarts: Number(values.restarts),
  processors: values.processors?.split(","),
  arrivalWindowMillis: 60 * 60_000,
  reversalAfterMillis: Number(values.reversal),
  databaseUrl: database.url,
  log: (line) => console.error(`campaign: ${line}`)
}).finally(database.stop)
console.log(Campaign.describe(report))
const broken = [report.doubles, report.orphans, report.phantoms, report.regressions, report.wrongFinalStates, report.unresolved]
for (const list of broken) for (const line of list.slice(0, 20)) console.log(`  ${line}`)
process.exit(broken.some((l) => l.length > 0) ? 1 : 0)
