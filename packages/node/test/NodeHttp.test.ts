/**
 * NodeHttp, the undici client the Executor sends through on Node: what it answers, how its failures
 * classify ("was the request sent?"), that timeouts and interruption free the connection, that it
 * refuses oversized answers, and that wrapping it routes the Executor through the wrapper.
 */
import { assert, describe, it } from "@effect/vitest"
import { BoundConnector, DirectExchange, RefundClient, RefundService } from "@refract/core"
import type { RefundError } from "@refract/core"
import { StripeConnector } from "@refract/stripe"
import { StripeEmulator } from "@refract/testkit"
import { Effect } from "effect"
import { HttpClient, HttpClientRequest } from "effect/http"
import { createServer as createHttpServer } from "node:http"
import type { IncomingMessage, Server as HttpServer, ServerResponse } from "node:http"
import { createServer } from "node:net"
import type { AddressInfo, Server, Socket } from "node:net"
import { Agent } from "undici"
import { NodeHttp } from "@refract/node"

const apiKey = "sk_test_nodehttp_0123456789"

const listen = (server: Server | HttpServer) =>
  Effect.acquireRelease(
    Effect.callback<number>((resume) => {
      server.listen(0, "127.0.0.1", () => resume(Effect.succeed((server.address() as AddressInfo).port)))
    }),
    () => Effect.callback<void>((resume) => void server.close(() => resume(Effect.void)))
  )

const httpServer = (handler: (request: IncomingMessage, response: ServerResponse) => void) => listen(createHttpServer(handler))

/** A port nothing listens on: bound, then closed. */
const closedPort = Effect.gen(function*() {
  const server = createServer()
  const port = yield* Effect.callback<number>((resume) => {
    server.listen(0, "127.0.0.1", () => resume(Effect.succeed((server.address() as AddressInfo).port)))
  })
  yield* Effect.callback<void>((resume) => void server.close(() => resume(Effect.void)))
  return port
})

const stripeClient = (port: number, options: { maxAttempts?: number; attemptMillis?: number } = {}) =>
  Effect.gen(function*() {
    const bound = yield* BoundConnector.bind(StripeConnector.connector, {
      credentials: { apiKey },
      baseUrl: `http://127.0.0.1:${port}`,
      retry: { maxAttempts: options.maxAttempts ?? 1, baseDelayMillis: 1, maxDelayMillis: 1 },
      timeouts: { attemptMillis: options.attemptMillis ?? 2_000, totalMillis: 5_000 }
    })
    return yield* RefundClient.make(bound)
  })

const create = { merchantRefundId: "order-nh-1", connectorTransactionId: "ch_3NodeHttpTest000000001", amount: { amount: 500, currency: "USD" } }

