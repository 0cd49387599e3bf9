/**
 * The Promise facade (`PaymentClient`) end to end, against every processor's strict emulator on
 * loopback: connectors as values or registered by id, full refunds without an amount where the
 * processor allows it, the caller's idempotency key on every retry, metadata and raw read back, the
 * refund's JSON form, and rejections that are always classes with a `reason._tag`.
 */
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { adyen } from "@refract/adyen"
import { checkout } from "@refract/checkout"
import type { Connector, PaymentClientError } from "@refract/core"
import { isPaymentClientError, Money, PaymentClient, Refund, RefundError, RefundNotSettled } from "@refract/core"
import { paypal } from "@refract/paypal"
import { razorpay } from "@refract/razorpay"
import { square } from "@refract/square"
import { stripe } from "@refract/stripe"
import type { EmulatorHandle } from "@refract/testkit"
import { Registry } from "@refract/testkit"
import { Formatter, Result } from "effect"

interface Case {
  readonly connector: Connector.Connector
  readonly currency: string
  /** Metadata this processor stores on a refund (or maps onto its own fields). */
  readonly metadata: Readonly<Record<string, string>>
  /** Whether the processor gives metadata back on a status read. */
  readonly readsMetadataBack: boolean
}

const cases: ReadonlyArray<Case> = [
  { connector: stripe, currency: "USD", metadata: { order_ref: "A-42" }, readsMetadataBack: true },
  { connector: checkout, currency: "USD", metadata: { order_ref: "A-42" }, readsMetadataBack: false },
  { connector: paypal, currency: "USD", metadata: { custom_id: "A-42" }, readsMetadataBack: true },
  { connector: razorpay, currency: "INR", metadata: { order_ref: "A-42" }, readsMetadataBack: true },
  { connector: square, currency: "USD", metadata: { reason: "A-42" }, readsMetadataBack: false },
  { connector: adyen, currency: "EUR", metadata: {}, readsMetadataBack: false }
]

/** The fields that are set (the model leaves unset optional fields as undefined properties). */
const defined = (refund: Refund.Refund) => Object.fromEntries(Object.entries(refund).filter(([, v]) => v !== undefined))

const rejection = (promise: Promise<unknown>): Promise<PaymentClientError> =>
  promise.then(
    () => assert.fail("expected a rejection"),
    (e: unknown) => {
      // Every rejection of the facade: a class from the package entry, with a reason._tag.
      assert.isTrue(isPaymentClientError(e), `not a PaymentClientError: ${String(e)}`)
      assert.isTrue(e instanceof RefundError || e instanceof RefundNotSettled)
      assert.isString((e as PaymentClientError).reason._tag)
      return e as PaymentClientError
    }
  )

