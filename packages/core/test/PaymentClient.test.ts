import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { Connector, PaymentClient, RefundError, RefundNotSettled } from "@refract/core"
import { fakeConnector, testKey } from "./helpers/FakeConnector.ts"
import { refundBody } from "./helpers/ScriptedHttp.ts"

// A tiny fakepay over real HTTP: the first read of a refund answers pending, the next succeeded.
let server: Server
let baseUrl: string
const reads = new Map<string, number>()
const seen: Array<{ method: string; url: string; key: string | undefined; idem: string | undefined }> = []

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({ method: req.method!, url: req.url!, key: req.headers["x-fake-key"] as string, idem: req.headers["idempotency-key"] as string })
    if (req.headers["x-fake-key"] !== testKey) {
      res.writeHead(401, { "content-type": "application/json" }).end(JSON.stringify({ error: { message: "bad key" } }))
      return
    }
    if (req.method === "POST" && req.url === "/refunds") {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(refundBody({ id: "rf_promise" })))
      return
    }
    const match = /^\/refunds\/([^/]+)$/.exec(req.url ?? "")
    if (req.method === "GET" && match !== null) {
      const n = (reads.get(match[1]!) ?? 0) + 1
      reads.set(match[1]!, n)
      res.writeHead(200, { "content-type": "application/json" }).end(
        JSON.stringify(refundBody({ id: match[1]!, status: n < 2 ? "pending" : "succeeded" }))
      )
      return
    }
    res.writeHead(404).end()
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

const input = { merchantRefundId: "promise-1", connectorTransactionId: "pay_9", amount: { amount: 500, currency: "EUR" } }

describe("PaymentClient (Promise facade)", () => {
  it("initiates a refund, reads its status, waits until it settles", async () => {
    const client = new PaymentClient({ connector: fakeConnector, apiKey: testKey, environment: "SANDBOX", baseUrl })
    try {
      const refund = await client.refund(input)
      assert.strictEqual(refund.status, "Pending")
      assert.strictEqual(refund.simpleStatus, "PENDING")
      assert.strictEqual(refund.connectorRefundId, "rf_promise")
      const read = await client.refunds.get("rf_promise", refund)
      assert.strictEqual(read.simpleStatus, "PENDING")
      const settled = await client.refunds.waitUntilSettled(read, { intervalMillis: 10, deadlineMillis: 5_000 })
      assert.strictEqual(settled.simpleStatus, "SUCCEEDED")
      assert.strictEqual(seen.find((s) => s.method === "POST")?.idem, "refract-promise-1")
    } finally {
      await client.close()
    }
  })

  it("apiKey fills the connector's only required secret when it is not called apiKey", async () => {
    const tokenNamed: Connector.Connector = {
      ...fakeConnector,
      credentials: { accessToken: { secret: true, description: "a token", env: "FAKEPAY_TOKEN" } },
      auth: { _tag: "Static", headers: (c: { readonly accessToken: string }) => ({ "x-fake-key": c.accessToken }) }
    }
    const client = new PaymentClient({ connector: tokenNamed, apiKey: testKey, baseUrl })
    try {
      const refund = await client.refund({ ...input, merchantRefundId: "promise-token-1" })
      assert.strictEqual(refund.connectorRefundId, "rf_promise")
    } finally {
      await client.close()
    }
  })

  it("rejects with a typed RefundError for bad credentials, ids and connectors", async () => {
    const wrongKey = new PaymentClient({ connector: fakeConnector, apiKey: "fk_test_wrong", baseUrl, retry: { maxAttempts: 1 } })
    const auth = await wrongKey.refund(input).then(() => undefined, (e: unknown) => e)
    assert.instanceOf(auth, RefundError)
    assert.strictEqual((auth as RefundError).reason._tag, "Authentication")
    const malformed = await wrongKey.refunds.get("bad id with spaces").then(() => undefined, (e: unknown) => e)
    assert.strictEqual((malformed as RefundError).reason._tag, "InvalidRequest")
    await wrongKey.close()

    const missing = new PaymentClient({ connector: fakeConnector, baseUrl })
    const config = await missing.refund(input).then(() => undefined, (e: unknown) => e)
    assert.strictEqual((config as RefundError).reason._tag, "Configuration")
    assert.include((config as Error).message, "FAKEPAY_API_KEY")

    const unknown = new PaymentClient({ connector: "nopay", apiKey: "x" })
    const notInstalled = await unknown.refund(input).then(() => undefined, (e: unknown) => e)
    assert.strictEqual((notInstalled as RefundError).reason._tag, "Configuration")
    assert.instanceOf(notInstalled, RefundError)
    assert.include((notInstalled as Error).message, "PaymentClient.register(nopay)")

    const weird = new PaymentClient({ connector: "../../etc/passwd", apiKey: "x" })
    const rejected = await weird.refund(input).then(() => undefined, (e: unknown) => e)
    assert.include((rejected as Error).message, "malformed connector id")
  })

  it("exports RefundError and RefundNotSettled as classes with their reasons reachable", () => {
    const error = new RefundError({ connector: "fakepay", operation: "create", reason: new RefundError.RateLimited({ message: "slow down" }) })
    assert.instanceOf(error, RefundError)
    assert.instanceOf(error, Error)
    assert.instanceOf(error.reason, RefundError.RateLimited)
    assert.isTrue(error.isRetryable)
    const reason: RefundError.Reason = error.reason
    assert.strictEqual(reason._tag, "RateLimited")
    assert.notStrictEqual<unknown>(RefundNotSettled, RefundError)
    assert.strictEqual(RefundNotSettled.NotSettled.name, "NotSettled")
  })

  it("registers connectors by id; an unregistered id says how to register", async () => {
    const unregistered = new PaymentClient({ connector: "fakepay", apiKey: testKey, baseUrl })
    const error = await unregistered.refund({ ...input, merchantRefundId: "promise-reg-0" }).then(() => undefined, (e: unknown) => e)
    assert.strictEqual((error as RefundError).reason._tag, "Configuration")
    assert.include((error as Error).message, "PaymentClient.register(fakepay)")
    PaymentClient.register(fakeConnector)
    const client = new PaymentClient({ connector: "fakepay", apiKey: testKey, baseUrl })
    try {
      const refund = await client.refund({ ...input, merchantRefundId: "promise-reg-1" })
      assert.strictEqual(refund.connector, "fakepay")
    } finally {
      await client.close()
    }
  })

  it("a full refund without an amount sends none; a caller's idempotency key replaces the derived one", async () => {
    const client = new PaymentClient({ connector: fakeConnector, apiKey: testKey, baseUrl })
    try {
      const before = seen.length
      await client.refund({ merchantRefundId: "promise-full-1", connectorTransactionId: "pay_9", idempotencyKey: "my-own-key-1" })
      const post = seen.slice(before).find((s) => s.method === "POST")!
      assert.strictEqual(post.idem, "my-own-key-1")
    } finally {
      await client.close()
    }
  })
})
