/**
 * Our `Paddle-Signature` verifier and signer against Paddle's official Node SDK (`@paddle/paddle-node-sdk` 3.10.0),
 * in both directions:
 * - SDK side → ours: the SDK signs nothing, so its side is (a) the vectors of its own validator tests
 *   (paddle-node-sdk `src/__tests__/notifications/webhooks-validator.node.test.ts`: body `{"data": ["1", "2"]}`,
 *   secret `VALID_SECRET`, `ts=1698796800`, valid on 2023-11-01), and (b) a signature computed exactly as its
 *   validator checks it (`WebhooksValidator.isValidSignature`: hex HMAC-SHA256 of `"<ts>:" + body`), confirmed by the
 *   SDK's own `isSignatureValid` before ours is asked.
 * - ours → SDK: emulator deliveries and `PaddleWebhook.signatureHeader` go through `paddle.webhooks.unmarshal`,
 *   which verifies and parses them into the SDK's `AdjustmentUpdatedEvent`.
 * The SDK's tolerance is 5 s against the wall clock (`MAX_VALID_TIME_DIFFERENCE`), so deliveries are signed now.
 */
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { WebhookEvent } from "@refract/core"
import { PaddleEmulator } from "@refract/testkit"
import type { EmulatorHandle } from "@refract/testkit"
import { Environment, Paddle } from "@paddle/paddle-node-sdk"
import { createHmac } from "node:crypto"
import { Effect, Redacted, Result } from "effect"
import { PaddleWebhook } from "@refract/paddle"

const ours = (body: string, signature: string, secret: string, now = Date.now()): Promise<boolean> =>
  Effect.runPromise(
    PaddleWebhook.verifySignature(WebhookEvent.makeRawRequest({ headers: { "paddle-signature": signature }, body }), Redacted.make(secret), now).pipe(
      Effect.as(true),
      Effect.catch(() => Effect.succeed(false))
    )
  )

const paddle = new Paddle("pdl_sdbx_apikey_01unused", { environment: Environment.sandbox })

const sdkAccepts = async (body: string, secret: string, signature: string): Promise<boolean> => {
  try {
    return await paddle.webhooks.isSignatureValid(body, secret, signature)
  } catch {
    return false
  }
}

