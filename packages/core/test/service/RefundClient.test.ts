/**
 * The client's promises about money: with a store, create consults it and records the intent before
 * sending; a create whose outcome was unknown is resolved by a lookup or a same-key replay within
 * the processor's key window, never sent blind; polling rides over transient read failures.
 */
import { assert, describe, it } from "@effect/vitest"
import { Clock, Effect, Fiber, Option, Result } from "effect"
import { TestClock } from "effect/testing"
import { BoundConnector, MemoryRefundStore, RefundClient } from "@refract/core"
import type { Connector, RefundError, RefundStore } from "@refract/core"
import { fakeConnector, testKey } from "../helpers/FakeConnector.ts"
import * as ScriptedHttp from "../helpers/ScriptedHttp.ts"

const noLookup: Connector.Connector = {
  ...fakeConnector,
  capabilities: { ...fakeConnector.capabilities, lookup: false },
  lookup: undefined
}

const day = 24 * 60 * 60 * 1000

const clientFor = (script: ScriptedHttp.Script, connector: Connector.Connector, store?: RefundStore.Store) =>
  Effect.gen(function*() {
    const bound = yield* BoundConnector.bind(connector, {
      credentials: { apiKey: testKey },
      retry: { maxAttempts: 1 },
      timeouts: { attemptMillis: 1_000, totalMillis: 2_000 }
    })
    return yield* RefundClient.make(bound, { store })
  }).pipe(Effect.provide(script.layer))

const input = { merchantRefundId: "order-7", connectorTransactionId: "pay_1", amount: { amount: 1050, currency: "USD" } }

const drive = <A, E>(effect: Effect.Effect<A, E>, stepMillis = 100) =>
  Effect.gen(function*() {
    const fiber = yield* Effect.forkChild(effect)
    for (let i = 0; i < 2_000 && fiber.pollUnsafe() === undefined; i++) yield* TestClock.adjust(stepMillis)
    return yield* Fiber.join(fiber)
  })

const creates = (script: ScriptedHttp.Script) => script.requests.filter((r) => r.method === "POST")

/** Hangs the first create (its outcome is unknown), answers the rest. */
const lostFirstAnswer = () => ScriptedHttp.make((r, i) => (r.method === "POST" && i === 0 ? { hang: true } : { status: 200, body: ScriptedHttp.refundBody() }))

/** A processor that takes no idempotency key (Braintree): it de-duplicates nothing. */
const noDedupe: Connector.Connector = { ...fakeConnector, idempotencyKey: { maxLength: 40, windowMillis: 0 } }
const noDedupeNoLookup: Connector.Connector = { ...noLookup, idempotencyKey: { maxLength: 40, windowMillis: 0 } }

const bindRetrying = (script: ScriptedHttp.Script, connector: Connector.Connector, store?: RefundStore.Store) =>
  Effect.gen(function*() {
    const bound = yield* BoundConnector.bind(connector, {
      credentials: { apiKey: testKey },
      retry: { maxAttempts: 4, baseDelayMillis: 10, maxDelayMillis: 10 },
      timeouts: { attemptMillis: 1_000, totalMillis: 20_000 }
    })
    return yield* RefundClient.make(bound, { store })
  }).pipe(Effect.provide(script.layer))

