/**
 * Full refunds without an amount. Adyen `PaymentRefundRequest.amount` is required (CheckoutService-v71.json; processors.md §3).
 */
import { assert, describe, it } from "@effect/vitest"
import { Result } from "effect"
import { connector } from "@refract/adyen"
import { createRequest, createContext } from "./helpers.ts"

describe("Adyen: full refund without an amount", () => {
  it("does not declare fullRefundWithoutAmount", () => {
    assert.isFalse(connector.capabilities.fullRefundWithoutAmount)
  })

  it("a request without an amount is refused by the builder too, on the amount field", () => {
    const built = connector.create.build(createRequest({ amount: undefined }), createContext())
    if (Result.isSuccess(built)) return assert.fail("built a request without an amount")
    assert.strictEqual(built.failure._tag, "InvalidRequest")
    assert.strictEqual((built.failure as { readonly field?: string }).field, "amount")
  })
})