describe("Paddle-Signature: our verifier and the official SDK agree", () => {
  let emulator: EmulatorHandle

  beforeAll(async () => {
    emulator = await PaddleEmulator.start({ clock: "manual" })
  })
  afterAll(async () => {
    await emulator?.close()
  })

  it("the SDK's published validator vectors (valid, multiple h1, wrong secret, altered body)", async () => {
    const at = Date.UTC(2023, 10, 1)
    const header = "ts=1698796800;h1=a300428748dce5c70e4da19bffd60769591ea969c99dea3105d0ec9612cf43f9"
    assert.isTrue(await ours("{\"data\": [\"1\", \"2\"]}", header, "VALID_SECRET", at))
    const multi = "ts=1698796800;h1=28981e941fae76e53db32f3d2a83cb69db41476595e84e1970a1b5d98f62b261;h1=28981e941fae76e53db32f3d2a83cb69db41476595e84e1970a1b5d98f62b261;h2=RANDOM_HASH"
    assert.isTrue(await ours("{\"data\": \"value\"}", multi, "VALID_SECRET", at))
    assert.isFalse(await ours("{\"data\": [\"1\", \"2\"]}", header, "INVALID_VALID_SECRET", at))
    assert.isFalse(await ours("{ \"data\": [ \"1\", \"2\" ]}", header, "VALID_SECRET", at))
    assert.isFalse(await ours("{\"data\": [\"1\", \"2\"]}", "ts=1234;h1=invalid_signature", "VALID_SECRET", at))
  })

  it("a signature made as the SDK's validator checks it: the SDK accepts it, so do we; altered, neither", async () => {
    const body = JSON.stringify({ event_id: "evt_01h8c6wz4ac017hxdehrgdvpz4", event_type: "adjustment.created", data: {} })
    const ts = Math.floor(Date.now() / 1000)
    const header = `ts=${ts};h1=${createHmac("sha256", "sdk-side-secret").update(`${ts}:${body}`).digest("hex")}`
    assert.isTrue(await sdkAccepts(body, "sdk-side-secret", header))
    assert.isTrue(await ours(body, header, "sdk-side-secret"))
    assert.isFalse(await sdkAccepts(`${body} `, "sdk-side-secret", header))
    assert.isFalse(await ours(`${body} `, header, "sdk-side-secret"))
  })

  it("emulator deliveries: unmarshalled by the SDK into AdjustmentUpdatedEvent; tampered or wrongly keyed, refused by both", async () => {
    const paymentId = await emulator.createPayment({ amount: 5_000, currency: "USD" })
    emulator.scriptOutcome(paymentId, "succeeded")
    const res = await fetch(`${emulator.url}/adjustments`, {
      method: "POST",
      headers: { authorization: `Bearer ${emulator.credentials["apiKey"]}`, "content-type": "application/json" },
      body: JSON.stringify({ action: "refund", transaction_id: paymentId, reason: "sdk cross-check", type: "full" })
    })
    assert.strictEqual(res.status, 201)
    const id = ((await res.json()) as { data: { id: string } }).data.id
    await emulator.advance(id)
    const signed = emulator.signedWebhook(id, { timestampSeconds: Math.floor(Date.now() / 1000) })
    const header = signed.headers["paddle-signature"]!
    const event = await paddle.webhooks.unmarshal(signed.body, emulator.webhookSecret, header)
    assert.strictEqual(event.eventType, "adjustment.updated")
    assert.strictEqual((event.data as { id: string }).id, id)
    assert.strictEqual((event.data as { status: string }).status, "approved")
    assert.isTrue(await ours(signed.body, header, emulator.webhookSecret))
    const parsed = Result.getOrThrow(PaddleWebhook.parseEvents(WebhookEvent.makeRawRequest({ headers: signed.headers, body: signed.body })))
    assert.strictEqual(parsed[0]!.eventId, event.eventId)
    assert.strictEqual(parsed[0]!.refund?.status, "Succeeded")

    const tampered = emulator.signedWebhook(id, { timestampSeconds: Math.floor(Date.now() / 1000), tamper: true })
    let sdkRefused = false
    await paddle.webhooks.unmarshal(tampered.body, emulator.webhookSecret, tampered.headers["paddle-signature"]!).catch(() => (sdkRefused = true))
    assert.isTrue(sdkRefused)
    assert.isFalse(await ours(tampered.body, tampered.headers["paddle-signature"]!, emulator.webhookSecret))
    assert.isFalse(await sdkAccepts(signed.body, "pdl_ntfset_wrong", header))
    assert.isFalse(await ours(signed.body, header, "pdl_ntfset_wrong"))
  })

  it("our signer's header is accepted by the SDK", async () => {
    const body = JSON.stringify({ event_id: "evt_01h8c6wz4ac017hxdehrgdvpz4", event_type: "adjustment.updated", occurred_at: "2023-08-21T14:10:08.650443Z", notification_id: "ntf_01h8c6wz6bvsvae9t76xap5twy", data: {} })
    const header = PaddleWebhook.signatureHeader(body, "our-secret", Math.floor(Date.now() / 1000))
    assert.isTrue(await sdkAccepts(body, "our-secret", header))
    assert.isFalse(await sdkAccepts(body, "not-our-secret", header))
  })

  it("a stale signature: the SDK refuses it after 5 s, and so do we", async () => {
    const body = "{}"
    const header = PaddleWebhook.signatureHeader(body, "s", Math.floor(Date.now() / 1000) - 60)
    assert.isFalse(await sdkAccepts(body, "s", header))
    assert.isFalse(await ours(body, header, "s"))
  })
})
