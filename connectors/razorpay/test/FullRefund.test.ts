/**
 * Full refunds without an amount. Razorpay `amount`: "omit = full" (razorpay-node refunds.d.ts; processors.md §6).
 */
import { assert, describe, it } from "@effect/vitest"
import { ProcessorHttp } from "@refract/core"
import { Result } from "effect"
import { connector } from "@refract/razorpay"
import { context, createContext, createRequest, fixtureJson, reference } from "./helpers/Fixtures.ts"

const bodyOf = (request: ProcessorHttp.ProcessorRequest): string => request.body === undefined ? "" : ProcessorHttp.encodeBody(request.body).text

describe("Razorpay: full refund without an amount", () => {
  it("declares fullRefundWithoutAmount", () => {
    assert.isTrue(connector.capabilities.fullRefundWithoutAmount)
  })

  it("a request without an amount sends none: Razorpay refunds what remains", () => {
    const built = connector.create.build(createRequest({ amount: undefined }), createContext())
    if (Result.isFailure(built)) return assert.fail(JSON.stringify(built.failure))
    assert.notInclude(bodyOf(built.success), "amount")
    const withAmount = connector.create.build(createRequest({}), createContext())
    if (Result.isFailure(withAmount)) return assert.fail(JSON.stringify(withAmount.failure))
    assert.include(bodyOf(withAmount.success), "amount")
  })
})

describe("Razorpay: metadata and the raw refund object", () => {
  it("notes come back as metadata (without merchant_refund_id), the raw object is kept", () => {
    const processed = fixtureJson("event-refund-processed.json").payload.refund.entity
    const entity = { ...processed, notes: { merchant_refund_id: "order-42-r1", order: "42" } }
    const snapshot = connector.get!.parse({ status: 200, headers: {}, body: JSON.stringify(entity) }, reference(entity.id), context)
    if (Result.isFailure(snapshot)) return assert.fail(JSON.stringify(snapshot.failure))
    assert.deepStrictEqual(snapshot.success.metadata, { order: "42" })
    assert.deepStrictEqual(snapshot.success.raw, entity)
  })
})
