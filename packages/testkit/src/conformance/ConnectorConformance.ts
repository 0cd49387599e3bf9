/**
 * The connector conformance suite.
 *
 * One entry point every connector package calls from its own tests. It runs the same scenarios
 * against the connector's emulator, over real HTTP on loopback, through the core pipeline, and
 * skips (visibly, with the reason) what the connector declares it cannot do. A new connector gets
 * most of its end-to-end tests from one call:
 *
 *   ConnectorConformance.run({ connector, start: StripeEmulator.start, wrongCredentials: ..., otherWebhookSecret: ... })
 *
 * The suite never imports connector code: it only sees the `Connector` value it is given and the
 * emulator's own view of the world (what it stored, what it received).
 */
import { afterAll, assert, beforeAll, beforeEach, describe, it } from "@effect/vitest"
import { Clock, Effect, Layer, Result, Schedule } from "effect"
import { FetchHttpClient, HttpClient } from "effect/http"
import {
  BoundConnector,
  Connector,
  Credentials,
  Idempotency,
  Money,
  Observe,
  Refund,
  RefundClient,
  type RefundError,
  RefundStatus,
  WebhookEvent,
  Webhooks
} from "@refract/core"
import type { Emulator, EmulatorOptions, Outcome } from "../emulator/Emulator.ts"

export interface ConformanceTarget {
  /** The connector under test. */
  readonly connector: Connector.Connector
  /** Starts its emulator (e.g. `StripeEmulator.start`). */
  readonly start: (options: EmulatorOptions) => Promise<Emulator>
  /** Connector credentials from the emulator (default: the emulator's `credentials`). */
  readonly credentials?: ((emulator: Emulator) => Record<string, string>) | undefined
  /** Well-formed credentials the emulator rejects (a wrong key of the right shape). */
  readonly wrongCredentials: (emulator: Emulator) => Record<string, string>
  /** Webhook secrets for the connector (default `{ <first secret field>: emulator.webhookSecret }`). */
  readonly webhookSecrets?: ((emulator: Emulator) => Record<string, string>) | undefined
  /** A well-formed secret that is not the emulator's, to sign with. */
  readonly otherWebhookSecret: string
  /** The webhook scheme signs a timestamp and rejects stale ones (Stripe `t=`). */
  readonly signedTimestamp?: boolean | undefined
  /**
   * Metadata a refund of `paymentId` needs besides the amount, when the processor wants more than the payment id
   * (Paddle: the transaction line item a partial refund adjusts, `paddle_item_id`). Default none.
   */
  readonly refundMetadata?: ((paymentId: string) => Readonly<Record<string, string>>) | undefined
  /** The URL deliveries are signed for, when the scheme covers it (Square). */
  readonly webhookUrl?: string | undefined
  /** Currency of the basic scenarios. Default USD. */
  readonly currency?: string | undefined
  /** How the processor reports a refund above the refundable amount. Default "rejected" (an API error). */
  readonly overRefund?: "rejected" | "failed-later" | undefined
  /**
   * The emulator's id for a connector refund id, when the connector composes its own (Checkout.com:
   * `pay_…:act_…` for the emulator's action id). Default: the same id.
   */
  readonly emulatorRefundId?: ((connectorRefundId: string) => string) | undefined
  /**
   * The processor cancels a refund that is still pending (Mollie: "queued" and "pending" refunds can be
   * canceled), rather than only one that waits for action (Stripe). Default false.
   */
  readonly cancelsPending?: boolean | undefined
}

const isWebhookOnly = (c: Connector.Connector) => !c.capabilities.get

/**
 * The suite runs the emulator on a manual clock with these delays: refunds move because the suite moves time,
 * never because the connector read them.
 */
const SETTLE_MILLIS = 2_000
const REVERSAL_MILLIS = 24 * 60 * 60 * 1_000

let counter = 0
/** Unique merchant refund ids, so scenarios never collide on idempotency keys. */
const nextId = (label: string) => `conf-${label}-${Date.now().toString(36)}-${(counter++).toString(36)}`

