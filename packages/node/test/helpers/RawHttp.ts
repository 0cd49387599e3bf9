/**
 * HTTP/1.1 over a raw TCP socket (`node:net`), the way an attacker or a keep-alive client talks to
 * a server: exact bytes out, responses parsed one by one from the same connection, and whether the
 * server closed the connection cleanly or reset it.
 */
import { connect } from "node:net"
import type { Socket } from "node:net"

export interface RawResponse {
  readonly status: number
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
}

const headEnd = Buffer.from("\r\n\r\n")

const parseHead = (head: string): { status: number; headers: Record<string, string> } => {
  const [statusLine, ...lines] = head.split("\r\n")
  const match = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? "")
  if (match === null) throw new Error(`not an HTTP response: ${JSON.stringify(statusLine)}`)
  const headers: Record<string, string> = {}
  for (const line of lines) {
    const colon = line.indexOf(":")
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
  }
  return { status: Number(match[1]), headers }
}

/** Decodes a complete chunked body, or undefined while it is incomplete. */
const dechunk = (data: Buffer): { body: Buffer; length: number } | undefined => {
  const parts: Array<Buffer> = []
  let at = 0
  for (;;) {
    const lineEnd = data.indexOf("\r\n", at)
    if (lineEnd < 0) return undefined
    const size = Number.parseInt(data.subarray(at, lineEnd).toString("latin1"), 16)
    const start = lineEnd + 2
    if (size === 0) {
      const end = data.indexOf("\r\n", start)
      return end < 0 ? undefined : { body: Buffer.concat(parts), length: end + 2 }
    }
    if (data.length < start + size + 2) return undefined
    parts.push(data.subarray(start, start + size))
    at = start + size + 2
  }
}

export class RawConnection {
  readonly #socket: Socket
  #buffer = Buffer.alloc(0)
  #closed = false
  #reset = false
  #wake: (() => void) | undefined
  /** Resolves when the connection is gone; `reset` when it ended with an error (ECONNRESET, EPIPE). */
  readonly closed: Promise<{ readonly reset: boolean }>

  private constructor(socket: Socket) {
    this.#socket = socket
    socket.on("data", (chunk: Buffer) => {
      this.#buffer = Buffer.concat([this.#buffer, chunk])
      this.#wake?.()
    })
    socket.on("error", () => (this.#reset = true))
    this.closed = new Promise((resolve) =>
      socket.on("close", () => {
        this.#closed = true
        this.#wake?.()
        resolve({ reset: this.#reset })
      })
    )
  }

  static open(port: number, host = "127.0.0.1"): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host }, () => {
        socket.off("error", reject)
        resolve(new RawConnection(socket))
      })
      socket.once("error", reject)
    })
  }

  get isClosed(): boolean {
    return this.#closed
  }

  /** Writes bytes; a server that already closed the connection makes this a no-op. */
  send(data: string | Uint8Array): void {
    if (!this.#socket.destroyed && this.#socket.writable) this.#socket.write(data)
  }

  /** Takes one complete response off the buffer, or undefined while it is incomplete. */
  #take(): RawResponse | undefined {
    const end = this.#buffer.indexOf(headEnd)
    if (end < 0) return undefined
    const { status, headers } = parseHead(this.#buffer.subarray(0, end).toString("latin1"))
    const rest = this.#buffer.subarray(end + 4)
    if (status === 204 || status === 304 || (status >= 100 && status < 200)) {
      this.#buffer = rest
      return { status, headers, body: "" }
    }
    if (headers["transfer-encoding"]?.toLowerCase() === "chunked") {
      const chunked = dechunk(rest)
      if (chunked === undefined) return undefined
      this.#buffer = rest.subarray(chunked.length)
      return { status, headers, body: chunked.body.toString("utf8") }
    }
    const length = headers["content-length"]
    if (length !== undefined) {
      const size = Number(length)
      if (rest.length < size) return undefined
      this.#buffer = rest.subarray(size)
      return { status, headers, body: rest.subarray(0, size).toString("utf8") }
    }
    // No framing: the body runs to the end of the connection.
    if (!this.#closed) return undefined
    this.#buffer = Buffer.alloc(0)
    return { status, headers, body: rest.toString("utf8") }
  }

  /**
   * The next response on this connection; undefined when the server closes it first. Rejects after
   * `timeoutMillis` without one (a hung connection).
   */
  response(timeoutMillis = 2_000): Promise<RawResponse | undefined> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#wake = undefined
        reject(new Error(`no response within ${timeoutMillis} ms`))
      }, timeoutMillis)
      const check = () => {
        const response = this.#take()
        if (response !== undefined || this.#closed) {
          clearTimeout(timer)
          this.#wake = undefined
          resolve(response)
        }
      }
      this.#wake = check
      check()
    })
  }

  /** Waits until the server closes the connection; rejects after `timeoutMillis`. */
  closedWithin(timeoutMillis: number): Promise<{ readonly reset: boolean }> {
    let timer: ReturnType<typeof setTimeout> | undefined
    return Promise.race([
      this.closed.finally(() => clearTimeout(timer)),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`the connection stayed open for ${timeoutMillis} ms`)), timeoutMillis)
      })
    ])
  }

  destroy(): void {
    this.#socket.destroy()
  }
}

/** A request head (CRLF line ends, blank line included). */
export const head = (requestLine: string, headers: Readonly<Record<string, string | number>> = {}): string =>
  [requestLine, ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`), "", ""].join("\r\n")

/** One request on a fresh connection; the connection is destroyed afterwards. */
export const exchange = async (port: number, bytes: string | Uint8Array, timeoutMillis = 2_000): Promise<RawResponse | undefined> => {
  const connection = await RawConnection.open(port)
  try {
    connection.send(bytes)
    return await connection.response(timeoutMillis)
  } finally {
    connection.destroy()
  }
}

/** `GET /healthz` on a fresh connection. */
export const healthz = (port: number): Promise<RawResponse | undefined> =>
  exchange(port, head("GET /healthz HTTP/1.1", { Host: "127.0.0.1" }))
