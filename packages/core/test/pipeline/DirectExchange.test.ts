/**
 * The Executor's short road: a client that carries a direct exchange is sent the wire request
 * (secrets revealed only there, header names lower case, query and body encoded once) instead of
 * going through `execute`, and its failures classify exactly like the long road's.
 */
import { assert, describe, it } from "@effect/vitest"
import { BoundConnector, DirectExchange, RefundClient } from "@refract/core"
import type { RefundError } from "@refract/core"
import { Effect } from "effect"
import { HttpClient } from "effect/http"
import { fakeConnector, testKey } from "../helpers/FakeConnector.ts"

const wireRefund = { id: "rf_1", status: "pending", amount: 100, currency: "USD", payment: "pay_1", merchant_refund_id: "order-d1" }

type Script = (request: DirectExchange.WireRequest, timeoutMillis: number) => ReturnType<DirectExchange.Exchange>

/** A client whose `execute` must never run, carrying the scripted exchange. */
const clientWith = (script: Script) => {
  const seen: Array<{ readonly request: DirectExchange.WireRequest; readonly timeoutMillis: number }> = []
  const never = HttpClient.make(() => Effect.die("execute must not be used when the client carries a direct exchange"))
  const client = DirectExchange.withExchange(never, (request, timeoutMillis) => {
    seen.push({ request, timeoutMillis })
    return script(request, timeoutMillis)
  })
  return { client, seen }
}

const refundsWith = (client: HttpClient.HttpClient, maxAttempts = 1, timeouts = { attemptMillis: 1_234, totalMillis: 10_000 }) =>
  Effect.gen(function*() {
    const bound = yield* BoundConnector.bind(fakeConnector, {
      credentials: { apiKey: testKey },
      baseUrl: "https://api.fakepay.test/v1",
      retry: { maxAttempts, baseDelayMillis: 1, maxDelayMillis: 1 },
      timeouts
    })
    return yield* RefundClient.make(bound).pipe(Effect.provideService(HttpClient.HttpClient, client))
  })

const input = { merchantRefundId: "order-d1", connectorTransactionId: "pay_1", amount: { amount: 100, currency: "USD" } }
const ok = (body: unknown) => Effect.succeed({ status: 200, headers: { "content-type": "application/json" }, body: JSON.stringify(body) })

