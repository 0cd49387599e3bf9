import { assert, describe, it } from "@effect/vitest"
import { Clock, Effect, Fiber, Layer, Redacted, Result, Tracer } from "effect"
import { TestClock } from "effect/testing"
import { BoundConnector, ConnectorLayer, ConnectorRegistry, RefundClient, RefundError, RefundService } from "@refract/core"
import { fakeConnector, fakeTokenConnector, testKey } from "./helpers/FakeConnector.ts"
import * as ScriptedHttp from "./helpers/ScriptedHttp.ts"

const options = (over: Partial<BoundConnector.ConnectorOptions> = {}): BoundConnector.ConnectorOptions => ({
  credentials: { apiKey: testKey },
  retry: { maxAttempts: 4, baseDelayMillis: 100, maxDelayMillis: 1000 },
  timeouts: { attemptMillis: 1000, totalMillis: 20_000 },
  ...over
})

const clientFor = (script: ScriptedHttp.Script, over?: Partial<BoundConnector.ConnectorOptions>, connector = fakeConnector) =>
  Effect.gen(function*() {
    const bound = yield* BoundConnector.bind(connector, options(over))
    return yield* RefundClient.make(bound)
  }).pipe(Effect.provide(script.layer))

const input = {
  merchantRefundId: "order-1",
  connectorTransactionId: "pay_1",
  amount: { amount: 1050, currency: "USD" }
}

/** Runs `effect` in a fiber, moving the TestClock forward in steps until it completes. */
const drive = <A, E>(effect: Effect.Effect<A, E>, stepMillis = 50, maxSteps = 2000) =>
  Effect.gen(function*() {
    const fiber = yield* Effect.forkChild(effect)
    for (let i = 0; i < maxSteps && fiber.pollUnsafe() === undefined; i++) {
      yield* TestClock.adjust(stepMillis)
    }
    return yield* Fiber.join(fiber)
  })

