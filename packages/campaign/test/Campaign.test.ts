/**
 * The bounded campaign `npm test` runs: every connector, faults of every kind, adversarial webhook
 * delivery, receiver restarts over the PostgreSQL store. `npm run campaign` runs the long setting.
 */
import { assert, describe, it } from "vitest"
import { Campaign } from "@refract/campaign"

const databaseUrl = process.env["REFRACT_TEST_DATABASE_URL"] ?? "postgres://postgres@127.0.0.1:5432/test"

describe("campaign", () => {
  it("keeps every promise under faults, adversarial webhooks and restarts (seeded)", async () => {
    const report = await Campaign.run({
      seed: 7,
      refundsPerProcessor: 12,
      faultRate: 0.2,
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
    assert.strictEqual(report.refunds, 72)
    assert.isAbove(report.faults, 0, "faults were injected")
    assert.strictEqual(report.restarts, 2)
    assert.isAbove(report.duplicateDeliveries + report.redeliveries, 0, "webhooks were redelivered")
  }, 240_000)
})
