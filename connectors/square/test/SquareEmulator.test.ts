/**
 * Square-specific end-to-end checks against the Square emulator, beyond the shared conformance suite:
 * a REJECTED refund, the refund reason on the wire, and real webhook deliveries POSTed to a local
 * receiver and verified with the configured notification URL (not the URL they arrived on).
 */
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { afterAll, assert, beforeAll, beforeEach, describe, it } from "@effect/vitest"
import { BoundConnector, RefundClient, WebhookEvent, Webhooks } from "@refract/core"
import { Effect, Schedule } from "effect"
import { FetchHttpClient } from "effect/http"
import { SquareEmulator } from "@refract/testkit"
import type { EmulatorHandle } from "@refract/testkit"
import { connector } from "@refract/square"

interface Received {
  readonly url: string
  readonly headers: Record<string, string>
  readonly body: Uint8Array
}

describe("Square against its emulator", () => {
  let emulator: EmulatorHandle
  const received: Array<Received> = []
  const receiver = createServer((req, res) => {
    const chunks: Array<Buffer> = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => {
      const headers: Record<string, string> = {}
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers[k] = v
      received.push({ url: req.url ?? "/", headers, body: new Uint8Array(Buffer.concat(chunks)) })
      res.writeHead(200, { "content-type": "application/json" }).end("{}")
    })
  })
  let receiverUrl = ""

  beforeAll(async () => {
    emulator = await SquareEmulator.start({ clock: "manual" })
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve))
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/square`
  })
  afterAll(async () => {
    await emulator?.close()
    await new Promise<void>((resolve) => receiver.close(() => resolve()))
  })
  beforeEach(() => {
    emulator.reset()
    received.length = 0
  })

  const client = (notificationUrl = "https://example.test/webhooks/square") =>
    Effect.gen(function*() {
      const bound = yield* BoundConnector.bind(connector, {
        credentials: { accessToken: emulator.credentials["accessToken"]! },
        baseUrl: emulator.url,
        webhookSecrets: { signatureKey: emulator.webhookSecret, notificationUrl },
        retry: { maxAttempts: 3, baseDelayMillis: 10, maxDelayMillis: 50 }
      })
      return { bound, refunds: yield* RefundClient.make(bound) }
    }).pipe(Effect.provide(FetchHttpClient.layer))

  it.live("a REJECTED refund settles as Failed, and the refund reason travels as text", () =>
    Effect.gen(function*() {
      const { refunds } = yield* client()
      const paymentId = yield* Effect.promise(() => emulator.createPayment({ amount: 5_000, currency: "USD" }))
      emulator.scriptOutcome(paymentId, "canceled")
      const created = yield* refunds.create({
        merchantRefundId: `rejected-${Date.now()}`,
        connectorTransactionId: paymentId,
        amount: { amount: 700, currency: "USD" },
        reason: "duplicate"
      })
      assert.strictEqual(created.rawStatus, "PENDING")
      assert.strictEqual(created.reason, "Duplicate payment", "Square echoes the reason it was sent")
      // The emulator runs on a manual clock: let Square's processing time pass, then poll.
      yield* Effect.promise(() => emulator.clock.advance(SquareEmulator.numbers.timing.settleAfterMillis))
      const settled = yield* refunds.pollUntilSettled(created, { schedule: Schedule.spaced("10 millis"), deadline: "10 seconds" })
      assert.strictEqual(settled.status, "Failed")
      assert.strictEqual(settled.rawStatus, "REJECTED")
      const [post] = emulator.requests().filter((r) => r.method === "POST")
      assert.include(post!.body, "\"reason\":\"Duplicate payment\"")
      assert.strictEqual(post!.headers["square-version"], "2025-08-20")
    }))

  it.live("real deliveries verify with the configured notification URL, whatever URL they arrive on", () =>
    Effect.gen(function*() {
      emulator.setWebhookUrl(receiverUrl)
      const { bound, refunds } = yield* client(receiverUrl)
      const paymentId = yield* Effect.promise(() => emulator.createPayment({ amount: 5_000, currency: "USD" }))
      emulator.scriptOutcome(paymentId, "succeeded")
      const created = yield* refunds.create({
        merchantRefundId: `delivered-${Date.now()}`,
        connectorTransactionId: paymentId,
        amount: { amount: 1_500, currency: "USD" }
      })
      yield* Effect.promise(() => emulator.advance(created.connectorRefundId))
      yield* Effect.promise(() => emulator.flushWebhooks())
      assert.isAtLeast(received.length, 2, "refund.created and refund.updated")
      const types: Array<string> = []
      for (const delivery of received) {
        // As a proxy would forward it: another host, same bytes and headers.
        const raw = WebhookEvent.makeRawRequest({ url: `http://internal:9000${delivery.url}`, headers: delivery.headers, body: delivery.body })
        const events = yield* Webhooks.verifyAndParse(bound, raw).pipe(Effect.provide(FetchHttpClient.layer))
        assert.strictEqual(events[0]!.refund!.connectorRefundId, created.connectorRefundId)
        types.push(`${events[0]!.eventType}:${events[0]!.refund!.status}`)
      }
      assert.deepStrictEqual(types, ["refund.created:Pending", "refund.updated:Succeeded"])
      assert.isTrue(emulator.webhookDeliveries().every((d) => d.accepted), "a 200 acknowledges")

      // Configured with another URL (say, the proxy's internal one), the same deliveries are refused.
      const { bound: misconfigured } = yield* client(`http://internal:9000/webhooks/square`)
      const error = yield* Effect.flip(
        Webhooks.verifyAndParse(misconfigured, WebhookEvent.makeRawRequest({ headers: received[0]!.headers, body: received[0]!.body })).pipe(
          Effect.provide(FetchHttpClient.layer)
        )
      )
      assert.strictEqual(error.reason._tag, "InvalidSignature")
    }))
})
