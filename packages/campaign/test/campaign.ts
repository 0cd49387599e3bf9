/**
 * The bounded campaign `npm test` runs: every connector, faults of every kind, adversarial webhook
 * delivery, receiver restarts over the PostgreSQL store. `npm run campaign` runs the long setting.
 *
 * Two settings: reversals 45 s after success, so the success and the failure race each other
 * through late and repeated webhooks and polls; and reversals hours later, found by the tracker's
 * low-rate watch.
 */
import { assert, describe, inject, it } from "vitest"
import { Campaign } from "@refract/campaign"

// The run's PostgreSQL (test/globalSetup.ts: embedded, or REFRACT_TEST_DATABASE_URL).
const databaseUrl = inject("databaseUrl")

const settings = [
  { seed: 22, reversalAfterMillis: 45_000 },
  { seed: 7, reversalAfterMillis: 2 * 3_600_000 }
]

describe("campaign", () => {
  for (const setting of settings) {
    it(`keeps every promise under faults, adversarial webhooks and restarts (seed ${setting.seed}, reversals after ${setting.reversalAfterMillis / 1000} s)`, async () => {
      const report = await Campaign.run({
        ...setting,
        refundsPerProcessor: 15,
        faultRate: 0.25,
        restarts: 2,
        databaseUrl,
        log: (line) => console.log(`campaign: ${line}`)
      })
      console.log(Campaign.describe(report))
      assert.deepStrictEqual(report.doubles, [], "double refunds")
      assert.deepStrictEqual(report.orphans, [], "refunds at a processor the application does not know")
      assert.deepStrictEqual(report.phantoms, [], "refunds the application believes in that the processor does not have")
      assert.deepStrictEqual(report.regressions, [], "regressions")
      assert.deepStrictEqual(report.wrongFinalStates, [], "final states that differ from the processor's truth")
      assert.deepStrictEqual(report.unresolved, [], "refunds the application could not resolve")
      assert.deepStrictEqual(report.refused, [], "refunds refused although every request was valid")
      assert.strictEqual(report.refunds, 15 * report.processors.length)
      assert.strictEqual(report.atProcessors, 15 * report.processors.length)
      assert.isAbove(report.faults, 0, "faults were injected")
      assert.strictEqual(report.restarts, 2)
      assert.isAbove(report.duplicateDeliveries + report.redeliveries, 0, "webhooks were redelivered")
    }, 240_000)
  }
})