describe("RefundClient with a processor that de-duplicates nothing (windowMillis 0)", () => {
  it.effect("a create that may have reached the processor is never sent again, even with retries left", () =>
    Effect.gen(function*() {
      for (const failure of [{ hang: true }, { status: 503, body: {} }, { status: 200, body: "not json" }] as const) {
        const script = ScriptedHttp.make((r) => (r.method === "POST" ? failure : { status: 200, body: { data: [] } }))
        const error = yield* drive(Effect.flip((yield* bindRetrying(script, noDedupe)).create(input)))
        assert.strictEqual(error.reason._tag, "OutcomeUnknown", JSON.stringify(failure))
        assert.strictEqual(creates(script).length, 1, `one send only after ${JSON.stringify(failure)}`)
      }
      // The same answers from a processor that replays keys are retried under the same key.
      const replaying = ScriptedHttp.make((r, i) => (r.method === "POST" && i === 0 ? { status: 503, body: {} } : { status: 200, body: ScriptedHttp.refundBody() }))
      yield* drive((yield* bindRetrying(replaying, fakeConnector)).create(input))
      assert.strictEqual(creates(replaying).length, 2)
    }))

  it.effect("a connection refused before anything was sent is still retried", () =>
    Effect.gen(function*() {
      const script = ScriptedHttp.make((r, i) => (r.method === "POST" && i === 0 ? { transport: "refused" as const } : { status: 200, body: ScriptedHttp.refundBody() }))
      const refund = yield* drive((yield* bindRetrying(script, noDedupe)).create(input))
      assert.strictEqual(refund.connectorRefundId, "rf_1")
    }))

  it.effect("an unknown outcome is resolved by the lookup; without a lookup it is refused, never replayed", () =>
    Effect.gen(function*() {
      const store = yield* MemoryRefundStore.make
      const script = ScriptedHttp.make((r, i) =>
        r.method === "POST" && i === 0
          ? { hang: true }
          : r.method === "GET"
          ? { status: 200, body: { data: [ScriptedHttp.refundBody({ status: "succeeded" })] } }
          : { status: 200, body: ScriptedHttp.refundBody() }
      )
      yield* drive(Effect.flip((yield* clientFor(script, noDedupe, store)).create(input)))
      yield* TestClock.adjust(1_000)
      const found = yield* (yield* clientFor(script, noDedupe, store)).create(input)
      assert.strictEqual(found.status, "Succeeded")
      assert.strictEqual(creates(script).length, 1)

      const store2 = yield* MemoryRefundStore.make
      const script2 = lostFirstAnswer()
      yield* drive(Effect.flip((yield* clientFor(script2, noDedupeNoLookup, store2)).create(input)))
      // Seconds later, well inside any window a replaying processor would have: still refused.
      yield* TestClock.adjust(1_000)
      const error: RefundError = yield* Effect.flip((yield* clientFor(script2, noDedupeNoLookup, store2)).create(input))
      assert.strictEqual(error.reason._tag, "IdempotencyExpired")
      assert.include(error.reason.message, "does not de-duplicate")
      assert.strictEqual(creates(script2).length, 1, "nothing sent blind")
    }))
})