describe("Executor", () => {
  it.effect("builds the request from the connector and parses the answer", () =>
    Effect.gen(function*() {
      const script = ScriptedHttp.make(() => ({ status: 200, body: ScriptedHttp.refundBody() }))
      const client = yield* clientFor(script)
      const refund = yield* client.create(input)
      assert.strictEqual(refund.status, "Pending")
      assert.strictEqual(refund.connectorRefundId, "rf_1")
      assert.strictEqual(refund.merchantRefundId, "order-1")
      assert.strictEqual(refund.amount?.amount, 1050)
      const [sent] = script.requests
      assert.strictEqual(sent!.method, "POST")
      assert.strictEqual(sent!.url, "https://sandbox.fakepay.test/v1/refunds")
      assert.strictEqual(sent!.headers["x-fake-key"], testKey)
      assert.strictEqual(sent!.headers["idempotency-key"], "refract-order-1")
      assert.deepStrictEqual(JSON.parse(sent!.body), { payment: "pay_1", amount: 1050, currency: "USD", merchant_refund_id: "order-1" })
    }))

  it.effect("retries 5xx with the same idempotency key and backs off", () =>
    Effect.gen(function*() {
      const script = ScriptedHttp.make((_, i) => (i < 2 ? { status: 503, body: { error: { code: "down" } } } : { status: 200, body: ScriptedHttp.refundBody() }))
      const client = yield* clientFor(script)
      const refund = yield* drive(client.create(input))
      assert.strictEqual(refund.status, "Pending")
      assert.strictEqual(script.requests.length, 3)
      assert.deepStrictEqual(new Set(script.requests.map((r) => r.headers["idempotency-key"])), new Set(["refract-order-1"]))
    }))

  it.effect("waits as Retry-After says on 429", () =>
    Effect.gen(function*() {
      const script = ScriptedHttp.make((_, i) =>
        i === 0 ? { status: 429, body: { error: { code: "rate_limit" } }, headers: { "retry-after": "3" } } : { status: 200, body: ScriptedHttp.refundBody() }
      )
      const client = yield* clientFor(script)
      const fiber = yield* Effect.forkChild(client.create(input))
      yield* TestClock.adjust(2_900)
      assert.strictEqual(script.requests.length, 1, "must not retry before Retry-After")
      yield* TestClock.adjust(200)
      const refund = yield* Fiber.join(fiber)
      assert.strictEqual(refund.status, "Pending")
      assert.strictEqual(script.requests.length, 2)
    }))

  it.effect("does not retry what is not retryable, and keeps the processor's details", () =>
    Effect.gen(function*() {
      const script = ScriptedHttp.make(() => ({
        status: 400,
        body: { error: { code: "amount_too_large", message: "Refund amount exceeds charge" } },
        headers: { "request-id": "req_123" }
      }))
      const client = yield* clientFor(script)
      const error = yield* Effect.flip(client.create(input))
      assert.strictEqual(error._tag, "RefundError")
      assert.strictEqual(error.reason._tag, "RefundRejected")
      assert.strictEqual((error.reason as RefundError.RefundRejected).kind, "AmountTooLarge")
      assert.strictEqual(error.httpStatus, 400)
      assert.strictEqual(error.processorCode, "amount_too_large")
      assert.strictEqual(error.requestId, "req_123")
      assert.strictEqual(error.attempts, 1)
      assert.strictEqual(script.requests.length, 1)
    }))

  it.effect("honours a processor's do-not-retry hint on a 5xx", () =>
    Effect.gen(function*() {
      const script = ScriptedHttp.make(() => ({ status: 500, body: {}, headers: { "should-retry": "false" } }))
      const client = yield* clientFor(script)
      const read = yield* Effect.flip(client.get("rf_1"))
      assert.strictEqual(read.reason._tag, "ProcessorUnavailable")
      assert.strictEqual(script.requests.length, 1)
      // A 5xx to a create may have been acted on before the processor failed: the outcome is unknown.
      const create = yield* Effect.flip(client.create(input))
      assert.strictEqual(create.reason._tag, "OutcomeUnknown")
      assert.strictEqual(create.httpStatus, 500)
      assert.strictEqual(script.requests.length, 2)
    }))

  it.effect("a timeout after sending a create is OutcomeUnknown with the idempotency key", () =>
    Effect.gen(function*() {
      const script = ScriptedHttp.make(() => ({ hang: true }))
      const client = yield* clientFor(script, { retry: { maxAttempts: 1 } })
      const error = yield* drive(Effect.flip(client.create(input)), 100)
      assert.strictEqual(error.reason._tag, "OutcomeUnknown")
      const reason = error.reason as RefundError.OutcomeUnknown
      assert.strictEqual(reason.idempotencyKey, "refract-order-1")
      assert.strictEqual(reason.merchantRefundId, "order-1")
    }))

  it.effect("a dropped connection after sending is retried with the same key, then succeeds", () =>
    Effect.gen(function*() {
      const script = ScriptedHttp.make((_, i) => (i === 0 ? { transport: "reset" } : { status: 200, body: ScriptedHttp.refundBody() }))
      const client = yield* clientFor(script)
      const refund = yield* drive(client.create(input))
      assert.strictEqual(refund.connectorRefundId, "rf_1")
      assert.strictEqual(script.requests[0]!.headers["idempotency-key"], script.requests[1]!.headers["idempotency-key"])
    }))

  it.effect("a refused connection is Network with requestSent=false", () =>
    Effect.gen(function*() {
      const script = ScriptedHttp.make(() => ({ transport: "refused" }))
      const client = yield* clientFor(script, { retry: { maxAttempts: 2, baseDelayMillis: 1 } })
      const error = yield* drive(Effect.flip(client.create(input)))
      assert.strictEqual(error.reason._tag, "Network")
      assert.isFalse((error.reason as RefundError.Network).requestSent)
      assert.strictEqual(script.requests.length, 2)
    }))

  it.effect("a timed-out status read is Network (retryable), not OutcomeUnknown", () =>
    Effect.gen(function*() {
      const script = ScriptedHttp.make(() => ({ hang: true }))
      const client = yield* clientFor(script, { retry: { maxAttempts: 1 } })
      const error = yield* drive(Effect.flip(client.get("rf_1")), 100)
      assert.strictEqual(error.reason._tag, "Network")
      assert.isTrue((error.reason as RefundError.Network).requestSent)
    }))

  it.effect("the overall deadline bounds retries", () =>
    Effect.gen(function*() {
      const script = ScriptedHttp.make(() => ({ status: 503, body: {} }))
      const client = yield* clientFor(script, {
        retry: { maxAttempts: 100, baseDelayMillis: 500, maxDelayMillis: 500 },
        timeouts: { attemptMillis: 1000, totalMillis: 3000 }
      })
      const started = yield* Clock.currentTimeMillis
      const error = yield* drive(Effect.flip(client.get("rf_1")), 100)
      assert.strictEqual(error.reason._tag, "ProcessorUnavailable")
      // waits are 250..500 ms (equal jitter): within 3 s that is 6 to 13 attempts, never 100
      assert.isAtLeast(script.requests.length, 6)
      assert.isAtMost(script.requests.length, 13)
      assert.isAtMost((yield* Clock.currentTimeMillis) - started, 3100)
    }))

  describe("what may have happened is never forgotten across attempts", () => {
    const answers = (...list: ReadonlyArray<ScriptedHttp.Answer>) => ScriptedHttp.make((_, i) => list[Math.min(i, list.length - 1)]!)
    const twoAttempts = { retry: { maxAttempts: 2, baseDelayMillis: 1, maxDelayMillis: 1 } }

    it.effect("a timeout then a refused connection: a create is OutcomeUnknown, a read says the request was sent", () =>
      Effect.gen(function*() {
        const create = yield* drive(Effect.flip((yield* clientFor(answers({ hang: true }, { transport: "refused" }), twoAttempts)).create(input)), 100)
        assert.strictEqual(create.reason._tag, "OutcomeUnknown")
        assert.strictEqual(create.attempts, 2)
        const read = yield* drive(Effect.flip((yield* clientFor(answers({ hang: true }, { transport: "refused" }), twoAttempts)).get("rf_1")), 100)
        assert.strictEqual(read.reason._tag, "Network")
        assert.isTrue((read.reason as RefundError.Network).requestSent)
      }))

    it.effect("a timeout then a 503 ends OutcomeUnknown for a create", () =>
      Effect.gen(function*() {
        const script = answers({ hang: true }, { status: 503, body: { error: { code: "down" } } })
        const error = yield* drive(Effect.flip((yield* clientFor(script, twoAttempts)).create(input)), 100)
        assert.strictEqual(error.reason._tag, "OutcomeUnknown")
        assert.strictEqual(error.httpStatus, 503)
        assert.strictEqual((error.reason as RefundError.OutcomeUnknown).idempotencyKey, "refract-order-1")
      }))

    it.effect("a definitive refusal after a timeout is reported as such, one our own first attempt may have caused is not", () =>
      Effect.gen(function*() {
        const invalid = answers({ hang: true }, { status: 400, body: { error: { code: "bad_param", message: "no" } } })
        const refused = yield* drive(Effect.flip((yield* clientFor(invalid, twoAttempts)).create(input)), 100)
        assert.strictEqual(refused.reason._tag, "InvalidRequest")
        const tooLarge = answers({ hang: true }, { status: 400, body: { error: { code: "amount_too_large", message: "no" } } })
        const unknown = yield* drive(Effect.flip((yield* clientFor(tooLarge, twoAttempts)).create(input)), 100)
        assert.strictEqual(unknown.reason._tag, "OutcomeUnknown")
        // Without an earlier attempt that may have acted, the same refusal is definitive.
        const plain = yield* Effect.flip((yield* clientFor(answers({ status: 400, body: { error: { code: "amount_too_large" } } }))).create(input))
        assert.strictEqual(plain.reason._tag, "RefundRejected")
      }))

    it.effect("refused connections only: a create is Network, not sent, safe to retry", () =>
      Effect.gen(function*() {
        const error = yield* drive(Effect.flip((yield* clientFor(answers({ transport: "refused" }), twoAttempts)).create(input)))
        assert.strictEqual(error.reason._tag, "Network")
        assert.isFalse((error.reason as RefundError.Network).requestSent)
      }))

    it.effect("a 2xx create answer that cannot be read is replayed with the same key", () =>
      Effect.gen(function*() {
        const script = answers({ status: 200, body: "{\"id\":\"rf_1\",\"sta" }, { status: 200, body: ScriptedHttp.refundBody() })
        const refund = yield* drive((yield* clientFor(script, twoAttempts)).create(input))
        assert.strictEqual(refund.connectorRefundId, "rf_1")
        assert.strictEqual(script.requests.length, 2)
        assert.strictEqual(script.requests[1]!.headers["idempotency-key"], script.requests[0]!.headers["idempotency-key"])
      }))

    it.effect("a 2xx create answer that never becomes readable is OutcomeUnknown, never UnexpectedResponse", () =>
      Effect.gen(function*() {
        const script = answers({ status: 200, body: "<html>" })
        const error = yield* drive(Effect.flip((yield* clientFor(script, twoAttempts)).create(input)))
        assert.strictEqual(error.reason._tag, "OutcomeUnknown")
        assert.strictEqual(error.httpStatus, 200)
        assert.strictEqual(script.requests.length, 2)
      }))

    it.effect("the overall deadline cutting an attempt in flight is OutcomeUnknown for a create", () =>
      Effect.gen(function*() {
        const script = answers({ hang: true })
        const client = yield* clientFor(script, { timeouts: { attemptMillis: 60_000, totalMillis: 3_000 } })
        const error = yield* drive(Effect.flip(client.create(input)), 100)
        assert.strictEqual(error.reason._tag, "OutcomeUnknown")
        assert.strictEqual(script.requests.length, 1)
        const read = yield* drive(Effect.flip(client.get("rf_1")), 100)
        assert.strictEqual(read.reason._tag, "Network")
        assert.isTrue((read.reason as RefundError.Network).requestSent)
      }))

    it.effect("the overall deadline before anything was sent is Network, not sent", () =>
      Effect.gen(function*() {
        // The only attempt is refused, the retry waits past the deadline: nothing ever reached the processor.
        const script = answers({ transport: "refused" })
        const client = yield* clientFor(script, {
          retry: { maxAttempts: 5, baseDelayMillis: 10_000, maxDelayMillis: 10_000 },
          timeouts: { attemptMillis: 1_000, totalMillis: 3_000 }
        })
        const error = yield* drive(Effect.flip(client.create(input)), 100)
        assert.strictEqual(error.reason._tag, "Network")
        assert.isFalse((error.reason as RefundError.Network).requestSent)
      }))
  })

  it.effect("an undecodable 2xx body to a read is read again, then UnexpectedResponse", () =>
    Effect.gen(function*() {
      const script = ScriptedHttp.make(() => ({ status: 200, body: "<html>oops</html>" }))
      const client = yield* clientFor(script)
      const error = yield* drive(Effect.flip(client.get("rf_1")))
      assert.strictEqual(error.reason._tag, "UnexpectedResponse")
      assert.strictEqual(script.requests.length, 4)
      const once = ScriptedHttp.make((_, i) => (i === 0 ? { status: 200, body: "{\"id\":" } : { status: 200, body: ScriptedHttp.refundBody() }))
      const refund = yield* drive((yield* clientFor(once)).get("rf_1"))
      assert.strictEqual(refund.connectorRefundId, "rf_1")
    }))

  it.effect("malformed input fails before any request", () =>
    Effect.gen(function*() {
      const script = ScriptedHttp.make(() => ({ status: 200, body: ScriptedHttp.refundBody() }))
      const client = yield* clientFor(script)
      const bad = [
        { ...input, merchantRefundId: "" },
        { ...input, merchantRefundId: "has spaces" },
        { ...input, connectorTransactionId: "../../etc" },
        { ...input, amount: { amount: 10.5, currency: "USD" } },
        { ...input, amount: { amount: 100, currency: "XXQ" } },
        { ...input, amount: { amount: 0, currency: "USD" } }
      ]
      for (const b of bad) {
        const error = yield* Effect.flip(client.create(b))
        assert.strictEqual(error.reason._tag, "InvalidRequest")
        assert.strictEqual(error.attempts, 0)
      }
      const badGet = yield* Effect.flip(client.get("re/../1"))
      assert.strictEqual(badGet.reason._tag, "InvalidRequest")
      assert.strictEqual(script.requests.length, 0)
    }))

  it.effect("an unknown processor status with no previous state is a typed error", () =>
    Effect.gen(function*() {
      const script = ScriptedHttp.make(() => ({ status: 200, body: ScriptedHttp.refundBody({ status: "quantum" }) }))
      const client = yield* clientFor(script)
      const error = yield* Effect.flip(client.get("rf_1"))
      assert.strictEqual(error.reason._tag, "UnexpectedResponse")
      assert.strictEqual(error.processorCode, "quantum")
    }))

  it.effect("an unknown status keeps the previous state and says so", () =>
    Effect.gen(function*() {
      const script = ScriptedHttp.make((_, i) => ({ status: 200, body: ScriptedHttp.refundBody({ status: i === 0 ? "succeeded" : "quantum" }) }))
      const client = yield* clientFor(script)
      const first = yield* client.get("rf_1")
      const second = yield* client.get("rf_1", first)
      assert.strictEqual(second.status, "Succeeded")
      assert.strictEqual(second.unrecognisedStatus, "quantum")
      assert.strictEqual(second.rawStatus, "succeeded")
    }))

  it.effect("secrets never appear in errors, their JSON or spans", () =>
    Effect.gen(function*() {
      const spans: Array<string> = []
      const tracer = Tracer.make({
        span: (options) => {
          const span = Tracer.nativeTracer.span(options)
          const attribute = span.attribute.bind(span)
          span.attribute = (k, v) => {
            spans.push(`${k}=${String(v)}`)
            attribute(k, v)
          }
          return span
        }
      })
      const script = ScriptedHttp.make(() => ({ status: 401, body: { error: { message: "bad key" } } }))
      const client = yield* clientFor(script)
      const error = yield* Effect.flip(client.create(input)).pipe(Effect.withTracer(tracer))
      assert.strictEqual(error.reason._tag, "Authentication")
      const everything = [error.message, JSON.stringify(error), String(error), ...spans].join("\n")
      assert.notInclude(everything, "secretvalue123")
      assert.isAbove(spans.length, 0)
    }))
})