for (const c of cases) {
  const id = c.connector.id
  describe(`PaymentClient with ${c.connector.displayName}`, () => {
    let emulator: EmulatorHandle
    let client: PaymentClient
    beforeAll(async () => {
      emulator = await Registry.find(id)!.start({ clock: "manual" })
      const credentials = Object.fromEntries(Object.keys(c.connector.credentials).map((k) => [k, emulator.credentials[k]]))
      client = new PaymentClient({ connector: c.connector, credentials, baseUrl: emulator.url, retry: { baseDelayMillis: 1, maxDelayMillis: 5 } })
    })
    afterAll(async () => {
      await client?.close()
      await emulator?.close()
    })

    const refundPosts = () => emulator.requests().filter((r) => r.method === "POST" && /\/refunds?$/.test(r.path))

    it(`full refund without an amount: ${c.connector.capabilities.fullRefundWithoutAmount ? "refunds the rest" : "refused before sending"}`, async () => {
      const payment = await emulator.createPayment({ amount: 2_500, currency: c.currency })
      const before = refundPosts().length
      const input = { merchantRefundId: `${id}-full-1`, connectorTransactionId: payment }
      if (c.connector.capabilities.fullRefundWithoutAmount) {
        const refund = await client.refund(input)
        assert.strictEqual(refundPosts().length, before + 1)
        assert.notInclude(refundPosts().at(-1)!.body, "2500", "no amount was sent")
        const stored = emulator.refunds().find((r) => r.id === refund.connectorRefundId || refund.connectorRefundId.includes(r.id))!
        assert.strictEqual(stored.amount, 2_500, "the processor refunded the whole payment")
        // The amount is read back from the processor's answer (Checkout.com's answers carry no currency).
        if (id !== "checkout") assert.deepStrictEqual({ ...refund.amount }, { amount: 2_500, currency: c.currency })
      } else {
        const error = await rejection(client.refund(input))
        assert.instanceOf(error, RefundError)
        assert.strictEqual(error.reason._tag, "Unsupported")
        assert.strictEqual((error.reason as RefundError.Unsupported).capability, "fullRefundWithoutAmount")
        assert.strictEqual(refundPosts().length, before, "nothing was sent")

        // The strict emulator agrees with the processor: a refund request without an amount is refused.
        const stripAmount = (body: unknown) => {
          const { amount: _a, amount_money: _m, ...rest } = body as Record<string, unknown>
          return rest
        }
        const amountless: Connector.Connector = {
          ...c.connector,
          capabilities: { ...c.connector.capabilities, fullRefundWithoutAmount: true },
          create: {
            ...c.connector.create,
            build: (request, context) => {
              const withAmount = c.connector.create.build(new Refund.CreateRefundRequest({ ...request, amount: Money.make(2_500, c.currency) }), context)
              return Result.map(withAmount, (r) => ({ ...r, body: r.body?._tag === "Json" ? { _tag: "Json" as const, value: stripAmount(r.body.value) } : r.body }))
            }
          }
        }
        const credentials = Object.fromEntries(Object.keys(c.connector.credentials).map((k) => [k, emulator.credentials[k]]))
        const direct = new PaymentClient({ connector: amountless, credentials, baseUrl: emulator.url, retry: { maxAttempts: 1 } })
        try {
          const refused = await rejection(direct.refund({ merchantRefundId: `${id}-full-2`, connectorTransactionId: payment }))
          assert.strictEqual(refused.reason._tag, "InvalidRequest")
          assert.strictEqual(refundPosts().length, before + 1, "sent, and refused by the emulator")
          assert.strictEqual(emulator.refunds().filter((r) => r.paymentId === payment).length, 0)
        } finally {
          await direct.close()
        }
      }
    })

    it("the caller's idempotency key is sent on every retry of the create", async () => {
      const payment = await emulator.createPayment({ amount: 1_000, currency: c.currency })
      emulator.injectFault({ _tag: "ServerError", status: 503 }, { method: "POST", path: /\/refunds?$/ })
      const before = refundPosts().length
      const idempotencyKey = `caller-key-${id}-0001`
      const refund = await client.refund({
        merchantRefundId: `${id}-key-1`,
        connectorTransactionId: payment,
        amount: { amount: 400, currency: c.currency },
        idempotencyKey
      })
      const attempts = refundPosts().slice(before)
      assert.strictEqual(attempts.length, 2, "one 503, one retry")
      for (const attempt of attempts) {
        assert.isTrue(Object.values(attempt.headers).includes(idempotencyKey) || attempt.body.includes(idempotencyKey), "same key")
      }
      assert.strictEqual(emulator.refunds().filter((r) => r.paymentId === payment).length, 1)
      assert.strictEqual(refund.merchantRefundId, `${id}-key-1`)
    })

    it("a key that breaks the processor's rules is refused before sending", async () => {
      const before = refundPosts().length
      const error = await rejection(client.refund({
        merchantRefundId: `${id}-key-2`,
        connectorTransactionId: "x1234567890123456",
        amount: { amount: 400, currency: c.currency },
        idempotencyKey: "has spaces in it"
      }))
      assert.strictEqual(error.reason._tag, "InvalidRequest")
      assert.strictEqual((error.reason as RefundError.InvalidRequest).field, "idempotencyKey")
      assert.strictEqual(refundPosts().length, before)
    })

    it("metadata and the raw object are read back; JSON round-trips; raw stays out of formatted logs", async () => {
      const payment = await emulator.createPayment({ amount: 1_000, currency: c.currency })
      const created = await client.refund({
        merchantRefundId: `${id}-meta-1`,
        connectorTransactionId: payment,
        amount: { amount: 300, currency: c.currency },
        metadata: c.metadata
      })
      if (Object.keys(c.metadata).length > 0) assert.deepStrictEqual(created.metadata, c.metadata)
      assert.isDefined(created.raw, "the processor's refund object")
      assert.include(JSON.stringify(created.raw), created.connectorRefundId.split(":").at(-1)!.slice(0, 12))

      if (c.connector.capabilities.get) {
        const read = await client.refunds.get(created.reference, created)
        if (Object.keys(c.metadata).length > 0) assert.deepStrictEqual(read.metadata, c.metadata, "kept or read back")
        if (c.readsMetadataBack) {
          const fresh = await client.refunds.get(created.reference)
          assert.deepStrictEqual(fresh.metadata, c.metadata, "from the processor itself")
        }
      }

      const json = JSON.parse(JSON.stringify(created))
      assert.strictEqual(json.simpleStatus, created.simpleStatus)
      assert.deepStrictEqual(json.amount, { amount: 300, currency: c.currency })
      assert.strictEqual(json.createdAt, new Date(created.createdAt).toISOString())
      assert.deepStrictEqual(json.raw, created.raw)
      const back = Refund.Refund.fromJSON(json)
      assert.instanceOf(back, Refund.Refund)
      assert.deepStrictEqual(defined(back), defined(created), "every field comes back")
      assert.strictEqual(back.simpleStatus, created.simpleStatus)
      assert.deepStrictEqual(Refund.Refund.fromJSON(JSON.stringify(created)).toJSON(), created.toJSON())

      const formatted = Formatter.format(created)
      assert.include(formatted, created.connectorRefundId)
      assert.include(formatted, "<redacted>")
      assert.notInclude(formatted, JSON.stringify(created.raw).slice(1, 40))
    })
  })
}

