/**
 * GoCardless events carry no refund state. End to end through core's webhook handler, against the emulator:
 * a `paid` event is applied as what it states; a `refund_settled` event (no status: "deducted from a payout")
 * is a notice, so the handler reads the refund through `get` and applies what GoCardless answers.
 */
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { EventHandler, MemoryRefundStore, RefundService, RefundStore, WebhookEvent } from "@refract/core"
import { GoCardlessEmulator } from "@refract/testkit"
import type { EmulatorHandle } from "@refract/testkit"
import { Effect, Layer, Option } from "effect"
import { FetchHttpClient } from "effect/http"
import { GoCardlessConnector } from "@refract/gocardless"

describe("GoCardless webhooks through core's event handler", () => {
  let emu: EmulatorHandle

  beforeAll(async () => {
    emu = await GoCardlessEmulator.start({ clock: "manual" })
  })
  afterAll(async () => {
    await emu?.close()
  })

  const env = () =>
    RefundService.layer(
      GoCardlessConnector.layer({ accessToken: emu.credentials["accessToken"]!, webhookSecret: emu.webhookSecret, baseUrl: emu.url })
    ).pipe(Layer.provideMerge(MemoryRefundStore.layer), Layer.provideMerge(FetchHttpClient.layer))

  const deliver = (refundId: string, eventType: string) => {
    const signed = emu.signedWebhook(refundId, { eventType })
    return EventHandler.handleEvent({
      connector: "gocardless",
      request: WebhookEvent.makeRawRequest({ url: "http://127.0.0.1/webhooks/gocardless", headers: signed.headers, body: signed.body })
    })
  }

  it.live("a paid event is applied as stated; a refund_settled notice is read through get, once per event id", () =>
    Effect.gen(function*() {
      const pay = yield* Effect.promise(() => emu.createPayment({ amount: 5_000, currency: "GBP" }))
      emu.scriptOutcome(pay, "succeeded")
      const refund = yield* (yield* RefundService.RefundService).create("gocardless", {
        merchantRefundId: "notice-r1",
        connectorTransactionId: pay,
        amount: { amount: 700, currency: "GBP" }
      })
      assert.strictEqual(refund.status, "Pending")
      yield* Effect.promise(() => emu.advance(refund.connectorRefundId))
      const store = yield* RefundStore.RefundStore
      const key = { connector: "gocardless", connectorRefundId: refund.connectorRefundId }

      const reads = () => emu.requests().filter((r) => r.method === "GET" && r.path === `/refunds/${refund.connectorRefundId}`).length
      const before = reads()
      const settled = yield* deliver(refund.connectorRefundId, "refund_settled")
      assert.deepStrictEqual(settled.outcomes.map((o) => o._tag), ["Applied"])
      assert.strictEqual(reads(), before + 1, "the notice was read through get")
      assert.strictEqual(Option.getOrUndefined(yield* store.get(key))?.status, "Succeeded")
      assert.strictEqual((yield* store.history(key)).at(-1)!.source, "poll", "the state came from the read, not the delivery")

      const paid = yield* deliver(refund.connectorRefundId, "paid")
      assert.strictEqual(reads(), before + 1, "a stated event needs no read")
      assert.include(["Applied", "Unchanged", "Duplicate"], paid.outcomes[0]!._tag)
      const again = yield* deliver(refund.connectorRefundId, "paid")
      assert.strictEqual(again.outcomes[0]!._tag, "Duplicate")
      assert.strictEqual(Option.getOrUndefined(yield* store.get(key))?.status, "Succeeded")
    }).pipe(Effect.provide(env())))
})
