/**
 * Full refunds without an amount. stripe-node `RefundCreateParams.amount`: "A positive integer … representing how much of this charge to refund. Can refund only up to the remaining, unrefunded amount of the charge." (optional).
 */
import { assert, describe, it } from "@effect/vitest"
import { ProcessorHttp } from "@refract/core"
import type { Connector } from "@refract/core"
import { Redacted, Result } from "effect"
import { connector } from "@refract/stripe"
import { createRequest, fixtureText } from "./helpers/Fixtures.ts"

const base = { merchantRefundId: "order-42-r1", connectorTransactionId: "pi_3QbXc2LkdIwHu7ix0Hn1Ww6Y" }

const createContext = (): Connector.CreateContext<any> => ({
  credentials: { apiKey: Redacted.make("sk_test_51QbXbzLkdIwHu7ixAbCdEfGhIjKlMnOpQrStUvWxYz") },
  environment: "sandbox",
  idempotencyKey: "caller-key-0001"
})
const bodyOf = (request: ProcessorHttp.ProcessorRequest): string => request.body === undefined ? "" : ProcessorHttp.encodeBody(request.body).text

describe("Stripe: full refund without an amount", () => {
  it("declares fullRefundWithoutAmount", () => {
    assert.isTrue(connector.capabilities.fullRefundWithoutAmount)
  })

  it("a request without an amount sends none: Stripe refunds what remains", () => {
    const built = connector.create.build(createRequest({ ...base, amount: undefined }), createContext())
    if (Result.isFailure(built)) return assert.fail(JSON.stringify(built.failure))
    assert.notInclude(bodyOf(built.success), "amount")
    const withAmount = connector.create.build(createRequest({ ...base, amount: { amount: 1050, currency: "USD" } }), createContext())
    if (Result.isFailure(withAmount)) return assert.fail(JSON.stringify(withAmount.failure))
    assert.include(bodyOf(withAmount.success), "amount")
  })
})

describe("Stripe: metadata and the raw refund object", () => {
  it("the parsers read the refund's metadata back (without merchant_refund_id) and keep the raw object", () => {
    const text = fixtureText("refund-pending.json")
    const snapshot = connector.create.parse(
      { status: 200, headers: {}, body: text },
      createRequest({ ...base, amount: { amount: 1050, currency: "USD" } }),
      createContext()
    )
    if (Result.isFailure(snapshot)) return assert.fail(JSON.stringify(snapshot.failure))
    assert.deepStrictEqual(snapshot.success.metadata, { order: "42" })
    assert.deepStrictEqual(snapshot.success.raw, JSON.parse(text))
  })
})
