/**
 * Our `x-signature` verifier against Mercado Pago's official Node SDK (`mercadopago` 3.6.1): its
 * `WebhookSignatureValidator.validate({ xSignature, xRequestId, dataId, secret })` is the oracle, in both directions.
 *
 * - Our signer → the SDK's verifier: every notification we sign (`MercadoPagoWebhook.signature`) and every real
 *   emulator delivery is accepted by the SDK.
 * - The SDK's verdicts → ours: over a matrix of signatures built with an independent signer (node:crypto over the
 *   documented template; these vectors are DERIVED, Mercado Pago publishes none with its secret), the SDK and we
 *   accept and refuse the same deliveries (tampered data.id, wrong secret, another request id, another ts,
 *   malformed headers).
 * - The SDK signs nothing and ships no sample notifications; the docs' example header
 *   (`ts=1704908010,v1=618c8534…`) comes without its secret, data.id or request id, so it cannot be checked.
 * - One known difference: the docs (and this connector) lower-case an alphanumeric data.id; the SDK 3.6.1 does not.
 *   Payment ids are numbers, so payment notifications are unaffected; the test pins the difference.
 */
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { WebhookEvent } from "@refract/core"
import { MercadoPagoEmulator } from "@refract/testkit"
import type { EmulatorHandle } from "@refract/testkit"
import { Effect, Redacted } from "effect"
import { WebhookSignatureValidator } from "mercadopago"
import { createHmac } from "node:crypto"
import { MercadoPagoWebhook } from "@refract/mercadopago"

interface Delivery {
  readonly xSignature: string
  readonly xRequestId?: string | undefined
  readonly dataId?: string | undefined
}

const sdk = (d: Delivery, secret: string): boolean => {
  try {
    WebhookSignatureValidator.validate({ xSignature: d.xSignature, xRequestId: d.xRequestId, dataId: d.dataId, secret })
    return true
  } catch {
    return false
  }
}

const ours = (d: Delivery, secret: string): Promise<boolean> =>
  Effect.runPromise(
    MercadoPagoWebhook.verifySignature(
      WebhookEvent.makeRawRequest({
        url: d.dataId === undefined ? "https://merchant.example/hooks" : `https://merchant.example/hooks?data.id=${encodeURIComponent(d.dataId)}&type=payment`,
        headers: { "x-signature": d.xSignature, ...(d.xRequestId !== undefined ? { "x-request-id": d.xRequestId } : {}) },
        body: "{}"
      }),
      Redacted.make(secret)
    ).pipe(Effect.as(true), Effect.catch(() => Effect.succeed(false)))
  )

const verdicts = async (d: Delivery, secret: string) => ({ sdk: sdk(d, secret), ours: await ours(d, secret) })

/** Independent signer over the documented template (derived vectors). */
const independent = (secret: string, manifest: string) => createHmac("sha256", secret).update(manifest).digest("hex")

