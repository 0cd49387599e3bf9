/**
 * A diagnostic contender (not part of the default run): `@effect/platform-node`'s HTTP server with
 * `HttpRouter`, configured as `refract serve`'s (same Node server options, no logger), whose webhook
 * route only reads the body and answers 200, without verifying or storing anything. Its distance to
 * the floor is what the HTTP platform costs before Refract does any work.
 */
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Effect, Layer, Stream } from "effect"
import { HttpRouter, HttpServer, HttpServerRequest, HttpServerResponse } from "effect/http"
import { createServer } from "node:http"
import * as Ipc from "./ipc.ts"
import { NodeWebhookServer } from "@refract/node"

const route = HttpRouter.add("POST", "/webhooks/:connector", (request: HttpServerRequest.HttpServerRequest) =>
  request.stream.pipe(
    Stream.runForEach(() => Effect.void),
    Effect.as(HttpServerResponse.text("{\"received\":true}", { status: 200, contentType: "application/json" })),
    Effect.orDie
  ))

const app = HttpRouter.serve(route, { disableListenLog: true, disableLogger: true })
const http = NodeHttpServer.layerServer(() => createServer(), { port: 0, host: "127.0.0.1" })

const program = Effect.gen(function*() {
  const server = yield* HttpServer.HttpServer
  Ipc.serve({ url: NodeWebhookServer.urlOf(server.address), stop: async () => void setImmediate(() => process.kill(process.pid, "SIGINT")) })
  return yield* Effect.never
}).pipe(Effect.provide(Layer.mergeAll(app).pipe(Layer.provideMerge(http))))

NodeRuntime.runMain(program)
