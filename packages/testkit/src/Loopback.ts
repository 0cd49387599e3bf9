/**
 * Helpers for tests and benchmarks that run several servers on loopback: a free port, and a webhook
 * load balancer as in front of any multi-runner deployment (`refract serve --cluster`): each delivery
 * goes to the next target in turn, and to the one after it when a target does not answer; with none
 * answering, 502 (the processor retries on its schedule). Keep-alive connections to the targets.
 */
import * as http from "node:http"
import * as net from "node:net"

/** A TCP port free on 127.0.0.1 right now (the OS picks it; another process may take it before you do). */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      server.close(() => resolve(typeof address === "object" && address !== null ? address.port : 0))
    })
  })

export interface Balancer {
  readonly url: string
  /** Deliveries forwarded, by target port. */
  readonly counts: ReadonlyMap<number, number>
  /** Deliveries no target answered. */
  readonly failed: () => number
  /** How long each answered delivery took (received here until the target's answer was read), ms, in arrival order. */
  readonly durations: ReadonlyArray<number>
  readonly close: () => Promise<void>
}

const forward = (agent: http.Agent, port: number, req: http.IncomingMessage, body: Buffer) =>
  new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
    const headers: http.OutgoingHttpHeaders = { ...req.headers, host: `127.0.0.1:${port}`, "content-length": body.length }
    const out = http.request({ host: "127.0.0.1", port, method: req.method, path: req.url, headers, agent, timeout: 10_000 }, (answer) => {
      const chunks: Array<Buffer> = []
      answer.on("data", (c: Buffer) => chunks.push(c))
      answer.on("end", () => resolve({ status: answer.statusCode ?? 502, headers: answer.headers, body: Buffer.concat(chunks) }))
      answer.on("error", reject)
    })
    out.on("timeout", () => out.destroy(new Error("timeout")))
    out.on("error", reject)
    out.end(body)
  })

/** `targets` is read for every delivery: the ports of the servers behind it (set once they listen). */
export const startBalancer = async (targets: () => ReadonlyArray<number>): Promise<Balancer> => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 })
  const counts = new Map<number, number>()
  const durations: Array<number> = []
  let next = 0
  let failed = 0
  const server = http.createServer((req, res) => {
    const received = performance.now()
    const chunks: Array<Buffer> = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", async () => {
      const body = Buffer.concat(chunks)
      const ports = targets()
      const first = next % Math.max(1, ports.length)
      next = first + 1
      for (let i = 0; i < ports.length; i++) {
        const port = ports[(first + i) % ports.length]!
        try {
          const answer = await forward(agent, port, req, body)
          counts.set(port, (counts.get(port) ?? 0) + 1)
          durations.push(performance.now() - received)
          res.writeHead(answer.status, { "content-type": answer.headers["content-type"] ?? "text/plain" })
          res.end(answer.body)
          return
        } catch {
          // the next target
        }
      }
      failed++
      res.writeHead(502, { "content-type": "text/plain" })
      res.end("no runner answered")
    })
  })
  server.keepAliveTimeout = 30_000
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const address = server.address()
  const port = typeof address === "object" && address !== null ? address.port : 0
  return {
    url: `http://127.0.0.1:${port}`,
    counts,
    failed: () => failed,
    durations,
    close: () =>
      new Promise<void>((resolve) => {
        agent.destroy()
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}