describe("x-signature: our verifier and the mercadopago SDK's WebhookSignatureValidator agree", () => {
  let emulator: EmulatorHandle

  beforeAll(async () => {
    emulator = await MercadoPagoEmulator.start({ clock: "manual" })
  })
  afterAll(async () => {
    await emulator?.close()
  })

  it("every signature our signer produces is one the SDK accepts", async () => {
    const cases: ReadonlyArray<readonly [string, string | undefined, string | undefined, string]> = [
      ["secret", "18552260055", "f7b2a1d4-0b1c-4ec2-aaaa-9e8b1d2f3c4d", "1704908010"],
      ["a secret with spaces and ñ", "1", undefined, "1"],
      ["k", undefined, "req-1", "1719000000000"],
      ["k".repeat(200), "99999999999999", "x", "0"]
    ]
    for (const [secret, dataId, requestId, ts] of cases) {
      const xSignature = `ts=${ts},v1=${MercadoPagoWebhook.signature(secret, dataId, requestId, ts)}`
      assert.deepStrictEqual(await verdicts({ xSignature, xRequestId: requestId, dataId }, secret), { sdk: true, ours: true }, `${dataId}/${requestId}`)
    }
  })

  it("over derived vectors, the SDK and we accept and refuse the same deliveries", async () => {
    const secret = "5f1c7d3e9a2b4c6d8e0f1a3b5c7d9e1f"
    const good = { xSignature: `ts=1704908010,v1=${independent(secret, "id:123;request-id:r-1;ts:1704908010;")}`, xRequestId: "r-1", dataId: "123" }
    const table: ReadonlyArray<readonly [string, Delivery, string, boolean]> = [
      ["genuine", good, secret, true],
      ["spaces around parts", { ...good, xSignature: good.xSignature.replace(",", " , ") }, secret, true],
      ["wrong secret", good, "another", false],
      ["tampered data.id", { ...good, dataId: "124" }, secret, false],
      ["another request id", { ...good, xRequestId: "r-2" }, secret, false],
      ["another ts", { ...good, xSignature: good.xSignature.replace("ts=1704908010", "ts=1704908011") }, secret, false],
      ["no v1", { ...good, xSignature: "ts=1704908010" }, secret, false],
      ["no ts", { ...good, xSignature: good.xSignature.replace("ts=1704908010,", "") }, secret, false],
      ["empty header", { ...good, xSignature: "" }, secret, false],
      ["request id dropped", { xSignature: good.xSignature, dataId: "123" }, secret, false],
      [
        "signed without request id",
        { xSignature: `ts=7,v1=${independent(secret, "id:123;ts:7;")}`, dataId: "123" },
        secret,
        true
      ]
    ]
    for (const [name, delivery, key, expected] of table) {
      assert.deepStrictEqual(await verdicts(delivery, key), { sdk: expected, ours: expected }, name)
    }
  })

  it("the known difference: an alphanumeric data.id is lower-cased by the docs' rule, not by the SDK 3.6.1", async () => {
    const secret = "s"
    const lower = { xSignature: `ts=1,v1=${independent(secret, "id:ord01abc;ts:1;")}`, dataId: "ORD01ABC" }
    assert.deepStrictEqual(await verdicts(lower, secret), { sdk: false, ours: true })
    const asSent = { xSignature: `ts=1,v1=${independent(secret, "id:ORD01ABC;ts:1;")}`, dataId: "ORD01ABC" }
    assert.deepStrictEqual(await verdicts(asSent, secret), { sdk: true, ours: false })
  })

  it("real emulator deliveries: both accept them, both refuse tampered and foreign-secret ones", async () => {
    const pay = await emulator.createPayment({ amount: 10_000, currency: "ARS" })
    const created = (await fetch(`${emulator.url}/v1/payments/${pay}/refunds`, {
      method: "POST",
      headers: { authorization: `Bearer ${emulator.credentials["accessToken"]!}`, "content-type": "application/json", "x-idempotency-key": "k-1" },
      body: JSON.stringify({ amount: 25 })
    }).then((r) => r.json())) as { id: number }
    const id = String(created.id)
    await emulator.advance(id)
    const secret = emulator.webhookSecret
    const of = (signed: { headers: Readonly<Record<string, string>>; body: string }): Delivery => ({
      xSignature: signed.headers["x-signature"]!,
      xRequestId: signed.headers["x-request-id"],
      dataId: String((JSON.parse(signed.body) as { data: { id: string } }).data.id)
    })
    assert.deepStrictEqual(await verdicts(of(emulator.signedWebhook(id)), secret), { sdk: true, ours: true })
    assert.deepStrictEqual(await verdicts(of(emulator.signedWebhook(id, { tamper: true })), secret), { sdk: false, ours: false })
    assert.deepStrictEqual(await verdicts(of(emulator.signedWebhook(id, { secret: "someone-elses" })), secret), { sdk: false, ours: false })
  })
})
