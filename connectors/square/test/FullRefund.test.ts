/**
 * Full refunds without an amount. Square `RefundPaymentRequest.amount_money` is required (connect-api-specification api.json; processors.md §7).
 */
import { assert, describe, it } from "@effect/vitest"
import { Result } from "effect"
import { connector } from "@refract/square"
import { createRequest, createContext } from "./helpers.ts"

describe("Square: full refund without an amount", () => {
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