describe("RefundClient with a store", () => {
  it.effect("records the intent before sending and the refund after; a second create returns it without a request", () =>
    Effect.gen(function*() {
      const store = yield* MemoryRefundStore.make
      const script = ScriptedHttp.make(() => ({ status: 200, body: ScriptedHttp.refundBody() }))
      const client = yield* clientFor(script, noLookup, store)
      const refund = yield* client.create(input)
      const intent = yield* store.getCreate("fakepay", "order-7")
      assert.isTrue(Option.isSome(intent))
      if (Option.isSome(intent)) {
        assert.strictEqual(intent.value.state, "Created")
        assert.strictEqual(intent.value.connectorRefundId, refund.connectorRefundId)
        assert.strictEqual(intent.value.idempotencyKey, "refract-order-7")
      }
      assert.strictEqual(Option.getOrUndefined(yield* store.get({ connector: "fakepay", connectorRefundId: "rf_1" }))?.status, "Pending")
      const again = yield* client.create(input)
      assert.strictEqual(again.connectorRefundId, refund.connectorRefundId)
      assert.strictEqual(creates(script).length, 1, "the store answered: no second request")
    }))

  it.effect("after a lost answer and a restart, a create within the key window replays the same key", () =>
    Effect.gen(function*() {
      const store = yield* MemoryRefundStore.make
      const script = lostFirstAnswer()
      const first = yield* drive(Effect.flip((yield* clientFor(script, noLookup, store)).create(input)))
      assert.strictEqual(first.reason._tag, "OutcomeUnknown")
      const pending = yield* store.pendingCreates("fakepay")
      assert.deepStrictEqual(pending.map((i) => i.merchantRefundId), ["order-7"])
      yield* TestClock.adjust(60 * 60 * 1000)
      // A restarted process: a new binding, the same store.
      const refund = yield* (yield* clientFor(script, noLookup, store)).create(input)
      assert.strictEqual(refund.connectorRefundId, "rf_1")
      assert.strictEqual(creates(script).length, 2)
      assert.strictEqual(creates(script)[1]!.headers["idempotency-key"], creates(script)[0]!.headers["idempotency-key"])
      assert.deepStrictEqual(yield* store.pendingCreates("fakepay"), [])
    }))

  it.effect("after the key window, a connector without lookup refuses to send: IdempotencyExpired", () =>
    Effect.gen(function*() {
      const store = yield* MemoryRefundStore.make
      const script = lostFirstAnswer()
      yield* drive(Effect.flip((yield* clientFor(script, noLookup, store)).create(input)))
      yield* TestClock.adjust(day + 1)
      const error: RefundError = yield* Effect.flip((yield* clientFor(script, noLookup, store)).create(input))
      assert.strictEqual(error.reason._tag, "IdempotencyExpired")
      const reason = error.reason as RefundError.IdempotencyExpired
      assert.strictEqual(reason.windowMillis, day)
      assert.strictEqual(reason.idempotencyKey, "refract-order-7")
      assert.strictEqual(creates(script).length, 1, "nothing sent blind")
      // The key window is judged for the whole operation: just inside it, but not with room for the request, is refused too.
      const edge = yield* MemoryRefundStore.make
      const script2 = lostFirstAnswer()
      yield* drive(Effect.flip((yield* clientFor(script2, noLookup, edge)).create(input)))
      yield* TestClock.adjust(day - 1_000)
      const late: RefundError = yield* Effect.flip((yield* clientFor(script2, noLookup, edge)).create(input))
      assert.strictEqual(late.reason._tag, "IdempotencyExpired")
    }))

  it.effect("a connector with lookup finds the refund instead of replaying, even after the window", () =>
    Effect.gen(function*() {
      const store = yield* MemoryRefundStore.make
      const script = ScriptedHttp.make((r, i) =>
        r.method === "POST" && i === 0
          ? { hang: true }
          : r.method === "GET"
          ? { status: 200, body: { data: [ScriptedHttp.refundBody({ status: "succeeded" })] } }
          : { status: 500, body: {} }
      )
      yield* drive(Effect.flip((yield* clientFor(script, fakeConnector, store)).create(input)))
      yield* TestClock.adjust(3 * day)
      const refund = yield* (yield* clientFor(script, fakeConnector, store)).create(input)
      assert.strictEqual(refund.status, "Succeeded")
      assert.strictEqual(creates(script).length, 1)
      assert.strictEqual(Option.getOrUndefined(yield* store.get({ connector: "fakepay", connectorRefundId: "rf_1" }))?.status, "Succeeded")
    }))

  it.effect("while the lookup of an earlier create fails, the outcome stays unknown (never a final error)", () =>
    Effect.gen(function*() {
      const store = yield* MemoryRefundStore.make
      const script = ScriptedHttp.make((r, i) =>
        r.method === "POST" && i === 0 ? { hang: true } : r.method === "GET" ? { status: 200, body: "{\"data\": [" } : { status: 500, body: {} }
      )
      yield* drive(Effect.flip((yield* clientFor(script, fakeConnector, store)).create(input)))
      const error: RefundError = yield* drive(Effect.flip((yield* clientFor(script, fakeConnector, store)).create(input)))
      assert.strictEqual(error.reason._tag, "OutcomeUnknown")
      assert.strictEqual(error.operation, "create")
      assert.strictEqual((error.reason as RefundError.OutcomeUnknown).firstAttemptAt, 0)
      assert.strictEqual(creates(script).length, 1, "no create sent while the lookup cannot answer")
    }))

  it.effect("a definitive refusal ends the intent as Failed, and a later create may try again", () =>
    Effect.gen(function*() {
      const store = yield* MemoryRefundStore.make
      const script = ScriptedHttp.make((_, i) => (i === 0 ? { status: 400, body: { error: { code: "bad", message: "no" } } } : { status: 200, body: ScriptedHttp.refundBody() }))
      const client = yield* clientFor(script, noLookup, store)
      const refused: RefundError = yield* Effect.flip(client.create(input))
      assert.strictEqual(refused.reason._tag, "InvalidRequest")
      assert.strictEqual(Option.getOrUndefined(yield* store.getCreate("fakepay", "order-7"))?.state, "Failed")
      yield* TestClock.adjust(2 * day)
      const refund = yield* client.create(input)
      assert.strictEqual(refund.connectorRefundId, "rf_1")
    }))
})

