/**
 * "Was the request sent?" decided with every HTTP client Refract supports, against real sockets:
 * a refused connection sent nothing (a create is then safe to retry, even with a new key); a
 * connection dropped after the request went out may have reached the processor.
 */
import { assert, describe, it } from "@effect/vitest"
import { NodeHttpClient } from "@effect/platform-node"
import { Effect, Layer } from "effect"
import { FetchHttpClient } from "effect/http"
import type { HttpClient } from "effect/http"
import { createServer } from "node:net"
import type { AddressInfo, Server } from "node:net"
import { BoundConnector, RefundClient } from "@refract/core"
import type { RefundError } from "@refract/core"
import { fakeConnector, testKey } from "../helpers/FakeConnector.ts"

const clients: ReadonlyArray<readonly [string, Layer.Layer<HttpClient.HttpClient>]> = [
  ["fetch", FetchHttpClient.layer],
  ["undici", NodeHttpClient.layerUndici],
  ["node:http", NodeHttpClient.layerNodeHttp]
]

const listen = (server: Server) =>
  Effect.acquireRelease(
    Effect.callback<number>((resume) => {
      server.listen(0, "127.0.0.1", () => resume(Effect.succeed((server.address() as AddressInfo).port)))
    }),
    () => Effect.callback<void>((resume) => void server.close(() => resume(Effect.void)))
  )

/** A port nothing listens on: bound, then closed. */
const closedPort = Effect.gen(function*() {
  const server = createServer()
  const port = yield* Effect.callback<number>((resume) => {
    server.listen(0, "127.0.0.1", () => resume(Effect.succeed((server.address() as AddressInfo).port)))
  })
  yield* Effect.callback<void>((resume) => void server.close(() => resume(Effect.void)))
  return port
})

const clientAt = (port: number, maxAttempts: number) =>
  Effect.gen(function*() {
    const bound = yield* BoundConnector.bind(fakeConnector, {
      credentials: { apiKey: testKey },
      baseUrl: `http://127.0.0.1:${port}`,
      retry: { maxAttempts, baseDelayMillis: 1, maxDelayMillis: 1 },
      timeouts: { attemptMillis: 2_000, totalMillis: 5_000 }
    })
    return yield* RefundClient.make(bound)
  })

const input = { merchantRefundId: "order-t1", connectorTransactionId: "pay_1", amount: { amount: 100, currency: "USD" } }

describe("transport classification with real clients", () => {
  for (const [name, layer] of clients) {
    it.live(`${name}: a refused connection is Network, not sent, for a create`, () =>
      Effect.gen(function*() {
        const client = yield* clientAt(yield* closedPort, 2)
        const error: RefundError = yield* Effect.flip(client.create(input))
        assert.strictEqual(error.reason._tag, "Network")
        assert.isFalse((error.reason as RefundError.Network).requestSent)
        assert.strictEqual(error.attempts, 2)
      }).pipe(Effect.provide(layer)))

    it.live(`${name}: a connection reset after the request arrived is OutcomeUnknown for a create`, () =>
      Effect.gen(function*() {
        let received = 0
        const server = createServer((socket) => {
          socket.on("data", () => {
            received++
            socket.resetAndDestroy()
          })
        })
        const port = yield* listen(server)
        const client = yield* clientAt(port, 1)
        const error: RefundError = yield* Effect.flip(client.create(input))
        assert.strictEqual(error.reason._tag, "OutcomeUnknown")
        assert.isAtLeast(received, 1)
        const read: RefundError = yield* Effect.flip(client.get("rf_1"))
        assert.strictEqual(read.reason._tag, "Network")
        assert.isTrue((read.reason as RefundError.Network).requestSent)
      }).pipe(Effect.scoped, Effect.provide(layer)))
  }

  it.live("fetch: a port the Fetch standard blocks is refused before anything is sent", () =>
    Effect.gen(function*() {
      const client = yield* clientAt(6000, 1)
      const error: RefundError = yield* Effect.flip(client.create(input))
      assert.strictEqual(error.reason._tag, "Network")
      assert.isFalse((error.reason as RefundError.Network).requestSent)
    }).pipe(Effect.provide(FetchHttpClient.layer)))
})
