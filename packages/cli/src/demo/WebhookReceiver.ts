/**
 * A small webhook receiver for the demo: an Effect HTTP server on loopback (NodeHttpServer) that
 * takes `POST /webhooks/<connector>`, verifies and parses the delivery with core's
 * `Webhooks.verifyAndParse` (fail closed: nothing is parsed from a delivery that did not verify),
 * folds each refund event into the tracked refund with `Observe.observe`, and answers with the
 * acknowledgement the processor expects (Adyen: `[accepted]`).
 */
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { ConnectorRegistry, Observe, WebhookError, WebhookEvent, Webhooks } from "@refract/core"
import type { Refund, RefundStateMachine } from "@refract/core"
import { Clock, Effect, Layer, Queue, Result } from "effect"
import type { Scope } from "effect"
import { HttpClient, HttpClientRequest, HttpRouter, HttpServerRequest, HttpServerResponse } from "effect/http"
import type { ServeError } from "effect/http/HttpServerError"
import { createServer } from "node:http"

/** One refund event of a verified delivery, folded into the tracked refund. */
export interface Folded {
  readonly event: WebhookEvent.WebhookEvent
  readonly before: Refund.Refund | undefined
  /** Undefined when the event is not about a tracked refund or could not be folded. */
  readonly after: Refund.Refund | undefined
  readonly transition: RefundStateMachine.Transition | undefined
}

/** What happened to one delivery. */
export type Delivery =
  | { readonly _tag: "Accepted"; readonly connector: string; readonly status: number; readonly body: string; readonly folded: ReadonlyArray<Folded> }
  | { readonly _tag: "Rejected"; readonly connector: string; readonly status: number; readonly error: WebhookError.WebhookError | string }

export interface Receiver {
  /** `http://127.0.0.1:PORT` */
  readonly origin: string
  readonly urlFor: (connector: string) => string
  /** Every delivery, in arrival order. */
  readonly deliveries: Queue.Queue<Delivery>
}

/** The refunds the receiver folds events into, by processor refund id (the demo's in-memory store). */
export type Tracked = Map<string, Refund.Refund>

const handle = (
  connectorId: string,
  request: HttpServerRequest.HttpServerRequest,
  origin: string,
  tracked: Tracked
): Effect.Effect<Delivery, never, ConnectorRegistry.ConnectorRegistry | HttpClient.HttpClient> =>
  Effect.gen(function*() {
    const body = new Uint8Array(yield* request.arrayBuffer)
    const registry = yield* ConnectorRegistry.ConnectorRegistry
    const bound = yield* registry.get(connectorId)
    const raw = WebhookEvent.makeRawRequest({
      method: request.method,
      url: `${origin}${request.url}`,
      headers: { ...request.headers },
      body
    })
    const events = yield* Webhooks.verifyAndParse(bound, raw)
    const now = yield* Clock.currentTimeMillis
    const folded: Array<Folded> = []
    for (const event of events) {
      const snapshot = event.refund
      const before = snapshot === undefined ? undefined : tracked.get(snapshot.connectorRefundId)
      if (snapshot === undefined) {
        folded.push({ event, before, after: undefined, transition: undefined })
        continue
      }
      const result = Observe.observe({ connector: bound.id, previous: before, snapshot, source: "webhook", now })
      if (Result.isFailure(result)) {
        folded.push({ event, before, after: undefined, transition: undefined })
        continue
      }
      tracked.set(snapshot.connectorRefundId, result.success.refund)
      folded.push({ event, before, after: result.success.refund, transition: result.success.transition })
    }
    const ack = bound.connector.webhooks?.acknowledgement ?? { status: 200, contentType: "text/plain", body: "" }
    return { _tag: "Accepted", connector: connectorId, status: ack.status, body: ack.body, folded } satisfies Delivery as Delivery
  }).pipe(
    Effect.catch((error): Effect.Effect<Delivery> =>
      Effect.succeed(
        error instanceof WebhookError.WebhookError
          ? { _tag: "Rejected", connector: connectorId, status: error.httpStatus, error }
          : { _tag: "Rejected", connector: connectorId, status: error._tag === "RefundError" ? 404 : 400, error: error.message }
      )
    )
  )

const respond = (delivery: Delivery): HttpServerResponse.HttpServerResponse =>
  delivery._tag === "Accepted"
    ? HttpServerResponse.text(delivery.body, { status: delivery.status })
    : HttpServerResponse.text(typeof delivery.error === "string" ? delivery.error : delivery.error.reason._tag, { status: delivery.status })

/**
 * Starts the receiver on an ephemeral loopback port for the lifetime of the scope. The registry
 * must hold the connectors, bound with their webhook secrets.
 */
export const start = (
  tracked: Tracked
): Effect.Effect<Receiver, ServeError, Scope.Scope | ConnectorRegistry.ConnectorRegistry | HttpClient.HttpClient> =>
  Effect.gen(function*() {
    const services = yield* Effect.context<ConnectorRegistry.ConnectorRegistry | HttpClient.HttpClient>()
    const deliveries = yield* Queue.unbounded<Delivery>()
    const holder = { origin: "" }
    const route = HttpRouter.add("POST", "/webhooks/:connector", (request) =>
      Effect.gen(function*() {
        const { connector } = yield* HttpRouter.params
        const delivery = yield* handle(connector ?? "", request, holder.origin, tracked).pipe(Effect.provideContext(services))
        yield* Queue.offer(deliveries, delivery)
        return respond(delivery)
      }))
    const nodeServer = createServer()
    const server = HttpRouter.serve(route, { disableLogger: true, disableListenLog: true }).pipe(
      Layer.provideMerge(NodeHttpServer.layer(() => nodeServer, { port: 0, host: "127.0.0.1", gracefulShutdownTimeout: 0 }))
    )
    yield* Layer.build(server)
    const address = nodeServer.address()
    holder.origin = `http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}`
    return {
      origin: holder.origin,
      urlFor: (connector: string) => `${holder.origin}/webhooks/${connector}`,
      deliveries
    }
  })

/** POSTs a delivery (e.g. a tampered one from the emulator) to the receiver; succeeds with the HTTP status. */
export const post = (url: string, delivery: { readonly headers: Readonly<Record<string, string>>; readonly body: string }) =>
  Effect.gen(function*() {
    const client = yield* HttpClient.HttpClient
    const contentType = Object.entries(delivery.headers).find(([k]) => k.toLowerCase() === "content-type")?.[1] ?? "application/json"
    const request = HttpClientRequest.post(url).pipe(
      HttpClientRequest.setHeaders(delivery.headers),
      HttpClientRequest.bodyText(delivery.body, contentType)
    )
    const response = yield* client.execute(request)
    return response.status
  })