describe("RefundClient without a store", () => {
  it.effect("the same process remembers a lost answer's first attempt and replays within the window", () =>
    Effect.gen(function*() {
      const script = lostFirstAnswer()
      const client = yield* clientFor(script, noLookup)
      const lost: RefundError = yield* drive(Effect.flip(client.create(input)))
      assert.strictEqual(lost.reason._tag, "OutcomeUnknown")
      const firstAttemptAt = (lost.reason as RefundError.OutcomeUnknown).firstAttemptAt
      assert.strictEqual(firstAttemptAt, 0)
      const refund = yield* client.recover(input)
      assert.strictEqual(refund.connectorRefundId, "rf_1")
      assert.strictEqual(creates(script).length, 2)
    }))

  it.effect("another process needs the first attempt's time; past the window it refuses", () =>
    Effect.gen(function*() {
      const script = lostFirstAnswer()
      const lost: RefundError = yield* drive(Effect.flip((yield* clientFor(script, noLookup)).create(input)))
      const firstAttemptAt = (lost.reason as RefundError.OutcomeUnknown).firstAttemptAt
      const other = yield* clientFor(script, noLookup)
      assert.strictEqual((yield* Effect.flip(other.recover(input))).reason._tag, "IdempotencyExpired")
      yield* TestClock.adjust(day)
      assert.strictEqual((yield* Effect.flip(other.recover(input, { firstAttemptAt }))).reason._tag, "IdempotencyExpired")
      assert.strictEqual(creates(script).length, 1)
      const early = yield* clientFor(script, noLookup)
      yield* TestClock.setTime(60_000)
      const refund = yield* early.recover(input, { firstAttemptAt })
      assert.strictEqual(refund.connectorRefundId, "rf_1")
    }))
})

describe("pollUntilSettled", () => {
  it.effect("rides over transient read failures until the refund settles", () =>
    Effect.gen(function*() {
      const script = ScriptedHttp.make((_, i) =>
        i < 3 ? { status: 503, body: {} } : i === 3 ? { transport: "reset" } : { status: 200, body: ScriptedHttp.refundBody({ status: "succeeded" }) }
      )
      const client = yield* clientFor(script, fakeConnector)
      const refund = yield* drive(client.pollUntilSettled("rf_1", { deadline: "1 minute" }), 250)
      assert.strictEqual(refund.status, "Succeeded")
      assert.strictEqual(script.requests.length, 5)
    }))

  it.effect("fails with the last failure when no read ever succeeded before the deadline", () =>
    Effect.gen(function*() {
      const script = ScriptedHttp.make(() => ({ status: 503, body: {} }))
      const client = yield* clientFor(script, fakeConnector)
      const started = yield* Clock.currentTimeMillis
      const error = yield* drive(Effect.flip(client.pollUntilSettled("rf_1", { deadline: "20 seconds" })), 250)
      assert.strictEqual(error._tag, "RefundError")
      assert.strictEqual((error as RefundError).reason._tag, "ProcessorUnavailable")
      assert.isAbove(script.requests.length, 3)
      assert.isAtMost((yield* Clock.currentTimeMillis) - started, 21_000)
    }))

  it.effect("a non-retryable failure ends the wait at once", () =>
    Effect.gen(function*() {
      const script = ScriptedHttp.make(() => ({ status: 404, body: {} }))
      const client = yield* clientFor(script, fakeConnector)
      const error = yield* Effect.flip(client.pollUntilSettled("rf_1"))
      assert.strictEqual((error as RefundError).reason._tag, "NotFound")
      assert.strictEqual(script.requests.length, 1)
    }))

  it.effect("with a failure after a known state, the deadline reports the last known state", () =>
    Effect.gen(function*() {
      const script = ScriptedHttp.make((_, i) => (i === 0 ? { status: 200, body: ScriptedHttp.refundBody() } : { status: 503, body: {} }))
      const client = yield* clientFor(script, fakeConnector)
      const error = yield* drive(Effect.flip(client.pollUntilSettled("rf_1", { deadline: "10 seconds" })), 250)
      assert.strictEqual(error._tag, "RefundNotSettled")
      if (error._tag === "RefundNotSettled") assert.strictEqual(error.lastKnown.status, "Pending")
    }))
})

