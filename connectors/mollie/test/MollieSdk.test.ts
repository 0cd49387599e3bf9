/**
 * Cross-checks with Mollie's official Node SDK (@mollie/api-client 4.6.0).
 *
 * Webhooks: the SDK has no webhook signer and no verifier (its exports carry no webhook helper; classic webhooks
 * are unsigned `id=tr_…` pings that the SDK's users answer by fetching the payment). So there is no signature to
 * check in either direction. What is cross-checked instead:
 * - the emulator's pings (what Mollie sends) are what our verifier and parser accept, each a notice naming the
 *   payment, and a forged ping (`tamper`) is still only a notice: nothing in it is believed;
 * - the SDK's own reading of Mollie's error bodies (`MollieApiError.createFromResponse`) agrees with ours
 *   (`MollieError.readErrorBody`) on the emulator's real error answers;
 * - every status the SDK's `RefundStatus` enum knows maps to a known Refract status.
 */
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { MollieApiError, RefundStatus } from "@mollie/api-client"
import * as MollieSdk from "@mollie/api-client"
import { WebhookEvent } from "@refract/core"
import { Effect, Result } from "effect"
import { MollieEmulator } from "@refract/testkit"
import type { EmulatorHandle } from "@refract/testkit"
import { connector, MollieError, MollieWebhook } from "@refract/mollie"

describe("@mollie/api-client 4.6.0 cross-checks", () => {
  let emu: EmulatorHandle
  beforeAll(async () => {
    emu = await MollieEmulator.start({ clock: "manual" })
  })
  afterAll(async () => {
    await emu.close()
  })

  it("the SDK offers no webhook signer or verifier to cross-check against", () => {
    const names = Object.keys(MollieSdk)
    assert.include(names, "createMollieClient")
    assert.deepStrictEqual(names.filter((name) => /webhook|signature|verify/i.test(name)), [])
  })

  it("the SDK's RefundStatus values are exactly Mollie's six, each mapped to a known status", () => {
    const values = Object.values(RefundStatus).toSorted()
    assert.deepStrictEqual(values, ["canceled", "failed", "pending", "processing", "queued", "refunded"])
    for (const value of values) assert.notStrictEqual(MollieWebhook.statusOf(value).status, "Unknown", value)
  })

  it.effect("the emulator's pings verify and parse into notices naming the payment; a forged ping is still only a notice", () =>
    Effect.gen(function*() {
      const paymentId = yield* Effect.promise(() => emu.createPayment({ amount: 1_000, currency: "EUR" }))
      const created = yield* Effect.promise(() =>
        fetch(`${emu.url}/v2/payments/${paymentId}/refunds`, {
          method: "POST",
          headers: { authorization: `Bearer ${emu.credentials["apiKey"]}`, "content-type": "application/json" },
          body: JSON.stringify({ amount: { currency: "EUR", value: "2.00" } })
        }).then((r) => r.json() as Promise<{ id: string }>)
      )
      const context = { now: Date.now(), fetchText: () => Effect.die("no fetch") }
      for (const tamper of [false, true]) {
        const signed = emu.signedWebhook(created.id, { tamper })
        const raw = WebhookEvent.makeRawRequest({ method: "POST", headers: signed.headers, body: signed.body })
        yield* connector.webhooks!.verify(raw, {}, context)
        const events = Result.getOrThrow(connector.webhooks!.parse(raw))
        assert.strictEqual(events.length, 1)
        assert.isUndefined(events[0]!.refund, "a ping states nothing")
        const named = events[0]!.notice?.connectorTransactionId
        if (tamper) assert.notStrictEqual(named, paymentId)
        else assert.strictEqual(named, paymentId)
      }
    }))

  it("the SDK and the connector read Mollie's error bodies the same way", async () => {
    const paymentId = await emu.createPayment({ amount: 1_000, currency: "EUR" })
    const answers = [
      await fetch(`${emu.url}/v2/payments/${paymentId}/refunds`, {
        method: "POST",
        headers: { authorization: `Bearer ${emu.credentials["apiKey"]}`, "content-type": "application/json" },
        body: JSON.stringify({ amount: { currency: "EUR", value: "50.00" } })
      }),
      await fetch(`${emu.url}/v2/payments/tr_Unknown000/refunds/re_Unknown000`, { headers: { authorization: `Bearer ${emu.credentials["apiKey"]}` } }),
      await fetch(`${emu.url}/v2/refunds`, { headers: { authorization: "Bearer test_NotTheKeyNotTheKeyNotTheKey0000" } })
    ]
    const expected = [["create", "RefundRejected"], ["get", "NotFound"], ["list", "Authentication"]] as const
    for (const [index, answer] of answers.entries()) {
      const text = await answer.text()
      assert.strictEqual(answer.headers.get("content-type"), "application/hal+json")
      const sdk = MollieApiError.createFromResponse(JSON.parse(text), undefined)
      const ours = MollieError.readErrorBody(text)!
      assert.strictEqual(ours.status, sdk.statusCode)
      assert.strictEqual(ours.status, answer.status)
      assert.strictEqual(ours.detail, sdk.message)
      assert.strictEqual(ours.field, sdk.field)
      assert.strictEqual(ours.documentation, sdk.getDocumentationUrl())
      const [operation, reason] = expected[index]!
      const headers: Record<string, string> = {}
      answer.headers.forEach((value, name) => {
        headers[name] = value
      })
      assert.strictEqual(connector.mapError({ status: answer.status, headers, body: text }, operation, Date.now()).reason._tag, reason)
    }
  })
})