describe("DirectExchange", () => {
  it("a client without one has none; withExchange adds it without changing the client", () => {
    const plain = HttpClient.make(() => Effect.die("unused"))
    assert.isUndefined(DirectExchange.of(plain))
    const exchange: DirectExchange.Exchange = () => ok({})
    const fast = DirectExchange.withExchange(plain, exchange)
    assert.strictEqual(DirectExchange.of(fast), exchange)
    assert.isTrue(HttpClient.isHttpClient(fast))
    assert.strictEqual(fast.execute, plain.execute)
  })

  it.effect("the Executor sends the wire request through it: URL with query, lower-case headers, the secret revealed, the body encoded", () =>
    Effect.gen(function*() {
      const { client, seen } = clientWith(() => ok({ ...wireRefund }))
      const refunds = yield* refundsWith(client)
      const created = yield* refunds.create(input)
      assert.strictEqual(created.connectorRefundId, "rf_1")
      // Whatever the lookup makes of the answer, its request is what matters here.
      yield* Effect.ignore(refunds.lookup({ merchantRefundId: "order d1&x", connectorTransactionId: "pay_1" }))
      assert.strictEqual(seen.length, 2)
      const [post, lookup] = seen
      assert.strictEqual(post!.request.method, "POST")
      assert.strictEqual(post!.request.url, "https://api.fakepay.test/v1/refunds")
      assert.strictEqual(post!.request.headers["x-fake-key"], testKey)
      assert.strictEqual(post!.request.headers["content-type"], "application/json")
      assert.match(post!.request.headers["idempotency-key"] ?? "", /\S{8,}/)
      assert.deepStrictEqual(JSON.parse(post!.request.body ?? "null"), { payment: "pay_1", amount: 100, currency: "USD", merchant_refund_id: "order-d1" })
      assert.strictEqual(post!.timeoutMillis, 1_234)
      assert.strictEqual(lookup!.request.url, "https://api.fakepay.test/v1/refunds?merchant_refund_id=order+d1%26x")
      assert.isUndefined(lookup!.request.body)
      assert.isUndefined(lookup!.request.headers["content-type"])
    }))

  it.effect("a timeout after sending is OutcomeUnknown for a create and a sent Network error for a read", () =>
    Effect.gen(function*() {
      const { client } = clientWith((_request, timeoutMillis) => Effect.fail(new DirectExchange.ExchangeTimeout({ timeoutMillis })))
      const refunds = yield* refundsWith(client)
      const create: RefundError = yield* Effect.flip(refunds.create(input))
      assert.strictEqual(create.reason._tag, "OutcomeUnknown")
      assert.include(create.reason.message, "no answer within 1234 ms")
      const read: RefundError = yield* Effect.flip(refunds.get("rf_1"))
      assert.strictEqual(read.reason._tag, "Network")
      assert.isTrue((read.reason as RefundError.Network).requestSent)
    }))

  // Live: the retry of the unsent create sleeps its (1 ms) backoff.
  it.live("a transport error is read for whether anything was sent: refused is not sent, reset is", () =>
    Effect.gen(function*() {
      const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9"), { code: "ECONNREFUSED" })
      const reset = Object.assign(new Error("other side closed"), { code: "UND_ERR_SOCKET" })
      const first = clientWith(() => Effect.fail(new DirectExchange.ExchangeError({ description: "connection failed", cause: refused })))
      const notSent: RefundError = yield* Effect.flip((yield* refundsWith(first.client, 2)).create(input))
      assert.strictEqual(notSent.reason._tag, "Network")
      assert.isFalse((notSent.reason as RefundError.Network).requestSent)
      assert.include(notSent.reason.message, "(ECONNREFUSED)")
      assert.strictEqual(first.seen.length, 2, "a create that was never sent is retried")
      const second = clientWith(() => Effect.fail(new DirectExchange.ExchangeError({ description: "connection failed", cause: reset })))
      const maybeSent: RefundError = yield* Effect.flip((yield* refundsWith(second.client, 2)).create({ ...input, merchantRefundId: "order-d2" }))
      assert.strictEqual(maybeSent.reason._tag, "OutcomeUnknown")
      assert.include(maybeSent.reason.message, "(UND_ERR_SOCKET)")
    }))

  it.effect("the overall deadline is kept by the attempts: each gets at most what is left of it, and running out is the deadline's answer", () =>
    Effect.gen(function*() {
      const { client, seen } = clientWith((_request, timeoutMillis) => Effect.fail(new DirectExchange.ExchangeTimeout({ timeoutMillis })))
      const refunds = yield* refundsWith(client, 3, { attemptMillis: 5_000, totalMillis: 1_000 })
      const create: RefundError = yield* Effect.flip(refunds.create(input))
      assert.strictEqual(create.reason._tag, "OutcomeUnknown")
      assert.include(create.reason.message, "no final answer within 1000 ms")
      assert.strictEqual(seen.length, 1, "no attempt after the deadline")
      assert.isAtMost(seen[0]!.timeoutMillis, 1_000)
      assert.isAbove(seen[0]!.timeoutMillis, 0)
      const read: RefundError = yield* Effect.flip(refunds.get("rf_1"))
      assert.strictEqual(read.reason._tag, "Network")
      assert.isTrue((read.reason as RefundError.Network).requestSent)
      assert.include(read.reason.message, "no final answer within 1000 ms")
    }))

  // Live: the retry's backoff sleeps (1 ms) on the real clock.
  it.live("an attempt that times out within its own time is the attempt's timeout, retried while the deadline allows", () =>
    Effect.gen(function*() {
      let calls = 0
      const { client, seen } = clientWith((_request, timeoutMillis) => {
        calls++
        return calls === 1 ? Effect.fail(new DirectExchange.ExchangeTimeout({ timeoutMillis })) : ok({ ...wireRefund })
      })
      const refunds = yield* refundsWith(client, 3, { attemptMillis: 200, totalMillis: 10_000 })
      const read = yield* refunds.get("rf_1")
      assert.strictEqual(read.connectorRefundId, "rf_1")
      assert.deepStrictEqual(seen.map((s) => s.timeoutMillis), [200, 200])
    }))
})
