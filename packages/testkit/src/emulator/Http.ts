/**
 * Small HTTP helpers for emulator authors: a plain view of the current request, JSON/form bodies, ids,
 * real-time sleeps and connection drops (transport faults on the emulator clock live in `Transport.ts`).
 *
 * @since 0.1.0
 */
import { NodeHttpServerRequest } from "@effect/platform-node"
import { Effect } from "effect"
import { HttpServerRequest, HttpServerResponse } from "effect/http"
import { randomBytes } from "node:crypto"

/** A plain, fully-read view of the current request. */
export interface EmulatorRequest {
  readonly method: string
  /** Path and query, as received. */
  readonly url: string
  /** Path without query. */
  readonly path: string
  readonly query: URLSearchParams
  /** Lower-cased names. */
  readonly headers: Readonly<Record<string, string>>
  /** The raw body (UTF-8). */
  readonly body: string
  /** The request's `seq` in the request log (for `RequestLog.noteIdempotency`); undefined for unlogged requests. */
  readonly seq?: number
}

/** Request-log sequence numbers by Node request, so a route can find its own log entry. */
const sequence = new WeakMap<object, number>()

const incomingOf = (request: HttpServerRequest.HttpServerRequest): object | undefined => {
  try {
    return NodeHttpServerRequest.toIncomingMessage(request)
  } catch {
    return undefined
  }
}

/** Remembers the request-log `seq` of a request (the framework does this when it logs the request). */
export const tagRequest = (request: HttpServerRequest.HttpServerRequest, seq: number): void => {
  const incoming = incomingOf(request)
  if (incoming !== undefined) sequence.set(incoming, seq)
}

/** Splits a request URL into path and query. */
export const splitUrl = (url: string): { readonly path: string; readonly query: URLSearchParams } => {
  const index = url.indexOf("?")
  return index === -1
    ? { path: url, query: new URLSearchParams() }
    : { path: url.slice(0, index), query: new URLSearchParams(url.slice(index + 1)) }
}

/** Builds an {@link EmulatorRequest} from the current server request (the body is read once and cached). */
export const readRequest: Effect.Effect<EmulatorRequest, never, HttpServerRequest.HttpServerRequest> = Effect.gen(
  function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const body = yield* request.text.pipe(Effect.orElseSucceed(() => ""))
    return toEmulatorRequest(request, body)
  }
)

/** Builds an {@link EmulatorRequest} from a server request and its already-read body. */
export const toEmulatorRequest = (request: HttpServerRequest.HttpServerRequest, body: string): EmulatorRequest => {
  const { path, query } = splitUrl(request.url)
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(request.headers)) headers[name.toLowerCase()] = value
  const incoming = incomingOf(request)
  const seq = incoming === undefined ? undefined : sequence.get(incoming)
  return { method: request.method.toUpperCase(), url: request.url, path, query, headers, body, ...(seq === undefined ? {} : { seq }) }
}

/** Options of {@link json}. */
export interface JsonOptions {
  readonly headers?: Readonly<Record<string, string>>
  /** Indent with two spaces (Stripe does). Default false. */
  readonly pretty?: boolean
  readonly contentType?: string
}

/** A JSON response. */
export const json = (status: number, body: unknown, options: JsonOptions = {}): HttpServerResponse.HttpServerResponse =>
  HttpServerResponse.text(options.pretty === true ? JSON.stringify(body, null, 2) : JSON.stringify(body), {
    status,
    contentType: options.contentType ?? "application/json",
    ...(options.headers === undefined ? {} : { headers: options.headers })
  })

/** Sets several headers on a response. */
export const withHeaders = (
  response: HttpServerResponse.HttpServerResponse,
  headers: Readonly<Record<string, string>>
): HttpServerResponse.HttpServerResponse => HttpServerResponse.setHeaders(response, headers)

/** The body bytes of a response built from text/JSON/bytes; `undefined` for streams and other bodies. */
export const responseBytes = (response: HttpServerResponse.HttpServerResponse): Uint8Array | undefined => {
  const body = response.body
  switch (body._tag) {
    case "Uint8Array":
      return body.body
    case "Empty":
      return new Uint8Array(0)
    default:
      return undefined
  }
}

