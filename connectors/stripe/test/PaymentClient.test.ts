import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { PaymentClient } from "@refract/core"
import { connector, stripe } from "@refract/stripe"
import { fixtureText } from "./helpers/Fixtures.ts"

const apiKey = "sk_test_51QbXbzLkdIwHu7ixPROMISEKEY"

interface Seen {
  readonly method: string
  readonly url: string
  readonly headers: Record<string, string | Array<string> | undefined>
  readonly body: string
}

const seen: Array<Seen> = []
const server = createServer((req, res) => {
  const chunks: Array<Buffer> = []
  req.on("data", (c: Buffer) => chunks.push(c))
  req.on("end", () => {
    seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString("utf8") })
    res.setHeader("content-type", "application/json")
    res.setHeader("request-id", "req_local")
    if (req.headers.authorization !== `Bearer ${apiKey}`) {
      res.statusCode = 401
      res.end(JSON.stringify({ error: { type: "invalid_request_error", message: "Invalid API Key provided: sk_test_****EKEY" } }))
    } else if (req.method === "POST" && req.url === "/v1/refunds") {
      res.end(fixtureText("refund-pending.json"))
    } else if (req.method === "GET" && req.url === "/v1/refunds/re_3QbXc2LkdIwHu7ix0fN8sQ2m") {
      res.end(fixtureText("refund-succeeded.json"))
    } else {
      res.statusCode = 404
      res.end(JSON.stringify({ error: { type: "invalid_request_error", code: "resource_missing", message: "No such refund" } }))
    }
  })
})
let baseUrl = ""

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()))
})

const input = {
  merchantRefundId: "order-42-r1",
  connectorTransactionId: "pi_3QbXc2LkdIwHu7ix0Hn1Ww6Y",
  amount: { amount: 1050, currency: "USD" }
}

describe("the Promise PaymentClient", () => {
  it("names a registered connector by id and refunds over real HTTP", async () => {
    PaymentClient.register(stripe)
    const client = new PaymentClient({ connector: "stripe", apiKey, environment: "sandbox", baseUrl })
    try {
      const refund = await client.refund(input)
      assert.strictEqual(refund.simpleStatus, "PENDING")
      assert.strictEqual(refund.connectorTransactionId, "pi_3QbXc2LkdIwHu7ix0Hn1Ww6Y")
      const latest = await client.refunds.get(refund.connectorRefundId)
      assert.strictEqual(latest.simpleStatus, "SUCCEEDED")
      const post = seen.find((s) => s.method === "POST")!
      assert.strictEqual(post.headers["idempotency-key"], "refract-order-42-r1")
      assert.strictEqual(post.headers["stripe-version"], "2026-10-28.endive")
      assert.strictEqual(post.body, "payment_intent=pi_3QbXc2LkdIwHu7ix0Hn1Ww6Y&amount=1050&metadata%5Bmerchant_refund_id%5D=order-42-r1")
    } finally {
      await client.close()
    }
  })

  it("accepts the connector value, and rejects with a typed RefundError without the key", async () => {
    const client = new PaymentClient({ connector, apiKey: "sk_test_wrongwrongwrong", baseUrl })
    try {
      const error: any = await client.refunds.get("re_3QbXc2LkdIwHu7ix0fN8sQ2m").then(() => undefined, (e: unknown) => e)
      assert.strictEqual(error?._tag, "RefundError")
      assert.strictEqual(error?.reason?._tag, "Authentication")
      assert.strictEqual(error?.requestId, "req_local")
      assert.notInclude(String(error?.message), "sk_test_wrongwrongwrong")
      assert.notInclude(JSON.stringify(error), "sk_test_wrongwrongwrong")
    } finally {
      await client.close()
    }
  })

  it("refuses a test key for production on first use", async () => {
    const client = new PaymentClient({ connector, apiKey, environment: "PRODUCTION", baseUrl })
    const before = seen.length
    try {
      const error: any = await client.refund(input).then(() => undefined, (e: unknown) => e)
      assert.strictEqual(error?.reason?._tag, "Configuration")
      assert.strictEqual(seen.length, before, "nothing was sent")
    } finally {
      await client.close()
    }
  })
})