describe("PaymentClient: connectors by id, and rejections", () => {
  let emulator: EmulatorHandle
  beforeAll(async () => {
    emulator = await Registry.find("stripe")!.start({ clock: "manual" })
  })
  afterAll(async () => {
    await emulator?.close()
  })

  it("an unregistered id is a Configuration error that says how to register; a registered one works", async () => {
    const unknown = new PaymentClient({ connector: "stripe", apiKey: emulator.credentials["apiKey"]!, baseUrl: emulator.url })
    const error = await rejection(unknown.refund({ merchantRefundId: "reg-1", connectorTransactionId: "ch_1", amount: { amount: 1, currency: "USD" } }))
    assert.strictEqual(error.reason._tag, "Configuration")
    assert.include(error.message, "PaymentClient.register(stripe)")
    assert.include(error.message, `import { stripe } from "@refract/stripe"`)
    await unknown.close()

    PaymentClient.register(stripe)
    assert.include(PaymentClient.registered(), "stripe")
    const client = new PaymentClient({ connector: "stripe", apiKey: emulator.credentials["apiKey"]!, baseUrl: emulator.url })
    try {
      const payment = await emulator.createPayment({ amount: 700, currency: "USD" })
      const refund = await client.refund({ merchantRefundId: "reg-2", connectorTransactionId: payment })
      assert.strictEqual(refund.connector, "stripe")
    } finally {
      await client.close()
    }
  })

  it("waitUntilSettled rejects with RefundNotSettled whose reason is NotSettled with the last refund read", async () => {
    const client = new PaymentClient({ connector: stripe, apiKey: emulator.credentials["apiKey"]!, baseUrl: emulator.url })
    try {
      const payment = await emulator.createPayment({ amount: 700, currency: "USD" })
      // The emulator's clock is manual: the refund stays pending.
      const refund = await client.refund({ merchantRefundId: "wait-1", connectorTransactionId: payment, amount: { amount: 100, currency: "USD" } })
      const error = await rejection(client.refunds.waitUntilSettled(refund, { deadlineMillis: 200, intervalMillis: 20 }))
      assert.instanceOf(error, RefundNotSettled)
      switch (error.reason._tag) {
        case "NotSettled":
          assert.strictEqual(error.reason.lastKnown.connectorRefundId, refund.connectorRefundId)
          assert.strictEqual(error.reason.lastKnown.simpleStatus, "PENDING")
          break
        default:
          assert.fail(`unexpected reason ${error.reason._tag}`)
      }
      assert.strictEqual((error as RefundNotSettled).lastKnown.connectorRefundId, refund.connectorRefundId)
    } finally {
      await client.close()
    }
  })

  it("every other rejection is a RefundError with a reason", async () => {
    const malformed = new PaymentClient({ connector: "../etc", apiKey: "x" })
    assert.strictEqual((await rejection(malformed.refunds.get("re_1"))).reason._tag, "Configuration")
    const noKey = new PaymentClient({ connector: stripe, baseUrl: emulator.url })
    assert.strictEqual((await rejection(noKey.refunds.get("re_1"))).reason._tag, "Configuration")
    const client = new PaymentClient({ connector: stripe, apiKey: emulator.credentials["apiKey"]!, baseUrl: emulator.url })
    assert.strictEqual((await rejection(client.refunds.get("not a refund id"))).reason._tag, "InvalidRequest")
    assert.strictEqual((await rejection(client.refunds.get("re_doesnotexist"))).reason._tag, "NotFound")
    const badAmount = client.refund({ merchantRefundId: "bad-1", connectorTransactionId: "ch_1", amount: { amount: -1, currency: "USD" } })
    assert.strictEqual((await rejection(badAmount)).reason._tag, "InvalidRequest")
    await client.close()
    assert.strictEqual((await rejection(client.refunds.get("re_1"))).reason._tag, "Configuration", "closed")
  })
})