describe("access tokens", () => {
  const tokenScript = (tokenRequests: { n: number }, revokeFirst = false) =>
    ScriptedHttp.make((request) =>
      Effect.gen(function*() {
        if (request.url.endsWith("/oauth/token")) {
          tokenRequests.n++
          yield* Effect.sleep(10) // a slow token endpoint: concurrent callers must wait for this one fetch
          return { status: 200, body: { access_token: `tok_${tokenRequests.n}`, expires_in: 3600 } }
        }
        if (revokeFirst && request.headers["authorization"] === "Bearer tok_1") return { status: 401, body: {} }
        return { status: 200, body: ScriptedHttp.refundBody() }
      })
    )

  it.live("N concurrent refunds cause one token fetch", () =>
    Effect.gen(function*() {
      const tokens = { n: 0 }
      const script = tokenScript(tokens)
      const client = yield* clientFor(script, {}, fakeTokenConnector)
      yield* Effect.forEach(Array.from({ length: 20 }, (_, i) => i), (i) =>
        client.create({ ...input, merchantRefundId: `order-${i}` }), { concurrency: "unbounded" })
      assert.strictEqual(tokens.n, 1)
      const refundCalls = script.requests.filter((r) => r.url.endsWith("/refunds"))
      assert.strictEqual(refundCalls.length, 20)
      assert.isTrue(refundCalls.every((r) => r.headers["authorization"] === "Bearer tok_1"))
    }))

  it.live("a failing token endpoint is retried like any attempt", () =>
    Effect.gen(function*() {
      let tokenCalls = 0
      const script = ScriptedHttp.make((request) => {
        if (request.url.endsWith("/oauth/token")) {
          tokenCalls++
          return tokenCalls === 1 ? { status: 503, body: {} } : { status: 200, body: { access_token: "tok_ok", expires_in: 3600 } }
        }
        return { status: 200, body: ScriptedHttp.refundBody() }
      })
      const client = yield* clientFor(script, { retry: { maxAttempts: 3, baseDelayMillis: 1, maxDelayMillis: 5 } }, fakeTokenConnector)
      const refund = yield* client.create(input)
      assert.strictEqual(refund.status, "Pending")
      assert.strictEqual(tokenCalls, 2)
    }))

  it.live("a token endpoint answering 200 with an unreadable body is retried too", () =>
    Effect.gen(function*() {
      let tokenCalls = 0
      const script = ScriptedHttp.make((request) => {
        if (request.url.endsWith("/oauth/token")) {
          tokenCalls++
          return tokenCalls === 1 ? { status: 200, body: "{\"access_tok" } : { status: 200, body: { access_token: "tok_ok", expires_in: 3600 } }
        }
        return { status: 200, body: ScriptedHttp.refundBody() }
      })
      const client = yield* clientFor(script, { retry: { maxAttempts: 3, baseDelayMillis: 1, maxDelayMillis: 5 } }, fakeTokenConnector)
      const refund = yield* client.create(input)
      assert.strictEqual(refund.status, "Pending")
      assert.strictEqual(tokenCalls, 2)
      const alone = yield* clientFor(ScriptedHttp.make(() => ({ status: 200, body: "<html>" })), { retry: { maxAttempts: 1 } }, fakeTokenConnector)
      const error = yield* Effect.flip(alone.create(input))
      assert.strictEqual(error.operation, "authenticate")
      assert.strictEqual(error.reason._tag, "ProcessorUnavailable")
    }))

  it.live("a 401 refreshes the token once and retries", () =>
    Effect.gen(function*() {
      const tokens = { n: 0 }
      const script = tokenScript(tokens, true)
      const client = yield* clientFor(script, {}, fakeTokenConnector)
      const refund = yield* client.create(input)
      assert.strictEqual(refund.status, "Pending")
      assert.strictEqual(tokens.n, 2)
    }))
})

