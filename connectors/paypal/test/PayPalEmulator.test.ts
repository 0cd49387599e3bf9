/**
 * PayPal-specific end-to-end checks against the PayPal emulator (real HTTP on loopback), beyond the
 * shared conformance suite: access tokens (one request for many concurrent refunds, refresh after
 * revocation and after expiry, none for invalid input) and the certificate-URL allow-list.
 */
import { afterAll, assert, beforeAll, beforeEach, describe, it } from "@effect/vitest"
import { BoundConnector, RefundClient, WebhookEvent, Webhooks } from "@refract/core"
import { PayPalEmulator } from "@refract/testkit"
import { Effect } from "effect"
import { FetchHttpClient } from "effect/http"
import { connector } from "@refract/paypal"

const TOKEN_PATH = "/v1/oauth2/token"

let emulator: PayPalEmulator.PayPalEmulatorHandle

beforeAll(async () => {
  emulator = await PayPalEmulator.start({ clock: "manual", tokenLifetimeSeconds: 3_600 })
})
afterAll(async () => {
  await emulator?.close()
})
beforeEach(() => {
  emulator.reset()
})

const options = (over: Partial<BoundConnector.ConnectorOptions> = {}): BoundConnector.ConnectorOptions => ({
  credentials: { clientId: emulator.credentials["clientId"]!, clientSecret: emulator.credentials["clientSecret"]! },
  baseUrl: emulator.url,
  retry: { maxAttempts: 3, baseDelayMillis: 10, maxDelayMillis: 50 },
  timeouts: { attemptMillis: 3_000, totalMillis: 10_000 },
  ...over
})

const client = (over?: Partial<BoundConnector.ConnectorOptions>) =>
  Effect.flatMap(BoundConnector.bind(connector, options(over)), RefundClient.make).pipe(Effect.provide(FetchHttpClient.layer))

const payment = (amount = 100_000, currency = "USD") => Effect.promise(() => emulator.createPayment({ amount, currency }))

let counter = 0
const input = (paymentId: string, amount = 1_000): RefundClient.CreateRefundInput => ({
  merchantRefundId: `pp-e2e-${Date.now().toString(36)}-${(counter++).toString(36)}`,
  connectorTransactionId: paymentId,
  amount: { amount, currency: "USD" }
})

/** Polls the emulator's token counter until it reaches `expected`, then checks it stays there. */
const tokenRequestsSettleAt = (expected: number) =>
  Effect.gen(function*() {
    for (let i = 0; i < 50 && emulator.tokenRequests() < expected; i++) yield* Effect.sleep("20 millis")
    yield* Effect.sleep("100 millis")
    assert.strictEqual(emulator.tokenRequests(), expected)
  })

