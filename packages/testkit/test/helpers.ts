import { assert } from "@effect/vitest"
import { generateSigningMaterial } from "@refract/testkit/paypal/Certificate"
import { createServer, type IncomingHttpHeaders, request as httpRequest, type Server } from "node:http"
import { createServer as createHttpsServer } from "node:https"
import type { AddressInfo } from "node:net"

/** One request the receiver got, with the exact body bytes as text. */
export interface Received {
  readonly method: string
  readonly url: string
  readonly headers: IncomingHttpHeaders
  readonly body: string
}

/** A small node:http webhook receiver that records raw deliveries. */
export interface Receiver {
  readonly url: string
  readonly received: Array<Received>
  /** What the receiver answers (default 200 with an empty body). */
  respond: (request: Received) => { status: number; body: string }
  /** Resolves once at least `count` deliveries arrived (rejects after `timeoutMillis`). */
  waitFor(count: number, timeoutMillis?: number): Promise<ReadonlyArray<Received>>
  close(): Promise<void>
}

export const startReceiver = async (
  respond: (request: Received) => { status: number; body: string } = () => ({ status: 200, body: "" })
): Promise<Receiver> => {
  const received: Array<Received> = []
  const waiters: Array<() => void> = []
  const receiver: Partial<Receiver> & { respond: Receiver["respond"] } = { respond }
  const server: Server = createServer((req, res) => {
    const chunks: Array<Buffer> = []
    req.on("data", (chunk: Buffer) => chunks.push(chunk))
    req.on("end", () => {
      const entry: Received = {
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8")
      }
      received.push(entry)
      const answer = receiver.respond(entry)
      res.writeHead(answer.status, { "content-type": "text/plain" }).end(answer.body)
      for (const wake of waiters.splice(0)) wake()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const port = (server.address() as AddressInfo).port
  return Object.assign(receiver, {
    url: `http://127.0.0.1:${port}/hooks`,
    received,
    waitFor: (count: number, timeoutMillis = 3_000) =>
      new Promise<ReadonlyArray<Received>>((resolve, reject) => {
        const deadline = setTimeout(
          () => reject(new Error(`expected ${count} deliveries, got ${received.length}`)),
          timeoutMillis
        )
        const check = () => {
          if (received.length >= count) {
            clearTimeout(deadline)
            resolve(received)
          } else {
            waiters.push(check)
          }
        }
        check()
      }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }) as Receiver
}

export const sleep = (millis: number) => new Promise<void>((resolve) => setTimeout(resolve, millis))

/** fetch that resolves with status, headers and text, or with the transport error. */
export const call = async (
  url: string,
  init: RequestInit = {}
): Promise<
  | { readonly ok: true; readonly status: number; readonly headers: Headers; readonly text: string; readonly json: any }
  | { readonly ok: false; readonly error: Error }
> => {
  try {
    const response = await fetch(url, init)
    const text = await response.text()
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch {
      json = undefined
    }
    return { ok: true, status: response.status, headers: response.headers, text, json }
  } catch (error) {
    return { ok: false, error: error as Error }
  }
}

/** Like {@link call} but fails the test on a transport error. */
export const request = async (url: string, init: RequestInit = {}) => {
  const result = await call(url, init)
  if (!result.ok) throw result.error
  return result
}

/** Waits (in real time) until `check` holds; for state a server changes while a request is still open. */
export const until = async (check: () => boolean, what: string, timeoutMillis = 3_000): Promise<void> => {
  const deadline = Date.now() + timeoutMillis
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(5)
  }
}

/** A TLS front for an emulator, for SDKs that only speak HTTPS. */
export interface TlsProxy {
  /** `https://127.0.0.1:PORT`: requests are forwarded unchanged to the target origin over HTTP. */
  readonly url: string
  close(): Promise<void>
}

/**
 * Starts an HTTPS server on loopback that forwards every request to `targetOrigin` (plain HTTP) and streams the
 * answer back byte for byte. Its certificate is self-signed for this run (testkit's own X.509 builder), so a
 * client must be told not to verify it.
 */
export const startTlsProxy = async (targetOrigin: string): Promise<TlsProxy> => {
  const material = await generateSigningMaterial("127.0.0.1")
  const server = createHttpsServer(
    { key: material.privateKey.export({ type: "pkcs8", format: "pem" }), cert: material.certificatePem },
    (req, res) => {
      const upstream = httpRequest(new URL(req.url ?? "/", targetOrigin), { method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers)
        answer.pipe(res)
      })
      upstream.on("error", () => res.destroy())
      req.pipe(upstream)
    }
  )
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const port = (server.address() as AddressInfo).port
  return {
    url: `https://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}

/**
 * What an SDK call rejects with; fails the test when it resolves instead. With `type`, the rejection must
 * also be an instance of that error class (the SDK's own).
 */
export const rejection = async <E = unknown>(promise: Promise<unknown>, type?: new(...args: Array<any>) => E): Promise<E> => {
  const outcome = await promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error })
  )
  if (outcome.ok) assert.fail(`expected the SDK to reject, it resolved ${JSON.stringify(outcome.value, (_, v) => (typeof v === "bigint" ? String(v) : v))}`)
  if (type !== undefined) assert.instanceOf(outcome.error, type)
  return outcome.error as E
}