describe("NodeHttp", () => {
  it.live("creates and reads refunds at the Stripe emulator through its direct exchange", () =>
    Effect.gen(function*() {
      const emulator = yield* Effect.acquireRelease(Effect.promise(() => StripeEmulator.start()), (e) => Effect.promise(() => e.close()))
      const payment = yield* Effect.promise(() => emulator.createPayment({ amount: 10_000, currency: "USD" }))
      const http = yield* HttpClient.HttpClient
      assert.isDefined(DirectExchange.of(http), "NodeHttp's client carries a direct exchange")
      const refunds = yield* Effect.service(RefundService.RefundService).pipe(
        Effect.provide(RefundService.layer(StripeConnector.layer({ apiKey: emulator.credentials["apiKey"]!, baseUrl: emulator.url })))
      )
      const created = yield* refunds.create("stripe", { ...create, connectorTransactionId: payment })
      assert.strictEqual(created.status, "Pending")
      assert.strictEqual(created.amount?.amount, 500)
      const read = yield* refunds.get("stripe", created.connectorRefundId)
      assert.strictEqual(read.connectorRefundId, created.connectorRefundId)
      // The same merchant refund id again: the stored refund, never a second one at the processor.
      const again = yield* refunds.create("stripe", { ...create, connectorTransactionId: payment })
      assert.strictEqual(again.connectorRefundId, created.connectorRefundId)
      const other = yield* refunds.create("stripe", { ...create, connectorTransactionId: payment, merchantRefundId: "order-nh-2" })
      assert.notStrictEqual(other.connectorRefundId, created.connectorRefundId)
      assert.strictEqual(emulator.refunds().length, 2)
    }).pipe(Effect.scoped, Effect.provide(NodeHttp.layer())), { timeout: 20_000 })

  it.live("a refused connection is Network, not sent, after every attempt", () =>
    Effect.gen(function*() {
      const client = yield* stripeClient(yield* closedPort, { maxAttempts: 2 })
      const error: RefundError = yield* Effect.flip(client.create(create))
      assert.strictEqual(error.reason._tag, "Network")
      assert.isFalse((error.reason as RefundError.Network).requestSent)
      assert.strictEqual(error.attempts, 2)
    }).pipe(Effect.provide(NodeHttp.layer())))

  it.live("a connection reset after the request arrived is OutcomeUnknown for a create, a sent Network error for a read", () =>
    Effect.gen(function*() {
      let received = 0
      const server = createServer((socket: Socket) => {
        socket.on("data", () => {
          received++
          socket.resetAndDestroy()
        })
      })
      const client = yield* stripeClient(yield* listen(server))
      const error: RefundError = yield* Effect.flip(client.create(create))
      assert.strictEqual(error.reason._tag, "OutcomeUnknown")
      assert.isAtLeast(received, 1)
      const read: RefundError = yield* Effect.flip(client.get("re_3NodeHttpTest0001"))
      assert.strictEqual(read.reason._tag, "Network")
      assert.isTrue((read.reason as RefundError.Network).requestSent)
    }).pipe(Effect.scoped, Effect.provide(NodeHttp.layer())))

  it.live("an attempt that times out aborts its request and frees the connection", () =>
    Effect.gen(function*() {
      let closed = 0
      const port = yield* httpServer((request) => {
        // Never answers; counts the connections the client gives up.
        request.socket.on("close", () => closed++)
      })
      const client = yield* stripeClient(port, { attemptMillis: 150 })
      const error: RefundError = yield* Effect.flip(client.create(create))
      assert.strictEqual(error.reason._tag, "OutcomeUnknown")
      assert.include(error.reason.message, "no answer within 150 ms")
      yield* Effect.sleep(200)
      assert.strictEqual(closed, 1, "the aborted request's connection is closed, not left waiting")
    }).pipe(Effect.scoped, Effect.provide(NodeHttp.layer())))

  it.live("answers larger than maxResponseBytes are refused as a transport failure after sending", () =>
    Effect.gen(function*() {
      const port = yield* httpServer((_request, response) => {
        response.writeHead(200, { "content-type": "application/json" }).end(`{"id":"re_1","pad":"${"x".repeat(64 * 1024)}"}`)
      })
      const client = yield* stripeClient(port)
      const error: RefundError = yield* Effect.flip(client.get("re_3NodeHttpTest0001"))
      assert.strictEqual(error.reason._tag, "Network")
      assert.isTrue((error.reason as RefundError.Network).requestSent)
    }).pipe(Effect.scoped, Effect.provide(NodeHttp.layer({ maxResponseBytes: 16 * 1024 }))))

  it.live("the exchange answers lower-case header names, repeated headers joined, the whole body and any status", () =>
    Effect.gen(function*() {
      let seen: IncomingMessage | undefined
      let body = ""
      const port = yield* httpServer((request, response) => {
        seen = request
        request.setEncoding("utf8")
        request.on("data", (chunk: string) => (body += chunk))
        request.on("end", () => {
          response.setHeader("Set-Cookie", ["a=1", "b=2"])
          response.writeHead(429, { "Retry-After": "3", "Content-Type": "application/json" }).end(`{"error":{"type":"rate_limit_error"}}`)
        })
      })
      const agent = yield* Effect.acquireRelease(Effect.sync(() => new Agent()), (a) => Effect.promise(() => a.close()))
      const answer = yield* NodeHttp.exchange(agent)({
        method: "POST",
        url: `http://127.0.0.1:${port}/v1/refunds?expand%5B%5D=charge`,
        headers: { "content-type": "application/x-www-form-urlencoded", "idempotency-key": "k-1" },
        body: "amount=5"
      }, 5_000)
      assert.strictEqual(answer.status, 429)
      assert.strictEqual(answer.headers["retry-after"], "3")
      assert.strictEqual(answer.headers["set-cookie"], "a=1, b=2")
      assert.strictEqual(answer.body, `{"error":{"type":"rate_limit_error"}}`)
      assert.strictEqual(seen?.url, "/v1/refunds?expand%5B%5D=charge")
      assert.strictEqual(seen?.headers["idempotency-key"], "k-1")
      assert.strictEqual(body, "amount=5")
    }).pipe(Effect.scoped))

  it.live("a base URL with a path prefix keeps it", () =>
    Effect.gen(function*() {
      let path = ""
      const port = yield* httpServer((request, response) => {
        path = request.url ?? ""
        response.writeHead(404).end()
      })
      const agent = yield* Effect.acquireRelease(Effect.sync(() => new Agent()), (a) => Effect.promise(() => a.close()))
      const answer = yield* NodeHttp.exchange(agent)({ method: "GET", url: `http://127.0.0.1:${port}/proxy/stripe/v1/refunds/re_1`, headers: {}, body: undefined }, 5_000)
      assert.strictEqual(answer.status, 404)
      assert.strictEqual(path, "/proxy/stripe/v1/refunds/re_1")
    }).pipe(Effect.scoped))

  it.live("a wrapped client has no direct exchange: the Executor goes through the wrapper", () =>
    Effect.gen(function*() {
      const headers: Array<string | undefined> = []
      const port = yield* httpServer((request, response) => {
        headers.push(request.headers["x-wrapped"] as string | undefined)
        response.writeHead(404, { "content-type": "application/json" }).end(`{"error":{"type":"invalid_request_error","code":"resource_missing"}}`)
      })
      const wrapped = HttpClient.mapRequest(yield* HttpClient.HttpClient, HttpClientRequest.setHeader("x-wrapped", "yes"))
      assert.isUndefined(DirectExchange.of(wrapped))
      const client = yield* stripeClient(port).pipe(Effect.provideService(HttpClient.HttpClient, wrapped))
      const error: RefundError = yield* Effect.flip(client.get("re_3NodeHttpTest0001"))
      assert.strictEqual(error.reason._tag, "NotFound")
      assert.deepStrictEqual(headers, ["yes"])
    }).pipe(Effect.scoped, Effect.provide(NodeHttp.layer())))
})
