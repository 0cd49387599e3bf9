/**
 * The bounded campaign `npm test` runs: every connector, faults of every kind, adversarial webhook
 * delivery, receiver restarts over the PostgreSQL store. `npm run campaign` runs the long setting.
 *
 * Two settings, one test file each so they run side by side (each campaign waits on its own virtual
 * clock more than it computes): reversals 45 s after success, so the success and the failure race
 * each other through late and repeated webhooks and polls; and reversals hours later, found by the
 * tracker's low-rate watch.
 */
import { assert, describe, inject, it } from "vitest"
import { Campaign, Processors } from "@refract/campaign"

export interface Setting {
  readonly seed: number
  readonly reversalAfterMillis: number
}

/** Runs one campaign over every connector and checks every promise. */
export const keepsEveryPromise = (setting: Setting): void => {
  // The run's PostgreSQL (test/globalSetup.ts: embedded, or REFRACT_TEST_DATABASE_URL).
  const databaseUrl = inject("databaseUrl")
  describe("campaign", () => {
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
      assert.strictEqual(report.processors.length, Processors.processors.length, "every connector takes part")
      assert.strictEqual(report.refunds, 15 * report.processors.length)
      assert.strictEqual(report.atProcessors, 15 * report.processors.length)
      assert.isAbove(report.faults, 0, "faults were injected")
      assert.strictEqual(report.restarts, 2)
      assert.isAbove(report.duplicateDeliveries + report.redeliveries, 0, "webhooks were redelivered")
    }, 420_000)
  })
}