describe("RefundClient: caller idempotency keys and optional amounts", () => {
  it.effect("a caller's key replaces the derived one; after a lost answer, another key for the same refund is refused", () =>
    Effect.gen(function*() {
      const store = yield* MemoryRefundStore.make
      const script = lostFirstAnswer()
      const first = yield* drive(Effect.flip((yield* clientFor(script, noLookup, store)).create({ ...input, idempotencyKey: "mine-0001" })))
      assert.strictEqual(first.reason._tag, "OutcomeUnknown")
      assert.strictEqual((first.reason as RefundError.OutcomeUnknown).idempotencyKey, "mine-0001")
      assert.strictEqual(creates(script)[0]!.headers["idempotency-key"], "mine-0001")
      // A restarted process: without the key (the derived one would be a new refund) or with another key: refused, nothing sent.
      const restarted = yield* clientFor(script, noLookup, store)
      for (const other of [undefined, "mine-0002"]) {
        const refused = yield* Effect.flip(restarted.create({ ...input, idempotencyKey: other }))
        assert.strictEqual(refused.reason._tag, "InvalidRequest")
        assert.strictEqual((refused.reason as RefundError.InvalidRequest).field, "idempotencyKey")
      }
      assert.strictEqual(creates(script).length, 1)
      const refund = yield* restarted.recover({ ...input, idempotencyKey: "mine-0001" })
      assert.strictEqual(refund.connectorRefundId, "rf_1")
      assert.deepStrictEqual(creates(script).map((r) => r.headers["idempotency-key"]), ["mine-0001", "mine-0001"])
    }))

  it.effect("the same process refuses another key for a create whose outcome is unknown", () =>
    Effect.gen(function*() {
      const script = lostFirstAnswer()
      const client = yield* clientFor(script, noLookup)
      yield* drive(Effect.flip(client.create(input)))
      const refused = yield* Effect.flip(client.create({ ...input, idempotencyKey: "mine-0003" }))
      assert.strictEqual((refused.reason as RefundError.InvalidRequest).field, "idempotencyKey")
      assert.strictEqual(creates(script).length, 1)
    }))

  it.effect("keys that break the connector's rules are refused before sending", () =>
    Effect.gen(function*() {
      const script = ScriptedHttp.make(() => ({ status: 200, body: ScriptedHttp.refundBody() }))
      const client = yield* clientFor(script, noLookup)
      for (const key of ["", "x".repeat(41), "with space", "tab\tkey", "ключ"]) {
        const error = yield* Effect.flip(client.create({ ...input, idempotencyKey: key }))
        assert.strictEqual(error.reason._tag, "InvalidRequest", key)
        assert.strictEqual(error.attempts, 0)
      }
      assert.strictEqual(script.requests.length, 0)
      assert.isUndefined(RefundClient.idempotencyKeyProblem("x".repeat(40), fakeConnector.idempotencyKey))
      assert.include(RefundClient.idempotencyKeyProblem("short", { maxLength: 40, minLength: 10, windowMillis: 1 }) ?? "", "10 to 40")
      assert.include(RefundClient.idempotencyKeyProblem("a.b", { maxLength: 40, pattern: /^[A-Za-z0-9_-]+$/, windowMillis: 1 }) ?? "", "must match")
    }))

  it.effect("without an amount: sent without one where the connector allows it, Unsupported before sending where it does not", () =>
    Effect.gen(function*() {
      const script = ScriptedHttp.make(() => ({ status: 200, body: ScriptedHttp.refundBody() }))
      const { amount: _, ...full } = input
      const refund = yield* (yield* clientFor(script, noLookup)).create(full)
      assert.strictEqual(refund.amount?.amount, 1050, "the amount the processor answered")
      assert.notInclude(script.requests[0]!.body, "amount")
      const needsAmount: Connector.Connector = { ...noLookup, capabilities: { ...noLookup.capabilities, fullRefundWithoutAmount: false } }
      const error = yield* Effect.flip((yield* clientFor(script, needsAmount)).create({ ...full, merchantRefundId: "order-8" }))
      assert.strictEqual(error.reason._tag, "Unsupported")
      assert.strictEqual((error.reason as RefundError.Unsupported).capability, "fullRefundWithoutAmount")
      assert.strictEqual(script.requests.length, 1)
    }))
})

/** FakePay with a cancel endpoint: POST /refunds/:id/cancel, keyed like its other POSTs. */
const cancellable: Connector.Connector = {
  ...fakeConnector,
  capabilities: { ...fakeConnector.capabilities, cancelRefund: true },
  cancel: {
    build: (ref, context) =>
      Result.succeed({
        method: "POST",
        path: `/refunds/${ref.connectorRefundId}/cancel`,
        headers: { "idempotency-key": context.idempotencyKey }
      }),
    parse: fakeConnector.get!.parse
  }
}

