/**
 * The refunds read API on a real server: access (no token, a wrong one, a malformed header, a
 * token in the URL, throttled guessing; never a secret in an answer), search by any id with
 * filters and pages, one refund with its history, a forced sync, and live changes over SSE.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Redacted } from "effect"
import { RefundTracker } from "@refract/core"
import { NodeWebhookServer } from "@refract/node"
import * as HookPay from "./helpers/HookPay.ts"

const TOKEN = "rfk_test_0123456789abcdef0123456789abcdef"

const serverLayer = (processor: HookPay.Processor, api: Partial<NodeWebhookServer.Options["api"] & object> = {}) =>
  NodeWebhookServer.layer({
    port: 0,
    host: "127.0.0.1",
    tracker: { initialDelay: "1 hour", jitter: false },
    api: { tokens: [Redacted.make(TOKEN)], stuckAfterMillis: 60_000, ...api }
  }).pipe(Layer.provide(Layer.mergeAll(HookPay.registryLayer(), processor.layer)))

const call = (url: string, init: RequestInit & { token?: string | null } = {}) =>
  Effect.promise(async () => {
    const { token = TOKEN, ...rest } = init
    const response = await fetch(url, {
      ...rest,
      headers: { ...(token === null ? {} : { authorization: `Bearer ${token}` }), ...(rest.headers as Record<string, string> | undefined) }
    })
    const text = await response.text()
    return { status: response.status, headers: response.headers, text, json: (text.startsWith("{") ? JSON.parse(text) : undefined) as any }
  })

/** Three refunds through the tracker (created through Refract: source "create"). */
const seed = Effect.gen(function*() {
  const tracker = yield* RefundTracker.RefundTracker
  const made = []
  for (const [i, payment] of ["pay_A", "pay_A", "pay_B"].entries()) {
    made.push(yield* tracker.create("hookpay", { merchantRefundId: `order-${i}`, connectorTransactionId: payment, amount: { amount: 500 + i, currency: "EUR" } }))
  }
  return made
})

