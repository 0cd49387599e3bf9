/**
 * A minimal `HttpServer` on Node's own `node:http`, so `@refract/core` can run a webhook server
 * without a platform package: requests become Web `Request`s, handled through
 * `HttpEffect.toWebHandlerWith`, and the Web `Response` is written back.
 *
 * Applications that already use `@effect/platform-node` can provide `NodeHttpServer.layer` instead;
 * the webhook route does not care which server runs it.
 */
import type { IncomingMessage, Server, ServerResponse } from "node:http"
import { createServer } from "node:http"
import { Readable } from "node:stream"
import { Effect, Layer } from "effect"
import type { Scope } from "effect"
import { HttpEffect, HttpServer, HttpServerError } from "effect/http"
import type { HttpServerRequest } from "effect/http"
import { NetAddress } from "effect/net"

export interface ListenOptions {
  /** 0 picks a free port (tests). */
  readonly port: number
  readonly host?: string | undefined
}

/** The request URL as the client called it (scheme, host header, path and query). */
export const requestUrl = (req: IncomingMessage, publicUrl?: string): string => {
  const path = req.url ?? "/"
  if (publicUrl !== undefined) return `${publicUrl.replace(/\/+$/, "")}${path}`
  const encrypted = (req.socket as { encrypted?: boolean }).encrypted === true
  return `${encrypted ? "https" : "http"}://${req.headers.host ?? "localhost"}${path}`
}

/** A Web Request streaming the Node request's body exactly as received. */
export const toWebRequest = (req: IncomingMessage, publicUrl?: string): Request => {
  const headers = new Headers()
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue
    if (Array.isArray(value)) for (const v of value) headers.append(name, v)
    else headers.set(name, value)
  }
  const method = req.method ?? "GET"
  const hasBody = method !== "GET" && method !== "HEAD"
  return new Request(requestUrl(req, publicUrl), {
    method,
    headers,
    ...(hasBody ? { body: Readable.toWeb(req) as ReadableStream<Uint8Array>, duplex: "half" } : {})
  } as RequestInit)
}

/** Writes a Web Response to a Node response. */
export const writeWebResponse = async (res: ServerResponse, response: Response): Promise<void> => {
  const headers: Record<string, string | Array<string>> = {}
  response.headers.forEach((value, name) => {
    if (name !== "set-cookie") headers[name] = value
  })
  const cookies = response.headers.getSetCookie()
  if (cookies.length > 0) headers["set-cookie"] = cookies
  const body = response.body === null ? undefined : Buffer.from(await response.arrayBuffer())
  res.writeHead(response.status, headers)
  res.end(body)
}

/** A Node request listener for a Web handler. Failures of the handler answer 500. */
export const nodeListener = (
  handler: (request: Request) => Promise<Response>,
  publicUrl?: string
) =>
(req: IncomingMessage, res: ServerResponse): void => {
  handler(toWebRequest(req, publicUrl))
    .then((response) => writeWebResponse(res, response))
    .catch(() => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" })
      res.end("internal error")
    })
}

/** Starts a `node:http` server and provides it as the Effect `HttpServer`; it stops with the layer. */
export const layer = (options: ListenOptions): Layer.Layer<HttpServer.HttpServer, HttpServerError.ServeError> =>
  Layer.effect(
    HttpServer.HttpServer,
    Effect.gen(function*() {
      let current: ((request: Request) => Promise<Response>) | undefined
      const server: Server = createServer(
        nodeListener((request) => current !== undefined ? current(request) : Promise.resolve(new Response("not serving", { status: 503 })))
      )
      yield* Effect.callback<void, HttpServerError.ServeError>((resume) => {
        const onError = (cause: Error) => resume(Effect.fail(new HttpServerError.ServeError({ cause })))
        server.once("error", onError)
        server.listen(options.port, options.host, () => {
          server.off("error", onError)
          resume(Effect.void)
        })
      })
      yield* Effect.addFinalizer(() =>
        Effect.callback<void>((resume) => {
          server.close(() => resume(Effect.void))
          server.closeAllConnections()
        })
      )
      const bound = server.address()
      const address = typeof bound === "string" || bound === null
        ? NetAddress.unixPathAddress(String(bound))
        : yield* Effect.fromResult(NetAddress.inetAddressFromIpString(bound.address, bound.port)).pipe(
          Effect.mapError((cause) => new HttpServerError.ServeError({ cause }))
        )
      return HttpServer.make({
        address,
        serve: (httpEffect, middleware) =>
          Effect.gen(function*() {
            const context = yield* Effect.context<never>()
            current = HttpEffect.toWebHandlerWith<never, HttpServerRequest.HttpServerRequest | Scope.Scope>(context)(httpEffect, middleware)
            yield* Effect.addFinalizer(() => Effect.sync(() => (current = undefined)))
          })
      })
    })
  )

/** `http://host:port` of a running `HttpServer` (loopback for a wildcard host). */
export const baseUrl: Effect.Effect<string, never, HttpServer.HttpServer> = Effect.gen(function*() {
  const server = yield* HttpServer.HttpServer
  const address = server.address
  if (!NetAddress.isInetAddress(address)) return "http://localhost"
  const ip = NetAddress.formatIp(address.address)
  const host = ip === "0.0.0.0" ? "127.0.0.1" : ip === "::" ? "[::1]" : ip.includes(":") ? `[${ip}]` : ip
  return `http://${host}:${address.port}`
})