describe("RefundService and the registry", () => {
  const services = (script: ScriptedHttp.Script) =>
    Layer.mergeAll(RefundService.RefundService.layer, ConnectorRegistry.register(fakeConnector, options())).pipe(
      Layer.provideMerge(ConnectorRegistry.ConnectorRegistry.layer),
      Layer.provide(script.layer)
    )

  it.effect("routes by connector id and reports unknown or malformed ids", () =>
    Effect.gen(function*() {
      const service = yield* RefundService.RefundService
      const refund = yield* service.create("fakepay", input)
      assert.strictEqual(refund.connector, "fakepay")
      const unknown = yield* Effect.flip(service.create("stripe", input))
      assert.strictEqual(unknown.reason._tag, "Configuration")
      assert.include(unknown.reason.message, "unknown connector \"stripe\"")
      assert.include(unknown.reason.message, "registered: fakepay")
      const malformed = yield* Effect.flip(service.get("Strip e!", "x"))
      assert.include(malformed.reason.message, "malformed connector id")
      const list = yield* service.connectors
      assert.deepStrictEqual(list.map((c) => c.id), ["fakepay"])
    }).pipe(Effect.provide(services(ScriptedHttp.make(() => ({ status: 200, body: ScriptedHttp.refundBody() }))))))

  it.effect("polls until settled, ignoring a stale read after success", () =>
    Effect.gen(function*() {
      const statuses = ["pending", "pending", "succeeded", "pending"]
      const script = ScriptedHttp.make((_, i) => ({ status: 200, body: ScriptedHttp.refundBody({ status: statuses[Math.min(i, 3)]! }) }))
      const client = yield* clientFor(script)
      const settled = yield* drive(client.pollUntilSettled("rf_1"), 250)
      assert.strictEqual(settled.status, "Succeeded")
      const again = yield* client.get("rf_1", settled)
      assert.strictEqual(again.status, "Succeeded", "a stale pending read must not regress")
    }))

  it.effect("gives up at the deadline with the last known state", () =>
    Effect.gen(function*() {
      const script = ScriptedHttp.make(() => ({ status: 200, body: ScriptedHttp.refundBody({ status: "pending" }) }))
      const client = yield* clientFor(script)
      const error = yield* drive(Effect.flip(client.pollUntilSettled("rf_1", { deadline: "5 seconds" })), 250)
      assert.strictEqual(error._tag, "RefundNotSettled")
      if (error._tag === "RefundNotSettled") assert.strictEqual(error.lastKnown.status, "Pending")
    }))

  it.effect("recover finds an existing refund instead of creating another", () =>
    Effect.gen(function*() {
      const script = ScriptedHttp.make((request) =>
        request.method === "GET"
          ? { status: 200, body: { data: [ScriptedHttp.refundBody({ status: "succeeded" })] } }
          : { status: 500, body: {} }
      )
      const client = yield* clientFor(script)
      const refund = yield* client.recover(input)
      assert.strictEqual(refund.status, "Succeeded")
      assert.isTrue(script.requests.every((r) => r.method === "GET"))
    }))
})