const retryingClient = (script: ScriptedHttp.Script, connector: Connector.Connector, store?: RefundStore.Store) =>
  Effect.gen(function*() {
    const bound = yield* BoundConnector.bind(connector, {
      credentials: { apiKey: testKey },
      retry: { maxAttempts: 3 },
      timeouts: { attemptMillis: 1_000, totalMillis: 60_000 }
    })
    return yield* RefundClient.make(bound, { store })
  }).pipe(Effect.provide(script.layer))

describe("RefundClient.cancel", () => {
  it.effect("fails with Unsupported before any request where the connector cannot cancel", () =>
    Effect.gen(function*() {
      const script = ScriptedHttp.make(() => ({ status: 200, body: ScriptedHttp.refundBody({ status: "canceled" }) }))
      const error = yield* Effect.flip((yield* clientFor(script, fakeConnector)).cancel("rf_1"))
      assert.strictEqual(error.operation, "cancel")
      assert.strictEqual(error.reason._tag, "Unsupported")
      assert.strictEqual((error.reason as RefundError.Unsupported).capability, "cancelRefund")
      assert.strictEqual(error.attempts, 0)
      // Declaring the capability without a flow is no better: nothing is sent either.
      const noFlow: Connector.Connector = { ...fakeConnector, capabilities: { ...fakeConnector.capabilities, cancelRefund: true } }
      assert.strictEqual((yield* Effect.flip((yield* clientFor(script, noFlow)).cancel("rf_1"))).reason._tag, "Unsupported")
      assert.strictEqual(script.requests.length, 0)
    }))

  it.effect("retries under one idempotency key, folds the processor's answer and records it in the store", () =>
    Effect.gen(function*() {
      const store = yield* MemoryRefundStore.make
      const script = ScriptedHttp.make((_, i) =>
        i === 0 ? { status: 503, body: { error: { message: "down" } } } : { status: 200, body: ScriptedHttp.refundBody({ status: "canceled" }) }
      )
      const client = yield* retryingClient(script, cancellable, store)
      const refund = yield* drive(client.cancel("rf_1"))
      assert.strictEqual(refund.status, "Cancelled")
      assert.strictEqual(script.requests.length, 2)
      assert.isTrue(script.requests.every((r) => r.method === "POST" && r.url.endsWith("/refunds/rf_1/cancel")))
      const key = script.requests[0]!.headers["idempotency-key"]
      assert.isString(key)
      assert.strictEqual(script.requests[1]!.headers["idempotency-key"], key, "the retry replays the first attempt's key")
      assert.isAtMost(key!.length, fakeConnector.idempotencyKey.maxLength)
      assert.strictEqual(Option.getOrUndefined(yield* store.get({ connector: "fakepay", connectorRefundId: "rf_1" }))?.status, "Cancelled")
      // Another call is another request: a new key.
      yield* client.cancel("rf_1")
      assert.notStrictEqual(script.requests[2]!.headers["idempotency-key"], key)
    }))

  it.effect("the status comes from the answer: a processor that answers pending leaves the refund Pending", () =>
    Effect.gen(function*() {
      const script = ScriptedHttp.make(() => ({ status: 200, body: ScriptedHttp.refundBody({ status: "pending" }) }))
      const refund = yield* (yield* clientFor(script, cancellable)).cancel({ connectorRefundId: "rf_1" })
      assert.strictEqual(refund.status, "Pending")
    }))

  it.effect("a refusal fails with the processor's reason and leaves the store alone; a malformed id is refused before sending", () =>
    Effect.gen(function*() {
      const store = yield* MemoryRefundStore.make
      const script = ScriptedHttp.make(() => ({ status: 400, body: { error: { code: "not_cancelable", message: "status is succeeded" } } }))
      const client = yield* clientFor(script, cancellable, store)
      const error = yield* Effect.flip(client.cancel("rf_1"))
      assert.strictEqual(error.operation, "cancel")
      assert.strictEqual(error.reason._tag, "InvalidRequest")
      assert.strictEqual(error.processorCode, "not_cancelable")
      assert.isTrue(Option.isNone(yield* store.get({ connector: "fakepay", connectorRefundId: "rf_1" })))
      const malformed = yield* Effect.flip(client.cancel(""))
      assert.strictEqual(malformed.reason._tag, "InvalidRequest")
      assert.strictEqual(malformed.operation, "cancel")
      assert.strictEqual(script.requests.length, 1)
    }))
})