describe("RefundsApi on refract serve", () => {
  it.live("refuses without the right token, with the same answer and no detail, and never a secret", () => {
    const processor = HookPay.processor()
    return Effect.gen(function*() {
      const { url } = yield* NodeWebhookServer.NodeWebhookServer
      yield* seed
      const refusals = [
        yield* call(`${url}/refunds`, { token: null }),
        yield* call(`${url}/refunds`, { token: "rfk_test_0123456789abcdef0123456789abcdeX" }),
        yield* call(`${url}/refunds`, { token: null, headers: { authorization: `Basic ${TOKEN}` } }),
        yield* call(`${url}/refunds/hookpay/re_1`, { token: "short" }),
        yield* call(`${url}/refunds/hookpay/re_1/sync`, { method: "POST", token: null }),
        yield* call(`${url}/refunds/events`, { token: null })
      ]
      for (const r of refusals) {
        assert.strictEqual(r.status, 401)
        assert.strictEqual(r.text, "{\"error\":\"Unauthorized\"}")
        assert.strictEqual(r.headers.get("www-authenticate"), "Bearer")
      }
      // The right token in the URL is refused too: URLs end up in logs.
      for (const q of [`token=${TOKEN}`, `access_token=${TOKEN}`, `q=x&api_key=${TOKEN}`]) {
        const r = yield* call(`${url}/refunds?${q}`, { token: null })
        assert.strictEqual(r.status, 400)
        assert.strictEqual(r.json.error, "CredentialInUrl")
        assert.notInclude(r.text, TOKEN)
      }
      // Webhooks and health stay open (processors sign webhooks; load balancers probe health).
      assert.strictEqual((yield* call(`${url}/healthz`, { token: null })).status, 200)
      // No CORS unless configured.
      const ok = yield* call(`${url}/refunds`, { headers: { origin: "https://evil.example" } })
      assert.strictEqual(ok.status, 200)
      assert.isNull(ok.headers.get("access-control-allow-origin"))
      for (const secret of [HookPay.apiKey, HookPay.signingSecret, TOKEN]) assert.notInclude(ok.text, secret)
    }).pipe(Effect.provide(serverLayer(processor)))
  })

  it.live("answers cross-origin browsers only from the configured origins", () => {
    const processor = HookPay.processor()
    return Effect.gen(function*() {
      const { url } = yield* NodeWebhookServer.NodeWebhookServer
      const listed = yield* call(`${url}/refunds`, { headers: { origin: "https://support.example.com" } })
      assert.strictEqual(listed.headers.get("access-control-allow-origin"), "https://support.example.com")
      const other = yield* call(`${url}/refunds`, { headers: { origin: "https://evil.example" } })
      assert.isNull(other.headers.get("access-control-allow-origin"))
      const preflight = yield* call(`${url}/refunds/hookpay/re_1`, { method: "OPTIONS", token: null, headers: { origin: "https://support.example.com" } })
      assert.strictEqual(preflight.status, 204)
      assert.strictEqual(preflight.headers.get("access-control-allow-headers"), "authorization")
      const refusedPreflight = yield* call(`${url}/refunds`, { method: "OPTIONS", token: null, headers: { origin: "https://evil.example" } })
      assert.isNull(refusedPreflight.headers.get("access-control-allow-origin"))
      // The token is still required from a listed origin.
      const noToken = yield* call(`${url}/refunds`, { token: null, headers: { origin: "https://support.example.com" } })
      assert.strictEqual(noToken.status, 401)
    }).pipe(Effect.provide(serverLayer(processor, { corsOrigins: ["https://support.example.com"] })))
  })

  it.live("throttles repeated failures from one address, the right token included, until the window ends", () => {
    const processor = HookPay.processor()
    return Effect.gen(function*() {
      const { url } = yield* NodeWebhookServer.NodeWebhookServer
      for (let i = 0; i < 3; i++) assert.strictEqual((yield* call(`${url}/refunds`, { token: `wrong-${i}` })).status, 401)
      const blocked = yield* call(`${url}/refunds`)
      assert.strictEqual(blocked.status, 429)
      assert.isAbove(Number(blocked.headers.get("retry-after")), 0)
      yield* Effect.sleep("1200 millis")
      assert.strictEqual((yield* call(`${url}/refunds`)).status, 200)
    }).pipe(Effect.provide(serverLayer(processor, { maxFailures: 3, windowMillis: 1_000 })))
  })

  it.live("searches by any id with filters and pages; shows one refund with its history; syncs; streams changes", () => {
    const processor = HookPay.processor()
    return Effect.gen(function*() {
      const { url, webhookUrl } = yield* NodeWebhookServer.NodeWebhookServer
      const made = yield* seed
      const ids = (r: { json: { refunds: Array<{ connectorRefundId: string }> } }) => r.json.refunds.map((x) => x.connectorRefundId).toSorted()

      assert.deepStrictEqual(ids(yield* call(`${url}/refunds?q=order-1`)), [made[1]!.connectorRefundId])
      assert.deepStrictEqual(ids(yield* call(`${url}/refunds?q=${made[2]!.connectorRefundId}`)), [made[2]!.connectorRefundId])
      assert.deepStrictEqual(ids(yield* call(`${url}/refunds?q=pay_A`)), [made[0]!.connectorRefundId, made[1]!.connectorRefundId].toSorted())
      assert.deepStrictEqual(ids(yield* call(`${url}/refunds?connector=hookpay&status=Pending`)).length, 3)
      assert.deepStrictEqual(ids(yield* call(`${url}/refunds?status=Succeeded`)), [])
      assert.deepStrictEqual(ids(yield* call(`${url}/refunds?stuck=true`)), [], "created just now: not stuck yet")
      const first = yield* call(`${url}/refunds?limit=2`)
      assert.strictEqual(first.json.refunds.length, 2)
      const second = yield* call(`${url}/refunds?limit=2&cursor=${encodeURIComponent(first.json.next)}`)
      assert.strictEqual(second.json.refunds.length, 1)
      assert.isUndefined(second.json.next)
      for (const bad of ["status=Done", "limit=0", "limit=501", "cursor=xyz", "created_from=yesterday", "stuck=maybe", "nope=1", "q=a&q=b"]) {
        const r = yield* call(`${url}/refunds?${bad}`)
        assert.strictEqual(r.status, 400, bad)
        assert.strictEqual(r.json.error, "InvalidQuery", bad)
      }

      const detail = yield* call(`${url}/refunds/hookpay/${made[0]!.connectorRefundId}`)
      assert.strictEqual(detail.status, 200)
      assert.strictEqual(detail.json.refund.merchantRefundId, "order-0")
      assert.strictEqual(detail.json.refund.stuck, false)
      assert.deepStrictEqual(detail.json.history.map((e: { source: string }) => e.source), ["create"])
      assert.strictEqual((yield* call(`${url}/refunds/hookpay/re_missing`)).status, 404)

      // Live changes: open the stream, then a webhook settles one refund and a sync another.
      const controller = new AbortController()
      const stream = yield* Effect.promise(() => fetch(`${url}/refunds/events`, { headers: { authorization: `Bearer ${TOKEN}` }, signal: controller.signal }))
      assert.strictEqual(stream.headers.get("content-type"), "text/event-stream")
      const reader = stream.body!.getReader()
      let received = ""
      const reading = (async () => {
        const decoder = new TextDecoder()
        while (!received.includes(made[1]!.connectorRefundId)) {
          const chunk = await reader.read()
          if (chunk.done) break
          received += decoder.decode(chunk.value)
        }
      })()
      yield* Effect.sleep("100 millis")
      const webhook = HookPay.delivery([HookPay.event("evt_api_1", HookPay.refund({ id: made[0]!.connectorRefundId, status: "succeeded" }))])
      const delivered = yield* call(webhookUrl("hookpay"), { method: "POST", token: null, headers: webhook.headers, body: new Uint8Array(webhook.body) })
      assert.strictEqual(delivered.status, 200)
      processor.set(made[1]!.connectorRefundId, "failed")
      const synced = yield* call(`${url}/refunds/hookpay/${made[1]!.connectorRefundId}/sync`, { method: "POST" })
      assert.strictEqual(synced.status, 200)
      assert.strictEqual(synced.json.refund.status, "Failed")
      assert.strictEqual(synced.json.transition, "Applied")
      yield* Effect.promise(() => Promise.race([reading, new Promise((resolve) => setTimeout(resolve, 5_000))]))
      controller.abort()
      assert.include(received, "event: change")
      const events = received.split("\n\n").filter((block) => block.startsWith("event: change")).map((block) => JSON.parse(block.split("data: ")[1]!))
      assert.deepStrictEqual(events.map((e) => [e.refund.connectorRefundId, e.refund.status, e.source]), [
        [made[0]!.connectorRefundId, "Succeeded", "webhook"],
        [made[1]!.connectorRefundId, "Failed", "poll"]
      ])
      const after = yield* call(`${url}/refunds/hookpay/${made[0]!.connectorRefundId}`)
      assert.deepStrictEqual(after.json.history.map((e: { source: string }) => e.source), ["create", "webhook"])
    }).pipe(Effect.provide(serverLayer(processor)))
  })
})