/** The content type of a response body. */
export const responseContentType = (response: HttpServerResponse.HttpServerResponse): string | undefined => {
  const body = response.body
  return body._tag === "Uint8Array" ? body.contentType : undefined
}

/** Headers of a response as a plain record (lower-case names). */
export const responseHeaders = (response: HttpServerResponse.HttpServerResponse): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(response.headers)) out[name.toLowerCase()] = value
  return out
}

/**
 * Parses an `application/x-www-form-urlencoded` body with bracket keys into nested values, the way
 * Stripe-style APIs read them: `metadata[a]=1` → `{ metadata: { a: "1" } }`, `expand[]=x&expand[]=y` →
 * `{ expand: ["x", "y"] }`, `items[0][id]=a` → `{ items: { "0": { id: "a" } } }`.
 */
export const parseForm = (body: string): Record<string, FormValue> => {
  // Every key is set as an own property (setOwn): `__proto__[x]` is data, never a path into Object.prototype.
  const root: Record<string, FormValue> = {}
  for (const [key, value] of new URLSearchParams(body)) {
    const match = /^([^[\]]+)((?:\[[^[\]]*\])*)$/.exec(key)
    if (match === null) {
      setOwn(root, key, value)
      continue
    }
    const path = [match[1]!, ...[...match[2]!.matchAll(/\[([^[\]]*)\]/g)].map((m) => m[1]!)]
    assign(root, path, value)
  }
  return root
}

/** A parsed form value. */
export type FormValue = string | Array<FormValue> | { [key: string]: FormValue }

/**
 * Sets an own property. Form keys come from the client: `__proto__[x]=1` or `constructor[prototype][x]=1`
 * must become plain data keys, never a write through to `Object.prototype` (plain `target[key] = v` would).
 */
const setOwn = (target: Record<string, FormValue>, key: string, value: FormValue): void => {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true })
}

/** Reads an own property only (`__proto__` or `constructor` never resolve to inherited members). */
const getOwn = (target: Record<string, FormValue>, key: string): FormValue | undefined =>
  Object.hasOwn(target, key) ? target[key] : undefined

const assign = (target: Record<string, FormValue> | Array<FormValue>, path: ReadonlyArray<string>, value: string): void => {
  const [head, ...rest] = path
  if (head === undefined) return
  if (Array.isArray(target)) {
    if (rest.length === 0) {
      target.push(value)
      return
    }
    const child: Record<string, FormValue> = {}
    target.push(child)
    assign(child, rest, value)
    return
  }
  if (rest.length === 0) {
    setOwn(target, head, value)
    return
  }
  let child = getOwn(target, head)
  if (child === undefined || typeof child === "string") {
    child = rest[0] === "" ? [] : {}
    setOwn(target, head, child)
  }
  assign(child, rest, value)
}

const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

/** A random string from `chars` (default: alphanumerics). */
export const randomString = (length: number, chars: string = alphabet): string => {
  const bytes = randomBytes(length)
  let out = ""
  for (let i = 0; i < length; i++) out += chars[bytes[i]! % chars.length]
  return out
}

/**
 * Sleeps in real time, even when the surrounding fiber runs on a `TestClock`. Interruptible even inside an
 * uninterruptible region (server middleware runs uninterruptibly), so closing the server never waits for it.
 */
export const sleepReal = (millis: number): Effect.Effect<void> =>
  Effect.interruptible(Effect.callback<void>((resume) => {
    const timer = setTimeout(() => resume(Effect.void), millis)
    return Effect.sync(() => clearTimeout(timer))
  }))

/**
 * Destroys the client connection of the current request without answering. The request fiber is interrupted
 * by the server once the socket closes; the fallback response is never seen by the client.
 */
export const dropConnection: Effect.Effect<HttpServerResponse.HttpServerResponse, never, HttpServerRequest.HttpServerRequest> =
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const incoming = NodeHttpServerRequest.toIncomingMessage(request)
    incoming.socket?.destroy()
    yield* sleepReal(5_000)
    return HttpServerResponse.empty({ status: 599 })
  })