describe("configuration", () => {
  it.effect("missing and malformed credentials are Configuration errors that never echo values", () =>
    Effect.gen(function*() {
      const missing = yield* Effect.flip(BoundConnector.bind(fakeConnector, { credentials: {} }))
      assert.strictEqual(missing.reason._tag, "Configuration")
      assert.include(missing.reason.message, "apiKey is missing")
      assert.include(missing.reason.message, "FAKEPAY_API_KEY")
      const malformed = yield* Effect.flip(BoundConnector.bind(fakeConnector, { credentials: { apiKey: "sk_live_TOPSECRET" } }))
      assert.include(malformed.reason.message, "apiKey is malformed")
      assert.notInclude(JSON.stringify(malformed) + malformed.message, "TOPSECRET")
      const redacted = yield* Effect.flip(BoundConnector.bind(fakeConnector, { credentials: { apiKey: Redacted.make("nope TOPSECRET") } }))
      assert.notInclude(redacted.message, "TOPSECRET")
    }))

  it.effect("production URLs are templated from credentials; base URLs are validated", () =>
    Effect.gen(function*() {
      const bound = yield* BoundConnector.bind(fakeConnector, { credentials: { apiKey: testKey, account: "acme" }, environment: "production" })
      assert.strictEqual(bound.baseUrl, "https://acme.fakepay.test/v1")
      const noAccount = yield* Effect.flip(BoundConnector.bind(fakeConnector, { credentials: { apiKey: testKey }, environment: "production" }))
      assert.include(noAccount.reason.message, "account")
      const badUrl = yield* Effect.flip(BoundConnector.bind(fakeConnector, { credentials: { apiKey: testKey }, baseUrl: "ftp://x" }))
      assert.strictEqual(badUrl.reason._tag, "Configuration")
      const ok = yield* Effect.result(BoundConnector.bind(fakeConnector, { credentials: { apiKey: testKey }, baseUrl: "http://127.0.0.1:9999/" }))
      assert.isTrue(Result.isSuccess(ok) && ok.success.baseUrl === "http://127.0.0.1:9999")
    }))
})

