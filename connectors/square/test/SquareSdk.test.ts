/**
 * Our `x-square-hmacsha256-signature` verifier against Square's official Node SDK (`square` 46.0.0):
 * `WebhooksHelper.verifySignature` is the oracle. Whatever it accepts, ours accepts; what it refuses (the
 * published negatives of square-nodejs-sdk tests/integration/webhooks.test.ts), ours refuses.
 *
 * One documented difference: ours compares the decoded MAC bytes, so a header with surrounding whitespace
 * still verifies where the SDK's string `===` does not. It carries the same MAC; nothing forged gets through.
 */
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { WebhookEvent } from "@refract/core"
import { SquareEmulator } from "@refract/testkit"
import type { EmulatorHandle } from "@refract/testkit"
import { Effect, Redacted } from "effect"
import { WebhooksHelper } from "square"
import { SquareWebhook } from "@refract/square"

interface Case {
  readonly body: string
  readonly header: string
  readonly key: string
  readonly url: string
}

const ours = (c: Case): Promise<boolean> =>
  Effect.runPromise(
    SquareWebhook.verifySignature(
      WebhookEvent.makeRawRequest({ headers: { "x-square-hmacsha256-signature": c.header }, body: c.body }),
      { signatureKey: Redacted.make(c.key), notificationUrl: c.url }
    ).pipe(Effect.as(true), Effect.catch(() => Effect.succeed(false)))
  )

const sdk = (c: Case): Promise<boolean> =>
  WebhooksHelper.verifySignature({ requestBody: c.body, signatureHeader: c.header, signatureKey: c.key, notificationUrl: c.url })

const verdicts = async (c: Case) => ({ sdk: await sdk(c), ours: await ours(c) })

/** Q1 (square-nodejs-sdk tests/integration/webhooks.test.ts; processors.md §11). */
const q1: Case = {
  key: "Ibxx_5AKakO-3qeNVR61Dw",
  url: "https://webhook.site/679a4f3a-dcfa-49ee-bac5-9d0edad886b9",
  body: "{\"merchant_id\":\"MLEFBHHSJGVHD\",\"type\":\"webhooks.test_notification\",\"event_id\":\"ac3ac95b-f97d-458c-a6e6-18981597e05f\",\"created_at\":\"2022-07-13T20:30:59.037339943Z\",\"data\":{\"type\":\"webhooks\",\"id\":\"bc368e64-01aa-407e-b46e-3231809b1129\"}}",
  header: "GF4YkrJgGBDZ9NIYbNXBnMzqb2HoL4RW/S6vkZ9/2N4="
}

describe("x-square-hmacsha256-signature: our verifier and square-nodejs-sdk agree", () => {
  let emulator: EmulatorHandle

  beforeAll(async () => {
    emulator = await SquareEmulator.start({ clock: "manual" })
  })
  afterAll(async () => {
    await emulator?.close()
  })

  it("Q1–Q3 verify in both", async () => {
    const vectors: ReadonlyArray<Case> = [
      q1,
      { key: "signature-key", url: "https://webhook.site/webhooks", body: "{\"data\":{\"type\":\"webhooks\",\"id\":\"fake_id\"}}", header: "W3FlCNk5IA3ZQ2LHTWoajvzfaDu/OwY2tNHIHC3IUOA=" },
      { key: "signature-key", url: "https://webhook.site/webhooks", body: "{\"data\":{\"type\":\"webhooks\",\"id\":\">id<\"}}", header: "Cxt7+aTi4rKgcA0bC4g9EHdVtLSDWdqccmL5MvihU4U=" }
    ]
    for (const v of vectors) assert.deepStrictEqual(await verdicts(v), { sdk: true, ours: true }, v.body.slice(0, 30))
  })

  it("the published negatives fail in both", async () => {
    const negatives: ReadonlyArray<readonly [string, Case]> = [
      ["another URL", { ...q1, url: "https://webhook.site/79a4f3a-dcfa-49ee-bac5-9d0edad886b9" }],
      ["another key", { ...q1, key: "MCmhFRxGX82xMwg5FsaoQA" }],
      ["another header", { ...q1, header: "1z2n3DEJJiUPKcPzQo1ftvbxGdw=" }],
      ["another body", { ...q1, body: q1.body.replace("2022-07-13", "2022-06-13") }],
      ["the same JSON formatted", { ...q1, body: JSON.stringify(JSON.parse(q1.body), null, 4) }]
    ]
    for (const [name, c] of negatives) assert.deepStrictEqual(await verdicts(c), { sdk: false, ours: false }, name)
  })

  it("an empty key or URL: the SDK throws, ours refuses", async () => {
    for (const c of [{ ...q1, key: "" }, { ...q1, url: "" }]) {
      const thrown = await sdk(c).then(() => false, () => true)
      assert.isTrue(thrown)
      assert.isFalse(await ours(c))
    }
  })

  it("emulator deliveries for each refund event verify in both; tampered or foreign-key ones in neither", async () => {
    const paymentId = await emulator.createPayment({ amount: 1_000, currency: "USD" })
    const res = await fetch(`${emulator.url}/v2/refunds`, {
      method: "POST",
      headers: { authorization: `Bearer ${emulator.credentials["accessToken"]}`, "content-type": "application/json" },
      body: JSON.stringify({ idempotency_key: "sdk-cross-check-1", amount_money: { amount: 400, currency: "USD" }, payment_id: paymentId })
    })
    const { refund } = (await res.json()) as { refund: { id: string } }
    await emulator.advance(refund.id)
    const url = SquareEmulator.defaultNotificationUrl
    const signed = (options: Parameters<EmulatorHandle["signedWebhook"]>[1] = {}): Case => {
      const w = emulator.signedWebhook(refund.id, options)
      return { body: w.body, header: w.headers["x-square-hmacsha256-signature"]!, key: emulator.webhookSecret, url }
    }
    for (const eventType of ["refund.created", "refund.updated"]) {
      assert.deepStrictEqual(await verdicts(signed({ eventType })), { sdk: true, ours: true }, eventType)
    }
    assert.deepStrictEqual(await verdicts(signed({ tamper: true })), { sdk: false, ours: false })
    assert.deepStrictEqual(await verdicts(signed({ secret: "someone-elses-signature-key" })), { sdk: false, ours: false })
    assert.deepStrictEqual(await verdicts({ ...signed(), url: `${url}/` }), { sdk: false, ours: false }, "the URL is signed byte for byte")
  })

  it("the one difference: surrounding whitespace in the header (same MAC bytes)", async () => {
    assert.deepStrictEqual(await verdicts({ ...q1, header: ` ${q1.header} ` }), { sdk: false, ours: true })
  })
})
