/**
 * Full refunds without an amount. PayPal `refund_request.amount`: omitted = the full remaining amount of the capture (processors.md §5).
 */
import { assert, describe, it } from "@effect/vitest"
import { ProcessorHttp } from "@refract/core"
import { Result } from "effect"
import { connector } from "@refract/paypal"
import { createRequest, createContext } from "./helpers.ts"

const bodyOf = (request: ProcessorHttp.ProcessorRequest): string => request.body === undefined ? "" : ProcessorHttp.encodeBody(request.body).text

describe("PayPal: full refund without an amount", () => {
  it("declares fullRefundWithoutAmount", () => {
    assert.isTrue(connector.capabilities.fullRefundWithoutAmount)
  })

  it("a request without an amount sends none: PayPal refunds what remains", () => {
    const built = connector.create.build(createRequest({ amount: undefined }), createContext())
    if (Result.isFailure(built)) return assert.fail(JSON.stringify(built.failure))
    assert.notInclude(bodyOf(built.success), "amount")
    const withAmount = connector.create.build(createRequest({}), createContext())
    if (Result.isFailure(withAmount)) return assert.fail(JSON.stringify(withAmount.failure))
    assert.include(bodyOf(withAmount.success), "amount")
  })
})