describe("RefundService.layer", () => {
  it.effect("composes generic registrations and connector layers", () =>
    Effect.gen(function*() {
      const service = yield* RefundService.RefundService
      assert.deepStrictEqual((yield* service.connectors).map((c) => c.id), ["fakepay"])
    }).pipe(
      Effect.provide(
        RefundService.layer(ConnectorRegistry.register(fakeConnector, options())).pipe(
          Layer.provide(ScriptedHttp.make(() => ({ status: 200, body: {} })).layer)
        )
      )
    ))
})

describe("ConnectorLayer.mergeOptions", () => {
  it("overrides only what they define", () => {
    const merged = ConnectorLayer.mergeOptions(
      { credentials: { apiKey: "fk_test_fromenv", account: "acme" }, environment: "sandbox", webhookSecrets: { signingSecret: "env-secret" } },
      { credentials: { apiKey: undefined, account: "other" }, environment: "production", baseUrl: undefined, webhookSecrets: undefined }
    )
    assert.deepStrictEqual(merged.credentials, { apiKey: "fk_test_fromenv", account: "other" })
    assert.strictEqual(merged.environment, "production")
    assert.deepStrictEqual(merged.webhookSecrets, { signingSecret: "env-secret" })
    assert.isUndefined(merged.baseUrl)
  })
})
