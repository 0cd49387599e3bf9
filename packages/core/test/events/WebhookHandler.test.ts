import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { assert, describe, it } from "@effect/vitest"
import { WebhookHandler } from "@refract/core"
import * as HookPay from "./HookPay.ts"

const connectors = [
  { connector: HookPay.hookpay, options: HookPay.options() },
  { connector: HookPay.hookonly, options: HookPay.options() },
  { connector: HookPay.plainhook, options: { credentials: { apiKey: HookPay.apiKey } } }
]

const listen = async (listener: Parameters<typeof createServer>[1]) => {
  const server = createServer(listener!)
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return { url, close: () => new Promise<void>((resolve) => server.close(() => resolve())) }
}

const send = async (url: string, delivery: { headers: Readonly<Record<string, string>>; body: Uint8Array | string }, method = "POST") => {
  const response = await fetch(url, { method, headers: delivery.headers, body: method === "GET" ? null : delivery.body as string })
  return { status: response.status, body: await response.text() }
}

describe("WebhookHandler (Promise facade)", () => {
  it("handle(): verifies and stores a delivery; rejects a tampered one with a WebhookError", async () => {
    const webhooks = new WebhookHandler({ connectors })
    try {
      const result = await webhooks.handle("hookpay", HookPay.delivery([HookPay.event("e1", HookPay.refund({ status: "succeeded" }))]))
      assert.deepStrictEqual(result.outcomes.map((o) => o._tag), ["UnknownRefund"])
      assert.strictEqual((await webhooks.refund("hookpay", "re_1"))?.status, "Succeeded")
      const error = await webhooks.handle("hookpay", HookPay.delivery([HookPay.event("e2", HookPay.refund({ status: "succeeded" }))], { tamper: true }))
        .then(() => undefined, (e: unknown) => e as { _tag: string; httpStatus: number })
      assert.strictEqual(error?._tag, "WebhookError")
      assert.strictEqual(error?.httpStatus, 401)
      assert.strictEqual((await webhooks.history("hookpay", "re_1")).length, 1)
      const answer = await webhooks.respond("hookpay", HookPay.delivery([HookPay.event("e1", HookPay.refund({ status: "succeeded" }))]))
      assert.deepStrictEqual(answer, { status: 200, contentType: "application/json", body: "{\"received\":true}" })
    } finally {
      await webhooks.close()
    }
  })

  it("nodeListener on Node's own http server: acknowledgements, 401, 404, 405, 413", async () => {
    const webhooks = new WebhookHandler({ connectors, maxBodyBytes: 4096 })
    const server = await listen(webhooks.nodeListener)
    try {
      const ok = await send(`${server.url}/webhooks/hookonly`, HookPay.delivery([HookPay.event("a1", HookPay.refund({ status: "succeeded" }))]))
      assert.deepStrictEqual(ok, { status: 200, body: "[accepted]" })
      assert.strictEqual((await webhooks.refund("hookonly", "re_1"))?.status, "Succeeded")
      const tampered = await send(`${server.url}/webhooks/hookpay`, HookPay.delivery([HookPay.event("t", HookPay.refund({ status: "succeeded" }))], { tamper: true }))
      assert.strictEqual(tampered.status, 401)
      assert.isUndefined(await webhooks.refund("hookpay", "re_1"))
      assert.strictEqual((await send(`${server.url}/webhooks/nopay`, HookPay.delivery([]))).status, 404)
      assert.strictEqual((await send(`${server.url}/elsewhere`, HookPay.delivery([]))).status, 404)
      assert.strictEqual((await send(`${server.url}/webhooks/hookpay`, { headers: {}, body: "" }, "GET")).status, 405)
      assert.strictEqual((await send(`${server.url}/webhooks/hookpay`, { headers: {}, body: "x".repeat(10_000) })).status, 413)
    } finally {
      await server.close()
      await webhooks.close()
    }
  })

  it("handleNode() inside your own routing, and the unsigned opt-in", async () => {
    const strict = new WebhookHandler({ connectors })
    const lenient = new WebhookHandler({ connectors, allowUnsigned: ["plainhook"] })
    const server = await listen((req, res) => {
      const target = req.url?.startsWith("/lenient") ? lenient : strict
      void target.handleNode(req, res, "plainhook")
    })
    try {
      const body = JSON.stringify({ events: [HookPay.event("p1", HookPay.refund({ status: "succeeded" }))] })
      const refused = await send(`${server.url}/strict`, { headers: { "content-type": "application/json" }, body })
      assert.strictEqual(refused.status, 401)
      assert.match(refused.body, /allowUnsigned/)
      const accepted = await send(`${server.url}/lenient`, { headers: { "content-type": "application/json" }, body })
      assert.strictEqual(accepted.status, 204)
      assert.strictEqual((await lenient.refund("plainhook", "re_1"))?.status, "Succeeded")
    } finally {
      await server.close()
      await strict.close()
      await lenient.close()
    }
  })
})