describe("access tokens against the PayPal emulator", () => {
  it.live("10 concurrent refunds cause exactly one token request", () =>
    Effect.gen(function*() {
      const c = yield* client()
      const paymentId = yield* payment()
      const refunds = yield* Effect.forEach(Array.from({ length: 10 }, () => input(paymentId)), (one) => c.create(one), {
        concurrency: "unbounded"
      })
      assert.strictEqual(refunds.length, 10)
      assert.strictEqual(new Set(refunds.map((r) => r.connectorRefundId)).size, 10)
      assert.strictEqual(emulator.refunds().length, 10)
      yield* tokenRequestsSettleAt(1)
      // Reads reuse the same token.
      yield* Effect.forEach(refunds, (r) => c.get(r.reference, r), { concurrency: "unbounded" })
      yield* tokenRequestsSettleAt(1)
    }))

  it.live("a revoked token is refreshed on the 401, once, and the refund goes through", () =>
    Effect.gen(function*() {
      const c = yield* client()
      const paymentId = yield* payment()
      const first = yield* c.create(input(paymentId))
      yield* tokenRequestsSettleAt(1)
      assert.isAtLeast(emulator.revokeTokens(), 1)
      const second = yield* c.create(input(paymentId))
      assert.notStrictEqual(second.connectorRefundId, first.connectorRefundId)
      assert.strictEqual(emulator.refunds().length, 2)
      yield* tokenRequestsSettleAt(2)
      const unauthorised = emulator.requests().filter((r) => r.path !== TOKEN_PATH && r.status === 401)
      assert.strictEqual(unauthorised.length, 1, "one 401, then the fresh token")
      // The retried create carried the same PayPal-Request-Id as the refused one.
      const creates = emulator.requests().filter((r) => r.method === "POST" && r.path !== TOKEN_PATH).slice(-2)
      assert.strictEqual(creates[0]!.headers["paypal-request-id"], creates[1]!.headers["paypal-request-id"])
    }))

  it.live("an expired token is replaced", () =>
    Effect.gen(function*() {
      const shortLived = yield* Effect.acquireRelease(
        Effect.promise(() => PayPalEmulator.start({ clock: "manual", tokenLifetimeSeconds: 1 })),
        (e) => Effect.promise(() => e.close())
      )
      const c = yield* Effect.flatMap(
        BoundConnector.bind(connector, {
          ...options(),
          credentials: { clientId: shortLived.credentials["clientId"]!, clientSecret: shortLived.credentials["clientSecret"]! },
          baseUrl: shortLived.url
        }),
        RefundClient.make
      ).pipe(Effect.provide(FetchHttpClient.layer))
      const paymentId = yield* Effect.promise(() => shortLived.createPayment({ amount: 10_000, currency: "USD" }))
      const refund = yield* c.create(input(paymentId))
      // Tokens expire on the emulator clock: move it past the token's lifetime instead of waiting.
      yield* Effect.promise(() => shortLived.clock.advance(1_000))
      yield* c.get(refund.reference, refund)
      assert.strictEqual((shortLived as PayPalEmulator.PayPalEmulatorHandle).tokenRequests(), 2)
    }).pipe(Effect.scoped))

  it.live("invalid input sends nothing at all, not even a token request", () =>
    Effect.gen(function*() {
      const c = yield* client()
      for (const id of ["", "has space", "../../x", "a/b", "2gg279541u471931p"]) {
        const error = yield* Effect.flip(c.create({ ...input("x"), connectorTransactionId: id }))
        assert.strictEqual(error._tag === "RefundError" ? error.reason._tag : "", "InvalidRequest")
      }
      const error = yield* Effect.flip(c.get("not a refund/id"))
      assert.strictEqual(error._tag === "RefundError" ? error.reason._tag : "", "InvalidRequest")
      assert.strictEqual(emulator.requests().length, 0)
      assert.strictEqual(emulator.tokenRequests(), 0)
    }))

  it.live("wrong client credentials: Authentication on 'authenticate', and no refund request", () =>
    Effect.gen(function*() {
      const c = yield* client({ credentials: { clientId: emulator.credentials["clientId"]!, clientSecret: "EWrongWrongWrongWrongWrong" } })
      const paymentId = yield* payment()
      const error = yield* Effect.flip(c.create(input(paymentId)))
      assert.strictEqual(error.operation, "authenticate")
      assert.strictEqual(error.reason._tag, "Authentication")
      assert.strictEqual(emulator.requests().filter((r) => r.path !== TOKEN_PATH).length, 0)
      assert.strictEqual(emulator.refunds().length, 0)
    }))
})

describe("webhooks from the PayPal emulator", () => {
  it.live("its loopback PAYPAL-CERT-URL is never fetched: without a pinned certificate the delivery is refused", () =>
    Effect.gen(function*() {
      const c = yield* client()
      const paymentId = yield* payment()
      const refund = yield* c.create(input(paymentId))
      yield* Effect.promise(() => emulator.advance(refund.connectorRefundId))
      const signed = emulator.signedWebhook(refund.connectorRefundId)
      const raw = WebhookEvent.makeRawRequest({ headers: signed.headers, body: signed.body })
      const before = emulator.requests().length
      const unpinned = yield* BoundConnector.bind(connector, options({ webhookSecrets: { webhookId: emulator.webhookSecret } }))
      const error = yield* Effect.flip(Webhooks.verifyAndParse(unpinned, raw).pipe(Effect.provide(FetchHttpClient.layer)))
      assert.strictEqual(error.reason._tag, "InvalidSignature")
      assert.include(error.reason.message, "PAYPAL-CERT-URL")
      assert.strictEqual(emulator.requests().length, before, "nothing was fetched from the emulator")
      // Pinned, the same delivery verifies.
      const pinned = yield* BoundConnector.bind(connector, options({
        webhookSecrets: { webhookId: emulator.webhookSecret, certificatePem: emulator.certificatePem.trim() }
      }))
      const events = yield* Webhooks.verifyAndParse(pinned, raw).pipe(Effect.provide(FetchHttpClient.layer))
      assert.strictEqual(events[0]!.refund?.connectorRefundId, refund.connectorRefundId)
      assert.strictEqual(events[0]!.refund?.status, "Succeeded")
      assert.strictEqual(events[0]!.refund?.connectorTransactionId, paymentId)
      assert.strictEqual(events[0]!.refund?.merchantRefundId, refund.merchantRefundId)
    }))
})
