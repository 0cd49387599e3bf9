import { describe, layer } from "@effect/vitest"
import { RefundStoreConformance } from "@refract/core"
import * as TestDatabase from "./helpers/TestDatabase.ts"

describe("PgRefundStore (conformance, real PostgreSQL)", () => {
  layer(TestDatabase.storeLayer(TestDatabase.uniqueSchema("conf")), { excludeTestServices: true })((it) => {
    for (const c of RefundStoreConformance.cases({
      report: (name, counts) => console.log(`[conformance:postgres] ${name}: ${JSON.stringify(counts)}`)
    })) {
      // The race cases make hundreds of round trips: allow for a loaded machine (mutation runs).
      it.effect(c.name, () => c.run, 120_000)
    }
  })
})
