import { describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { MemoryRefundStore, RefundStoreConformance } from "@refract/core"

describe("MemoryRefundStore (conformance)", () => {
  for (const c of RefundStoreConformance.cases({
    report: (name, counts) => console.log(`[conformance:memory] ${name}: ${JSON.stringify(counts)}`)
  })) {
    it.effect(c.name, () => c.run.pipe(Effect.provide(MemoryRefundStore.layer)))
  }
})
