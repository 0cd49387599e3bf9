/**
 * Transport-level answers for the faults a client must see on a real socket: a body that stalls halfway,
 * a connection reset right after the headers, an answer held back on the emulator clock. They write to the
 * Node `ServerResponse` behind the Effect request directly (as `dropConnection` destroys its socket), so
 * the client sees genuine TCP/HTTP behaviour, not a simulation of it.
 *
 * @since 0.1.0
 */
import { NodeHttpServerRequest } from "@effect/platform-node"
import { Effect } from "effect"
import { HttpServerRequest, HttpServerResponse } from "effect/http"
import type { ServerResponse } from "node:http"
import type { EmulatorClock } from "./Clock.ts"
import { responseBytes, responseContentType, responseHeaders, sleepReal } from "./Http.ts"

/**
 * Waits `millis` on the emulator clock. Interruptible even inside the (uninterruptible) server middleware,
 * so a client going away or the server closing never waits for it.
 */
export const sleepOn = (clock: EmulatorClock, millis: number): Effect.Effect<void> =>
  Effect.interruptible(Effect.callback<void>((resume) => {
    const timer = clock.after(millis, () => resume(Effect.void))
    return Effect.sync(() => timer.cancel())
  }))

const nodeResponse = (request: HttpServerRequest.HttpServerRequest): ServerResponse =>
  NodeHttpServerRequest.toServerResponse(request) as ServerResponse

/** The bytes and headers of an answer as they go on the wire (with the full `Content-Length`). */
const wireForm = (response: HttpServerResponse.HttpServerResponse) => {
  const body = responseBytes(response) ?? new Uint8Array(0)
  const headers: Record<string, string> = { ...responseHeaders(response) }
  const contentType = responseContentType(response)
  if (contentType !== undefined) headers["content-type"] = contentType
  headers["content-length"] = String(body.length)
  return { body, headers }
}

/**
 * Sends the status line, the headers (announcing the whole body) and the first `sentBytes` of the body
 * (default half; always at least one byte short), then stalls. `resume` (e.g. {@link sleepOn}) decides when
 * the rest follows; undefined = never, until the client gives up or the server closes.
 * Once the answer is complete, the platform sees it ended and writes nothing more.
 */
export const stallMidBody = (
  response: HttpServerResponse.HttpServerResponse,
  options: { readonly sentBytes?: number | undefined; readonly resume?: Effect.Effect<void> | undefined }
): Effect.Effect<HttpServerResponse.HttpServerResponse, never, HttpServerRequest.HttpServerRequest> =>
  Effect.gen(function*() {
    const res = nodeResponse(yield* HttpServerRequest.HttpServerRequest)
    const { body, headers } = wireForm(response)
    const cut = Math.max(0, Math.min(options.sentBytes ?? Math.floor(body.length / 2), body.length - 1))
    res.writeHead(response.status, headers)
    res.write(body.subarray(0, cut))
    if (options.resume === undefined) return yield* Effect.interruptible(Effect.never)
    yield* options.resume
    if (!res.destroyed) res.end(body.subarray(cut))
    return response
  })

/**
 * Sends the status line and headers, then resets the TCP connection (RST): the client has a response whose
 * body read fails. The short pause lets the headers reach the client first (a reset can make the peer's
 * kernel drop data it has not read yet).
 */
export const resetAfterHeaders = (
  response: HttpServerResponse.HttpServerResponse
): Effect.Effect<HttpServerResponse.HttpServerResponse, never, HttpServerRequest.HttpServerRequest> =>
  Effect.gen(function*() {
    const res = nodeResponse(yield* HttpServerRequest.HttpServerRequest)
    const { headers } = wireForm(response)
    res.writeHead(response.status, headers)
    res.flushHeaders()
    yield* sleepReal(30)
    const socket = res.socket
    if (socket !== null && !socket.destroyed) {
      if (typeof socket.resetAndDestroy === "function") socket.resetAndDestroy()
      else socket.destroy()
    }
    // The server interrupts this fiber once the socket closes; nothing below reaches the client.
    yield* sleepReal(5_000)
    return HttpServerResponse.empty({ status: 599 })
  })
