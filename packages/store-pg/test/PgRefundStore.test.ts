import { describe, layer } from "@effect/vitest"
import { RefundStoreConformance } from "@refract/core"
import * as TestDatabase from "./helpers/TestDatabase.ts"

// Both ways of writing: group commit (the default) and one transaction per observation.
for (const [label, options] of [["group commit", {}], ["batch: false", { batch: false }]] as const) {
  describe(`PgRefundStore (conformance, real PostgreSQL, ${label})`, () => {
    layer(TestDatabase.storeLayer(TestDatabase.uniqueSchema("conf"), options), { excludeTestServices: true })((it) => {
      for (const c of RefundStoreConformance.cases({
        report: (name, counts) => console.log(`[conformance:postgres ${label}] ${name}: ${JSON.stringify(counts)}`)
      })) {
        // The race cases make hundreds of round trips: allow for a loaded machine (mutation runs).
        it.effect(c.name, () => c.run, 120_000)
      }
    })
  })
}
