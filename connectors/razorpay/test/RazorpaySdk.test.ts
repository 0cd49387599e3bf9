/**
 * Our `X-Razorpay-Signature` verifier against Razorpay's official Node SDK (`razorpay` 2.9.8):
 * `validateWebhookSignature(body, signature, secret)` is the SDK's oracle. Whatever it accepts, ours accepts;
 * what it refuses (the published negative, another secret, an altered body), ours refuses. The SDK signs
 * nothing itself, so signatures come from the published vector R1 and from real emulator deliveries.
 */
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { WebhookEvent } from "@refract/core"
import { RazorpayEmulator } from "@refract/testkit"
import type { EmulatorHandle } from "@refract/testkit"
import { Effect, Redacted } from "effect"
import Razorpay from "razorpay"
import { RazorpayWebhook } from "@refract/razorpay"

const ours = (body: string, signature: string, secret: string): Promise<boolean> =>
  Effect.runPromise(
    RazorpayWebhook.verifySignature(
      WebhookEvent.makeRawRequest({ headers: { "x-razorpay-signature": signature }, body }),
      Redacted.make(secret)
    ).pipe(Effect.as(true), Effect.catch(() => Effect.succeed(false)))
  )

const sdk = (body: string, signature: string, secret: string): boolean => Razorpay.validateWebhookSignature(body, signature, secret)

/** Both verdicts, so a disagreement shows which side said what. */
const verdicts = async (body: string, signature: string, secret: string) => ({ sdk: sdk(body, signature, secret), ours: await ours(body, signature, secret) })

describe("X-Razorpay-Signature: our verifier and razorpay-node agree", () => {
  let emulator: EmulatorHandle

  beforeAll(async () => {
    emulator = await RazorpayEmulator.start({ clock: "manual" })
  })
  afterAll(async () => {
    await emulator?.close()
  })

  it("R1 and its negative (razorpay-node test/utils/razorpay-utils.spec.js)", async () => {
    const body = "{\"a\":1,\"b\":2,\"c\":{\"d\":3}}"
    const signature = "2fe04e22977002e6c7cb553adab8b460cb9e2a4970d5953cb27a8472752e3bbc"
    assert.deepStrictEqual(await verdicts(body, signature, "123456"), { sdk: true, ours: true })
    assert.deepStrictEqual(await verdicts(body, "sdfafds", "123456"), { sdk: false, ours: false })
    assert.deepStrictEqual(await verdicts(body, signature, "1234567"), { sdk: false, ours: false })
    assert.deepStrictEqual(await verdicts(body.replace("3", "4"), signature, "123456"), { sdk: false, ours: false })
  })

  it("every signature our signer produces is one the SDK accepts", async () => {
    const cases: ReadonlyArray<readonly [string, string]> = [
      ["", "s"],
      ["{\"event\":\"refund.processed\",\"note\":\"₹ 😀\"}", "rzp webhook secret with spaces"],
      ["x".repeat(10_000), "k"]
    ]
    for (const [body, secret] of cases) {
      const signature = RazorpayWebhook.signature(body, secret)
      assert.deepStrictEqual(await verdicts(body, signature, secret), { sdk: true, ours: true }, body.slice(0, 24))
    }
  })

  it("real emulator deliveries: both accept them, both refuse tampered and foreign-secret ones", async () => {
    const pay = await emulator.createPayment({ amount: 10_000, currency: "INR" })
    const refund = (await fetch(`${emulator.url}/v1/payments/${pay}/refund`, {
      method: "POST",
      headers: {
        authorization: `Basic ${Buffer.from(`${emulator.credentials["keyId"]}:${emulator.credentials["keySecret"]}`).toString("base64")}`,
        "content-type": "application/json"
      },
      body: JSON.stringify({ amount: 2_500, notes: { merchant_refund_id: "mr-1" } })
    }).then((r) => r.json())) as { id: string }
    await emulator.advance(refund.id)
    const secret = emulator.webhookSecret
    for (const eventType of ["refund.created", "refund.processed", "refund.failed", "refund.speed_changed"]) {
      const good = emulator.signedWebhook(refund.id, { eventType })
      assert.deepStrictEqual(await verdicts(good.body, good.headers["x-razorpay-signature"]!, secret), { sdk: true, ours: true }, eventType)
    }
    const tampered = emulator.signedWebhook(refund.id, { tamper: true })
    assert.deepStrictEqual(await verdicts(tampered.body, tampered.headers["x-razorpay-signature"]!, secret), { sdk: false, ours: false })
    const foreign = emulator.signedWebhook(refund.id, { secret: "someone-elses-secret" })
    assert.deepStrictEqual(await verdicts(foreign.body, foreign.headers["x-razorpay-signature"]!, secret), { sdk: false, ours: false })
  })
})