export const run = (target: ConformanceTarget): void => {
  const { connector } = target
  const caps = connector.capabilities
  const currency = target.currency ?? "USD"

  describe(`${connector.displayName} connector conformance`, () => {
    let emulator: Emulator

    beforeAll(async () => {
      emulator = await target.start({ clock: "manual", settleAfterMillis: SETTLE_MILLIS, reversalAfterMillis: REVERSAL_MILLIS })
    })
    afterAll(async () => {
      await emulator?.close()
    })
    beforeEach(() => {
      emulator.reset()
    })

    const webhookSecrets = () =>
      target.webhookSecrets?.(emulator) ??
        { [Object.keys(connector.webhooks?.secrets ?? { secret: 0 })[0]!]: emulator.webhookSecret }

    const options = (over: Partial<BoundConnector.ConnectorOptions> = {}): BoundConnector.ConnectorOptions => ({
      credentials: target.credentials?.(emulator) ?? { ...emulator.credentials },
      baseUrl: emulator.url,
      retry: { maxAttempts: 4, baseDelayMillis: 20, maxDelayMillis: 200 },
      timeouts: { attemptMillis: 3_000, totalMillis: 15_000 },
      ...(caps.webhooks ? { webhookSecrets: webhookSecrets() } : {}),
      ...over
    })

    const httpLayer: Layer.Layer<HttpClient.HttpClient> = FetchHttpClient.layer

    const bound = (over?: Partial<BoundConnector.ConnectorOptions>) => BoundConnector.bind(connector, options(over))
    const client = (over?: Partial<BoundConnector.ConnectorOptions>) =>
      Effect.flatMap(bound(over), RefundClient.make).pipe(Effect.provide(httpLayer))

    const payment = (amount = 10_000, cur = currency) =>
      Effect.promise(() => emulator.createPayment({ amount, currency: cur }))

    const input = (paymentId: string, amount = 1_200, cur = currency, label = "r"): RefundClient.CreateRefundInput => ({
      merchantRefundId: nextId(label),
      connectorTransactionId: paymentId,
      amount: { amount, currency: cur },
      reason: "requested_by_customer",
      ...(target.refundMetadata !== undefined ? { metadata: target.refundMetadata(paymentId) } : {})
    })

    const emulatorId = (connectorRefundId: string) => target.emulatorRefundId?.(connectorRefundId) ?? connectorRefundId

    /**
     * The path the create request for `request` takes, as the emulator sees it: built by the
     * connector's own builder, so faults hit the refund request and not, say, an OAuth token request.
     */
    const builtCreate = (request: RefundClient.CreateRefundInput) => {
      const decoded = Result.getOrThrow(RefundClient.decodeCreate(connector.id, request))
      const credentials = Result.getOrThrow(
        Credentials.decode(connector.credentials as Credentials.CredentialSpec, options().credentials, "conformance credentials")
      )
      return Result.getOrThrow(
        connector.create.build(decoded, { credentials, environment: "sandbox", idempotencyKey: "conformance-probe-key" })
      )
    }
    const createPath = (request: RefundClient.CreateRefundInput): string =>
      `${new URL(emulator.url).pathname.replace(/\/+$/, "")}${builtCreate(request).path}`
    /**
     * Where every call shares one endpoint (Authorize.net: `POST /xml/v1/request.api`, the call named by the
     * JSON body's root element), a create is told from a lookup by that root element too.
     */
    const createRoot = (request: RefundClient.CreateRefundInput): string | undefined => {
      const body = builtCreate(request).body
      return body?._tag === "Json" && typeof body.value === "object" && body.value !== null ? Object.keys(body.value)[0] : undefined
    }
    const rootOf = (text: string): string | undefined => {
      try {
        const json: unknown = JSON.parse(text.replace(/^\uFEFF/, ""))
        return typeof json === "object" && json !== null ? Object.keys(json)[0] : undefined
      } catch {
        return undefined
      }
    }
    const createMatch = (request: RefundClient.CreateRefundInput, times?: number) =>
      ({ method: "POST", path: createPath(request), ...(times !== undefined ? { times } : {}) }) as const
    const creates = (request: RefundClient.CreateRefundInput) => {
      const root = createRoot(request)
      return emulator.requests().filter((r) =>
        r.method === "POST" && r.path === createPath(request) && (root === undefined || rootOf(r.body) === root)
      )
    }

    /**
     * The emulator's delivery for the refund's current state, verified and parsed by the connector. Signed
     * timestamps default to the wall clock: the connector checks them against its own (real) clock, while the
     * emulator's manual clock has run ahead of it by the time the suite moved.
     */
    const deliver = (refundId: string, signOptions?: Parameters<Emulator["signedWebhook"]>[1]) =>
      Effect.gen(function*() {
        const b = yield* bound()
        const signed = emulator.signedWebhook(emulatorId(refundId), {
          timestampSeconds: Math.floor(Date.now() / 1000),
          ...signOptions
        })
        const raw = WebhookEvent.makeRawRequest({
          method: "POST",
          url: target.webhookUrl ?? "http://127.0.0.1/webhooks",
          headers: signed.headers,
          body: signed.body
        })
        return yield* Webhooks.verifyAndParse(b, raw).pipe(Effect.provide(httpLayer))
      })

    /** Folds a webhook's view of the refund into `previous`, as the event service does. */
    const applyWebhook = (previous: Refund.Refund) =>
      Effect.gen(function*() {
        const events = yield* deliver(previous.connectorRefundId)
        const event = events.find((e) => e.refund?.connectorRefundId === previous.connectorRefundId)
        assert.isDefined(event, "the delivery carries the refund")
        const observed = Observe.observe({
          connector: connector.id,
          previous,
          snapshot: event!.refund!,
          source: "webhook",
          now: yield* Clock.currentTimeMillis
        })
        assert.isTrue(Result.isSuccess(observed))
        return Result.getOrThrow(observed).refund
      })

    const moveTime = (millis: number) => Effect.promise(() => emulator.clock.advance(millis))

    /** Lets `millis` of processor time pass and reads the refund back: by polling when the connector can, else by webhook. */
    const step = (c: RefundClient.RefundClient, previous: Refund.Refund, millis = SETTLE_MILLIS) =>
      Effect.gen(function*() {
        yield* moveTime(millis)
        if (isWebhookOnly(connector)) return yield* applyWebhook(previous)
        return yield* c.get(previous.reference, previous)
      })

    /**
     * Drives a refund to a settled state by moving time. Polling connectors poll with `pollUntilSettled` once
     * two settle delays have passed (every path settles within two steps; a reversal waits far longer).
     */
    const settle = (c: RefundClient.RefundClient, refund: Refund.Refund) =>
      Effect.gen(function*() {
        if (!isWebhookOnly(connector)) {
          yield* moveTime(2 * SETTLE_MILLIS)
          return yield* c.pollUntilSettled(refund, { schedule: Schedule.spaced("10 millis"), deadline: "10 seconds" })
        }
        let current = refund
        for (let i = 0; i < 5 && !RefundStatus.isSettled(current.status); i++) current = yield* step(c, current)
        return current
      })

    const createWithOutcome = (outcome: Outcome) =>
      Effect.gen(function*() {
        const c = yield* client()
        const paymentId = yield* payment()
        emulator.scriptOutcome(paymentId, outcome)
        const created = yield* c.create(input(paymentId, 1_200, currency, outcome))
        return { c, created }
      })

    const expectReason = (error: RefundError | { readonly _tag: string }, tags: ReadonlyArray<string>) => {
      assert.strictEqual(error._tag, "RefundError", `expected a RefundError, got ${error._tag}`)
      const reason = (error as RefundError).reason._tag
      assert.include(tags, reason, `reason ${reason} is not one of ${tags.join(", ")}`)
    }

    /** The first attempt's time an OutcomeUnknown carries. */
    const firstAttemptOf = (error: RefundError): number | undefined =>
      error.reason._tag === "OutcomeUnknown" ? error.reason.firstAttemptAt : undefined

    const skipIf = (condition: boolean, name: string, why: string, body: () => Effect.Effect<void, unknown>) => {
      if (condition) it.skip(`${name} (skipped: ${why})`, () => {})
      else it.live(name, body, 30_000)
    }

    describe("lifecycle", () => {
      it.live("create answers pending, reads show pending until the processor's time passes, then it settles as succeeded", () =>
        Effect.gen(function*() {
          const { c, created } = yield* createWithOutcome("succeeded")
          assert.strictEqual(created.simpleStatus, "PENDING")
          assert.strictEqual(created.connector, connector.id)
          assert.isTrue(Money.equals(created.amount!, Money.make(1_200, currency)))
          if (!isWebhookOnly(connector)) {
            for (let read = 1; read <= 3; read++) {
              const seen = yield* c.get(created.reference, created)
              assert.strictEqual(seen.simpleStatus, "PENDING", `read ${read} still shows pending: reads never move a refund`)
            }
            yield* moveTime(SETTLE_MILLIS - 1)
            const early = yield* c.get(created.reference, created)
            assert.strictEqual(early.simpleStatus, "PENDING", "a millisecond before the settle delay it is still pending")
          }
          const settled = yield* settle(c, created)
          assert.strictEqual(settled.status, "Succeeded")
          assert.strictEqual(settled.simpleStatus, "SUCCEEDED")
          const stored = emulator.refunds()
          assert.strictEqual(stored.length, 1)
          assert.strictEqual(stored[0]!.amount, 1_200)
        }), 30_000)

      it.live("a failed refund settles as Failed", () =>
        Effect.gen(function*() {
          const { c, created } = yield* createWithOutcome("failed")
          const settled = yield* settle(c, created)
          assert.strictEqual(settled.status, "Failed")
          assert.strictEqual(settled.simpleStatus, "FAILED")
        }), 30_000)

      skipIf(!caps.cancellation, "a cancelled refund settles as Cancelled", `${connector.displayName} has no cancelled refund state`, () =>
        Effect.gen(function*() {
          const { c, created } = yield* createWithOutcome("canceled")
          const settled = yield* settle(c, created)
          assert.strictEqual(settled.status, "Cancelled")
        }))

      skipIf(
        !caps.cancelRefund || target.cancelsPending === true,
        "cancel: a refund that requires action is cancelled once; the status is the processor's answer",
        target.cancelsPending === true
          ? `${connector.displayName} cancels pending refunds too (the pending-cancel scenario below runs instead)`
          : `${connector.displayName} cannot cancel refunds`,
        () =>
          Effect.gen(function*() {
            const { c, created } = yield* createWithOutcome("requires_action")
            const id = emulatorId(created.connectorRefundId)
            // Cancelling a refund the processor will not cancel (still pending) is refused and changes nothing.
            const early = yield* Effect.flip(c.cancel(created.reference, created))
            assert.strictEqual(early.operation, "cancel")
            assert.isFalse(early.isRetryable, "a refusal to cancel is an answer, not a transient failure")
            assert.notStrictEqual(emulator.refunds().find((r) => r.id === id)?.status, "canceled")
            yield* Effect.promise(() => emulator.advance(id))
            // A fresh read: the create answer carries the emulator's (manual, ahead) clock, a read the wall clock.
            const waiting = yield* c.get(created.reference)
            assert.strictEqual(waiting.status, "RequiresAction")
            const cancelled = yield* c.cancel(created.reference, waiting)
            assert.strictEqual(cancelled.status, "Cancelled")
            assert.strictEqual(cancelled.simpleStatus, "FAILED", "the three-value view: no money moved")
            assert.strictEqual(cancelled.connectorRefundId, created.connectorRefundId)
            const history = emulator.refunds().find((r) => r.id === id)!.history
            assert.strictEqual(history.at(-1)!.via, "api")
            // A second cancel is refused by the processor, never applied twice.
            const again = yield* Effect.flip(c.cancel(created.reference, cancelled))
            assert.isFalse(again.isRetryable)
            assert.strictEqual(emulator.refunds().find((r) => r.id === id)!.history.length, history.length)
            assert.strictEqual((yield* c.get(created.reference, cancelled)).status, "Cancelled")
          })
      )

      if (caps.cancelRefund && target.cancelsPending === true) {
        it.live("cancel: a pending refund is cancelled once; the status is the processor's answer; a moving refund is not", () =>
          Effect.gen(function*() {
            const { c, created } = yield* createWithOutcome("requires_action")
            const id = emulatorId(created.connectorRefundId)
            const cancelled = yield* c.cancel(created.reference, created)
            assert.strictEqual(cancelled.status, "Cancelled")
            assert.strictEqual(cancelled.simpleStatus, "FAILED", "the three-value view: no money moved")
            const history = emulator.refunds().find((r) => r.id === id)!.history
            assert.strictEqual(history.at(-1)!.via, "api")
            assert.strictEqual(emulator.refunds().find((r) => r.id === id)!.status, "canceled")
            // A second cancel is refused by the processor, never applied twice.
            const again = yield* Effect.flip(c.cancel(created.reference, cancelled))
            assert.strictEqual(again.operation, "cancel")
            assert.isFalse(again.isRetryable, "a refusal to cancel is an answer, not a transient failure")
            assert.strictEqual(emulator.refunds().find((r) => r.id === id)!.history.length, history.length)
            assert.strictEqual((yield* c.get(created.reference, cancelled)).status, "Cancelled")
            // A refund already on its way (past the cancellable states) is refused and keeps moving.
            const moving = yield* createWithOutcome("succeeded")
            const movingId = emulatorId(moving.created.connectorRefundId)
            yield* Effect.promise(() => emulator.advance(movingId))
            const late = yield* Effect.flip(moving.c.cancel(moving.created.reference, moving.created))
            assert.isFalse(late.isRetryable)
            assert.notStrictEqual(emulator.refunds().find((r) => r.id === movingId)!.status, "canceled")
          }))
      }

      if (!caps.cancelRefund) {
        it.live("cancel: Unsupported before any request", () =>
          Effect.gen(function*() {
            const c = yield* client()
            const before = emulator.requests().length
            const error = yield* Effect.flip(c.cancel("refund_conformance_1"))
            expectReason(error, ["Unsupported"])
            assert.strictEqual(error.operation, "cancel")
            assert.strictEqual(emulator.requests().length, before, "nothing was sent")
          }))
      }

      skipIf(!caps.reportsReversals, "a succeeded refund that is later reversed ends Reversed", `${connector.displayName} does not report reversals`, () =>
        Effect.gen(function*() {
          const { c, created } = yield* createWithOutcome("succeeded_then_reversed")
          const settled = yield* settle(c, created)
          assert.strictEqual(settled.status, "Succeeded")
          if (!isWebhookOnly(connector)) {
            const soon = yield* step(c, settled, SETTLE_MILLIS)
            assert.strictEqual(soon.status, "Succeeded", "a reversal comes days later, not with the next settle step")
          }
          const reversed = yield* step(c, settled, REVERSAL_MILLIS)
          assert.strictEqual(reversed.status, "Reversed")
          assert.strictEqual(reversed.simpleStatus, "FAILED")
          if (!isWebhookOnly(connector)) {
            const again = yield* c.get(reversed.reference, reversed)
            assert.strictEqual(again.status, "Reversed", "later reads never move it back")
          }
        }))
    })

    describe("faults and retries", () => {
      // A processor that de-duplicates nothing (`windowMillis: 0`, Braintree) never gets a create twice once an
      // attempt may have reached it: the outcome stays unknown until a recovery looks the refund up.
      const keyless = !Connector.replaysKeys(connector.idempotencyKey)

      if (keyless) {
        it.live("keyless: a dropped response is OutcomeUnknown, never resent; the recovery finds the one refund", () =>
          Effect.gen(function*() {
            const c = yield* client()
            const paymentId = yield* payment()
            const request = input(paymentId)
            emulator.injectFault({ _tag: "DropAfterRecord" }, createMatch(request))
            const error = yield* Effect.flip(c.create(request))
            expectReason(error, ["OutcomeUnknown"])
            assert.strictEqual(creates(request).length, 1, "a create that may have acted is never resent")
            const key = Idempotency.derive(request.merchantRefundId, connector.idempotencyKey)
            assert.isTrue(creates(request)[0]!.body.includes(key) || Object.values(creates(request)[0]!.headers).includes(key), "the create carries the key")
            const recovered = yield* c.recover(request, { firstAttemptAt: firstAttemptOf(error) })
            assert.strictEqual(emulator.refunds().length, 1, "never a second refund")
            assert.strictEqual(emulatorId(recovered.connectorRefundId), emulator.refunds()[0]!.id)
            assert.strictEqual(creates(request).length, 1, "the recovery found it without a create")
          }))

        it.live("keyless: a connection dropped before the refund is recorded is OutcomeUnknown; the recovery creates it once, where a lookup proves absence", () =>
          Effect.gen(function*() {
            const c = yield* client()
            const paymentId = yield* payment()
            const request = input(paymentId)
            emulator.injectFault({ _tag: "DropBeforeRecord" }, createMatch(request))
            const error = yield* Effect.flip(c.create(request))
            expectReason(error, ["OutcomeUnknown"])
            assert.strictEqual(emulator.refunds().length, 0)
            if (caps.lookup && caps.lookupFindsPending) {
              const recovered = yield* c.recover(request, { firstAttemptAt: firstAttemptOf(error) })
              assert.strictEqual(emulator.refunds().length, 1)
              assert.strictEqual(emulator.refunds()[0]!.id, emulatorId(recovered.connectorRefundId))
            } else {
              expectReason(yield* Effect.flip(c.recover(request, { firstAttemptAt: firstAttemptOf(error) })), ["IdempotencyExpired"])
              assert.strictEqual(emulator.refunds().length, 0, "nothing is resent without proof of absence")
            }
          }))

        it.live("keyless: a 5xx answer is OutcomeUnknown, never resent; the recovery creates it once, where a lookup proves absence", () =>
          Effect.gen(function*() {
            const c = yield* client()
            const paymentId = yield* payment()
            const request = input(paymentId)
            emulator.injectFault({ _tag: "ServerError", status: 503 }, createMatch(request))
            const error = yield* Effect.flip(c.create(request))
            expectReason(error, ["OutcomeUnknown"])
            assert.strictEqual(creates(request).length, 1)
            if (caps.lookup && caps.lookupFindsPending) {
              const refund = yield* c.recover(request, { firstAttemptAt: firstAttemptOf(error) })
              assert.strictEqual(refund.simpleStatus, "PENDING")
              assert.strictEqual(creates(request).length, 2)
              assert.strictEqual(emulator.refunds().length, 1)
            }
          }))
      }

      if (!keyless) it.live("a dropped response is retried with the same key: one refund at the processor", () =>
        Effect.gen(function*() {
          const c = yield* client()
          const paymentId = yield* payment()
          const request = input(paymentId)
          emulator.injectFault({ _tag: "DropAfterRecord" }, createMatch(request))
          const refund = yield* c.create(request)
          const stored = emulator.refunds()
          assert.strictEqual(stored.length, 1, "never a second refund")
          assert.strictEqual(stored[0]!.id, emulatorId(refund.connectorRefundId), "the retry returns the same refund")
          // The same idempotency key on every attempt, wherever the processor wants it (header or body).
          const key = Idempotency.derive(request.merchantRefundId, connector.idempotencyKey)
          const attempts = creates(request)
          assert.isAtLeast(attempts.length, 2)
          for (const attempt of attempts) {
            assert.isTrue(Object.values(attempt.headers).includes(key) || attempt.body.includes(key), "attempt carries the key")
          }
        }))

      if (!keyless) it.live("a connection dropped before the refund is recorded is retried: one refund", () =>
        Effect.gen(function*() {
          const c = yield* client()
          const paymentId = yield* payment()
          const request = input(paymentId)
          emulator.injectFault({ _tag: "DropBeforeRecord" }, createMatch(request))
          const refund = yield* c.create(request)
          assert.strictEqual(emulator.refunds().length, 1)
          assert.strictEqual(emulator.refunds()[0]!.id, emulatorId(refund.connectorRefundId))
        }))

      it.live("429 waits as Retry-After says, then succeeds", () =>
        Effect.gen(function*() {
          const c = yield* client()
          const paymentId = yield* payment()
          const request = input(paymentId)
          emulator.injectFault({ _tag: "RateLimit", retryAfterSeconds: 1 }, createMatch(request))
          const started = Date.now()
          const refund = yield* c.create(request)
          const waited = Date.now() - started
          assert.isAtLeast(waited, 950, `waited ${waited} ms, Retry-After said 1 s`)
          assert.strictEqual(refund.simpleStatus, "PENDING")
          assert.strictEqual(emulator.refunds().length, 1)
        }))

      if (!keyless) it.live("5xx answers are retried", () =>
        Effect.gen(function*() {
          const c = yield* client()
          const paymentId = yield* payment()
          const request = input(paymentId)
          emulator.injectFault({ _tag: "ServerError", status: 503 }, createMatch(request, 2))
          const refund = yield* c.create(request)
          assert.strictEqual(refund.simpleStatus, "PENDING")
          assert.strictEqual(creates(request).length, 3)
          assert.strictEqual(emulator.refunds().length, 1)
        }))

      it.live("a timeout after sending is OutcomeUnknown, resolved without a second refund", () =>
        Effect.gen(function*() {
          const impatient = yield* client({ retry: { maxAttempts: 1 }, timeouts: { attemptMillis: 250, totalMillis: 5_000 } })
          const paymentId = yield* payment()
          const request = input(paymentId)
          emulator.injectFault({ _tag: "Slow", delayMillis: 1_000 }, createMatch(request))
          const error = yield* Effect.flip(impatient.create(request))
          expectReason(error, ["OutcomeUnknown"])
          // The Slow answer is held on the emulator clock: let its second pass, so the key is no longer in flight.
          yield* moveTime(1_000)
          // Another client (a restarted process without a store) knows when the key was first used from the error.
          const c = yield* client()
          const recovered = yield* c.recover(request, { firstAttemptAt: firstAttemptOf(error) })
          assert.strictEqual(emulator.refunds().length, 1, "recovering never creates a second refund")
          assert.strictEqual(emulatorId(recovered.connectorRefundId), emulator.refunds()[0]!.id)
        }))

      const lookupProvesAbsence = caps.lookup && caps.lookupFindsPending
      it.live(
        lookupProvesAbsence
          ? "a recovery finds the refund by lookup, whenever the key was first used"
          : "a recovery past the processor's key window, or with no known first attempt, is refused without sending",
        () =>
          Effect.gen(function*() {
            const c = yield* client()
            const paymentId = yield* payment()
            const request = input(paymentId)
            const created = yield* c.create(request)
            const before = creates(request).length
            const longAgo = Date.now() - connector.idempotencyKey.windowMillis - 60_000
            const fresh = yield* client()
            if (lookupProvesAbsence) {
              const found = yield* fresh.recover(request, { firstAttemptAt: longAgo })
              assert.strictEqual(found.connectorRefundId, created.connectorRefundId)
            } else {
              // A lookup that cannot prove absence may still find the refund (Authorize.net's unsettled list
              // holds it until its batch settles): then that is the answer. Otherwise the recovery is refused.
              for (const hint of [{ firstAttemptAt: longAgo }, undefined]) {
                const outcome = yield* Effect.result(fresh.recover(request, hint))
                if (Result.isSuccess(outcome) && caps.lookup) assert.strictEqual(outcome.success.connectorRefundId, created.connectorRefundId)
                else expectReason(Result.isFailure(outcome) ? outcome.failure : { _tag: "a refund" }, ["IdempotencyExpired"])
              }
            }
            assert.strictEqual(creates(request).length, before, "no create was sent")
            assert.strictEqual(emulator.refunds().length, 1)
          })
      )

      it.live("an undecodable 2xx create answer is OutcomeUnknown (the refund exists), resolved without a second refund", () =>
        Effect.gen(function*() {
          const c = yield* client({ retry: { maxAttempts: 1 } })
          const paymentId = yield* payment()
          const request = input(paymentId)
          emulator.injectFault({ _tag: "MalformedBody" }, createMatch(request))
          const error = yield* Effect.flip(c.create(request))
          expectReason(error, ["OutcomeUnknown"])
          assert.strictEqual(emulator.refunds().length, 1, "the processor made the refund")
          const recovered = yield* (yield* client()).recover(request, { firstAttemptAt: firstAttemptOf(error) })
          assert.strictEqual(emulator.refunds().length, 1, "recovering never creates a second refund")
          assert.strictEqual(emulatorId(recovered.connectorRefundId), emulator.refunds()[0]!.id)
        }))

      skipIf(keyless, "an undecodable 2xx create answer is replayed with the same key and succeeds", `${connector.displayName} de-duplicates nothing (windowMillis 0): a create is never replayed`, () =>
        Effect.gen(function*() {
          const c = yield* client()
          const paymentId = yield* payment()
          const request = input(paymentId)
          emulator.injectFault({ _tag: "MalformedBody" }, createMatch(request))
          const refund = yield* c.create(request)
          assert.strictEqual(emulator.refunds().length, 1)
          assert.strictEqual(emulatorId(refund.connectorRefundId), emulator.refunds()[0]!.id)
          assert.strictEqual(creates(request).length, 2)
        }))
    })

    describe("capabilities", () => {
      const missing = [
        ...(caps.get ? [] : ["get"]),
        ...(caps.lookup ? [] : ["lookup"])
      ]
      skipIf(missing.length === 0, "an unsupported capability answers Unsupported without a request", `${connector.displayName} supports get and lookup`, () =>
        Effect.gen(function*() {
          const c = yield* client()
          if (!caps.get) expectReason(yield* Effect.flip(c.get("abcdefghij123456")), ["Unsupported"])
          if (!caps.get) expectReason(yield* Effect.flip(c.pollUntilSettled("abcdefghij123456")), ["Unsupported"])
          if (!caps.lookup) {
            expectReason(yield* Effect.flip(c.lookup({ merchantRefundId: "x1", connectorTransactionId: "abcdefghij123456" })), ["Unsupported"])
          }
          assert.strictEqual(emulator.requests().length, 0)
        }))
    })

    describe("listing and reports", () => {
      it("the declared list and reports capabilities match what the connector provides", () => {
        assert.strictEqual(connector.list !== undefined, caps.list, "capabilities.list needs connector.list (and only then)")
        assert.strictEqual(connector.report !== undefined, caps.reports, "capabilities.reports needs connector.report (and only then)")
        if (connector.list !== undefined) {
          const { maxPageSize, maxWindowMillis, lagMillis } = connector.list
          assert.isTrue(Number.isSafeInteger(maxPageSize) && maxPageSize >= 1, `maxPageSize ${maxPageSize}`)
          assert.isTrue(Number.isFinite(lagMillis) && lagMillis >= 0, `lagMillis ${lagMillis}`)
          if (maxWindowMillis !== undefined) assert.isTrue(maxWindowMillis >= 1_000, `maxWindowMillis ${maxWindowMillis}`)
        }
      })

      /** Every page of a window, through the client, until `next` is absent. */
      const walk = (c: RefundClient.RefundClient, window: Connector.ListWindow, pageSize: number) =>
        Effect.gen(function*() {
          const pages: Array<Connector.ListPage> = []
          let cursor: string | undefined
          do {
            const page = yield* c.listPage({ window, pageSize, ...(cursor !== undefined ? { cursor } : {}) })
            pages.push(page)
            if (page.next !== undefined) assert.notStrictEqual(page.next, cursor, "a page never points back at itself")
            cursor = page.next
            if (pages.length > 100) assert.fail("the listing never ends")
          } while (cursor !== undefined)
          return pages
        })

      const second = 1_000
      const LISTED = 5
      const PAGE_SIZE = 2

      skipIf(
        !caps.list,
        "listing: every refund created in a window appears exactly once, over several pages; an earlier window has none of them",
        `${connector.displayName} cannot list refunds`,
        () =>
          Effect.gen(function*() {
            // The emulator's listing lag is the processor's eventual consistency: this scenario is about the walk.
            emulator.setListLagMillis(0)
            const c = yield* client()
            const earlierPayment = yield* payment()
            const earlier = yield* c.create(input(earlierPayment, 700, currency, "list-early"))
            yield* moveTime(5 * second)
            // Windows are whole seconds: the first listed refund is created on a second boundary.
            const from = Math.ceil(emulator.clock.now() / second) * second
            if (from > emulator.clock.now()) yield* Effect.promise(() => emulator.clock.setTime(from))
            const created: Array<{ refund: Refund.Refund; request: RefundClient.CreateRefundInput; paymentId: string; outcome: Outcome }> = []
            for (let i = 0; i < LISTED; i++) {
              const outcome: Outcome = i === 1 ? "failed" : "succeeded"
              const paymentId = yield* payment()
              emulator.scriptOutcome(paymentId, outcome)
              const request = input(paymentId, 1_100 + 100 * i, currency, `list-${i}`)
              created.push({ refund: yield* c.create(request), request, paymentId, outcome })
              yield* moveTime(10)
            }
            const to = (Math.floor(emulator.clock.now() / second) + 1) * second
            // Past the window's end, and far enough for every refund to settle.
            yield* moveTime(Math.max(2 * SETTLE_MILLIS, to - emulator.clock.now() + second))

            const pages = yield* walk(c, { from, to }, PAGE_SIZE)
            assert.isAtLeast(pages.length, Math.ceil(LISTED / PAGE_SIZE), "the walk took several pages")
            for (const page of pages) assert.isAtMost(page.refunds.length, PAGE_SIZE, "a page holds at most pageSize refunds")
            const listed = pages.flatMap((p) => p.refunds)
            const ids = listed.map((r) => r.connectorRefundId)
            assert.strictEqual(new Set(ids).size, ids.length, `no refund twice: ${ids.join(", ")}`)
            assert.sameMembers(ids, created.map((x) => x.refund.connectorRefundId), "exactly the refunds created in the window")
            for (const { outcome, paymentId, refund, request } of created) {
              const snapshot = listed.find((r) => r.connectorRefundId === refund.connectorRefundId)!
              const what = `${refund.connectorRefundId} (${outcome})`
              assert.isDefined(snapshot.amount, `${what} has an amount`)
              assert.isTrue(Money.equals(snapshot.amount!, Money.make(request.amount!.amount, currency)), `${what}: amount`)
              assert.strictEqual(snapshot.status, outcome === "failed" ? "Failed" : "Succeeded", `${what}: status`)
              if (snapshot.merchantRefundId !== undefined) assert.strictEqual(snapshot.merchantRefundId, request.merchantRefundId, `${what}: merchant refund id`)
              if (snapshot.connectorTransactionId !== undefined) assert.strictEqual(snapshot.connectorTransactionId, paymentId, `${what}: payment`)
              if (snapshot.createdAt !== undefined) assert.isTrue(snapshot.createdAt >= from && snapshot.createdAt < to, `${what}: created in the window`)
            }

            const before = (yield* walk(c, { from: from - 60 * second, to: from }, PAGE_SIZE)).flatMap((p) => p.refunds)
            const beforeIds = before.map((r) => r.connectorRefundId)
            for (const { refund } of created) assert.notInclude(beforeIds, refund.connectorRefundId, "a window ending before a refund was created never lists it")
            assert.deepStrictEqual(beforeIds, [earlier.connectorRefundId], "the earlier window lists the earlier refund, once")
          })
      )

      if (!caps.list) {
        it.live("listing: Unsupported before any request", () =>
          Effect.gen(function*() {
            const c = yield* client()
            const before = emulator.requests().length
            const now = Math.floor(Date.now() / second) * second
            const error = yield* Effect.flip(c.listPage({ window: { from: now - 3_600 * second, to: now }, pageSize: 10 }))
            expectReason(error, ["Unsupported"])
            assert.strictEqual(error.operation, "list")
            assert.strictEqual(emulator.requests().length, before, "nothing was sent")
          }))
      }

      skipIf(!caps.reports, "reports: the parser refuses a header that is not its report", `${connector.displayName} parses no reports`, () =>
        Effect.sync(() => {
          const report = connector.report
          assert.isDefined(report, "capabilities.reports needs connector.report")
          assert.isTrue(report!.name.length > 0, "the report has a name")
          const notReports: ReadonlyArray<ReadonlyArray<string>> = [
            [],
            [""],
            ["Date", "Amount", "Currency"],
            ["id", "object", "amount", "currency", "status", "created", "charge"],
            ["Transaction ID", "Reference ID", "Event Code", "Gross", "Currency", "Status"]
          ]
          for (const header of notReports) {
            const bound = report!.columns(header)
            assert.isTrue(Result.isFailure(bound), `refuses the header ${JSON.stringify(header)}`)
            if (Result.isFailure(bound)) assert.isTrue(bound.failure.length > 0, "and says why")
          }
        }))
    })

    describe("webhooks", () => {
      const noWebhooks = !caps.webhooks
      const why = `${connector.displayName} has no webhooks`
      /**
       * A connector whose webhooks declare no secrets receives unsigned deliveries that only name what changed
       * (notices: Mollie's `id=tr_…` pings). Nothing in them is verified or believed: the core reads what they
       * name back through `get`. The signature scenarios do not apply to it.
       */
      const unsignedNotices = caps.webhooks && connector.webhooks !== undefined && Object.keys(connector.webhooks.secrets).length === 0
      const unsignedWhy = `${connector.displayName} webhooks are unsigned notices (no secrets declared): read back through get, nothing in them is believed`
      const settledRefund = Effect.gen(function*() {
        const { c, created } = yield* createWithOutcome("succeeded")
        yield* Effect.promise(() => emulator.advance(emulatorId(created.connectorRefundId)))
        return { c, created }
      })

      skipIf(noWebhooks, "a valid delivery verifies and parses into the refund's state", why, () =>
        Effect.gen(function*() {
          const { c, created } = yield* settledRefund
          const events = yield* deliver(created.connectorRefundId)
          const event = events.find((e) => e.refund?.connectorRefundId === created.connectorRefundId) ??
            events.find((e) =>
              e.notice !== undefined &&
              (e.notice.connectorRefundId === created.connectorRefundId ||
                (e.notice.connectorRefundId === undefined && e.notice.connectorTransactionId === created.connectorTransactionId))
            )
          assert.isDefined(event, "the delivery carries the refund, or a notice naming it or its payment")
          if (event!.refund !== undefined) assert.strictEqual(event!.refund.status, "Succeeded")
          else {
            // A notice states nothing: the core reads what it names through get, and the read says the state.
            // Let the refund take the rest of its path first (Mollie passes through `processing`).
            const id = emulatorId(created.connectorRefundId)
            for (let i = 0; i < 5 && emulator.refunds().find((r) => r.id === id)?.nextStepAt !== undefined; i++) {
              yield* Effect.promise(() => emulator.advance(id))
            }
            assert.strictEqual((yield* c.get(created.reference, created)).status, "Succeeded")
          }
          assert.isTrue(event!.eventId.length > 0)
        }))

      skipIf(noWebhooks || unsignedNotices, "a tampered body is refused", noWebhooks ? why : unsignedWhy, () =>
        Effect.gen(function*() {
          const { created } = yield* settledRefund
          const error = yield* Effect.flip(deliver(created.connectorRefundId, { tamper: true }))
          assert.strictEqual(error._tag, "WebhookError")
          assert.include(["InvalidSignature", "MalformedPayload"], error.reason._tag)
        }))

      skipIf(noWebhooks || unsignedNotices, "a delivery signed with another secret is refused", noWebhooks ? why : unsignedWhy, () =>
        Effect.gen(function*() {
          const { created } = yield* settledRefund
          const error = yield* Effect.flip(deliver(created.connectorRefundId, { secret: target.otherWebhookSecret }))
          assert.strictEqual(error.reason._tag, "InvalidSignature")
        }))

      skipIf(noWebhooks || !target.signedTimestamp, "a stale signed timestamp is refused", noWebhooks ? why : "the scheme signs no timestamp", () =>
        Effect.gen(function*() {
          const { created } = yield* settledRefund
          const error = yield* Effect.flip(deliver(created.connectorRefundId, { timestampSeconds: Math.floor(Date.now() / 1000) - 3_600 }))
          assert.strictEqual(error.reason._tag, "TimestampOutOfTolerance")
        }))

      skipIf(noWebhooks, "a duplicate delivery parses to the same event id", why, () =>
        Effect.gen(function*() {
          const { created } = yield* settledRefund
          const first = yield* deliver(created.connectorRefundId)
          const second = yield* deliver(created.connectorRefundId)
          assert.deepStrictEqual(first.map((e) => e.eventId), second.map((e) => e.eventId))
        }))

      skipIf(noWebhooks, "a delivery without secrets configured is refused (fail closed)", why, () =>
        Effect.gen(function*() {
          const { created } = yield* settledRefund
          const b = yield* bound({ webhookSecrets: undefined })
          const signed = emulator.signedWebhook(emulatorId(created.connectorRefundId))
          const raw = WebhookEvent.makeRawRequest({ headers: signed.headers, body: signed.body, url: target.webhookUrl })
          const error = yield* Effect.flip(Webhooks.verifyAndParse(b, raw).pipe(Effect.provide(httpLayer)))
          assert.strictEqual(error.reason._tag, "NotConfigured")
        }))
    })

    describe("amounts in minor units with the currency's exponent", () => {
      for (const cur of ["JPY", "KWD"]) {
        it.live(`${cur} (${cur === "JPY" ? "0" : "3"} decimals) refunds exactly`, () =>
          Effect.gen(function*() {
            const c = yield* client()
            const paymentId = yield* payment(100_000, cur)
            const refund = yield* c.create(input(paymentId, 1_234, cur))
            assert.isTrue(Money.equals(refund.amount!, Money.make(1_234, cur)))
            const stored = emulator.refunds()[0]!
            assert.strictEqual(stored.amount, 1_234)
            assert.strictEqual(stored.currency.toUpperCase(), cur)
          }))
      }
    })

    describe("bad input", () => {
      it.live("a malformed payment id is InvalidRequest and never reaches the processor", () =>
        Effect.gen(function*() {
          const c = yield* client()
          for (const id of ["", "has space", "../../x", "a/b"]) {
            expectReason(yield* Effect.flip(c.create({ ...input("x"), connectorTransactionId: id })), ["InvalidRequest"])
          }
          assert.strictEqual(emulator.requests().length, 0)
        }))

      skipIf(!caps.get, "a malformed refund id is InvalidRequest and never reaches the processor", "no status endpoint", () =>
        Effect.gen(function*() {
          const c = yield* client()
          expectReason(yield* Effect.flip(c.get("not a refund/id")), ["InvalidRequest"])
          assert.strictEqual(emulator.requests().length, 0)
        }))

      it.live("missing credentials are a Configuration error naming the variable, not a value", () =>
        Effect.gen(function*() {
          const error = yield* Effect.flip(bound({ credentials: {} }))
          expectReason(error, ["Configuration"])
          const envNames = Object.values(connector.credentials as Credentials.CredentialSpec).filter((f) => !f.optional).map((f) => f.env)
          for (const env of envNames) assert.include(error.reason.message, env)
        }))

      it.live("wrong credentials are an Authentication error that does not echo them", () =>
        Effect.gen(function*() {
          const wrong = target.wrongCredentials(emulator)
          const c = yield* client({ credentials: wrong })
          const paymentId = yield* payment()
          // Whether the processor refuses with 401 or with a 200 that carries the refusal (Authorize.net).
          const error = yield* Effect.flip(c.create(input(paymentId)))
          expectReason(error, ["Authentication"])
          assert.strictEqual(emulator.refunds().length, 0)
          const text = `${error.message} ${JSON.stringify(error)}`
          for (const [name, value] of Object.entries(wrong)) {
            if (connector.credentials[name]?.secret) assert.notInclude(text, value)
          }
        }))

      it.live("an unknown payment is refused with a typed reason", () =>
        Effect.gen(function*() {
          const c = yield* client()
          const real = yield* payment()
          // Same shape as a real id, one character changed.
          const unknown = real.slice(0, -1) + (real.endsWith("Z") ? "Y" : "Z")
          const error = yield* Effect.flip(c.create(input(unknown)))
          expectReason(error, ["NotFound", "InvalidRequest", "RefundRejected"])
        }))

      it.live("a refund above the refundable amount is refused", () =>
        Effect.gen(function*() {
          const c = yield* client()
          const paymentId = yield* payment(1_000)
          if ((target.overRefund ?? "rejected") === "rejected") {
            const error = yield* Effect.flip(c.create(input(paymentId, 5_000)))
            expectReason(error, ["RefundRejected", "InvalidRequest"])
            assert.strictEqual(emulator.refunds().length, 0)
          } else {
            const created = yield* c.create(input(paymentId, 5_000))
            const settled = yield* settle(c, created)
            assert.strictEqual(settled.status, "Failed")
          }
        }))
    })
  })
}
