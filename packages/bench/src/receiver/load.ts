/**
 * The load generator: `senders` concurrent senders over one keep-alive `node:http` agent, each
 * taking the next delivery in order, POSTing it as Stripe does and recording its latency (request
 * written → response fully read) and status.
 */
import { Agent, request } from "node:http"
import type { Delivery } from "./workload.ts"

export interface LoadResult {
  readonly deliveries: number
  /** 2xx answers. */
  readonly acknowledged: number
  /** Status code → count, for every non-2xx answer (0 = transport error). */
  readonly refused: Readonly<Record<string, number>>
  /** First few non-2xx answers (status and body), for the report. */
  readonly samples: ReadonlyArray<string>
  readonly elapsedMillis: number
  /** Per-delivery latency, milliseconds, in sending order. */
  readonly latencies: Float64Array
}

const post = (agent: Agent, url: URL, body: Buffer, signature: string): Promise<{ status: number; body: string }> =>
  new Promise((resolve) => {
    const req = request(url, {
      method: "POST",
      agent,
      headers: {
        "content-type": "application/json; charset=utf-8",
        "content-length": body.length,
        "user-agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
        "cache-control": "no-cache",
        accept: "*/*; q=0.5, application/xml",
        "stripe-signature": signature
      },
      timeout: 60_000
    }, (res) => {
      const chunks: Array<Buffer> = []
      res.on("data", (c: Buffer) => chunks.push(c))
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }))
      res.on("error", (e) => resolve({ status: 0, body: String(e) }))
    })
    req.on("timeout", () => req.destroy(new Error("timeout")))
    req.on("error", (e) => resolve({ status: 0, body: String(e) }))
    req.end(body)
  })

/** Sends every delivery to `<baseUrl>/webhooks/stripe`. */
export const run = async (options: {
  readonly baseUrl: string
  readonly deliveries: ReadonlyArray<Delivery>
  readonly signatures: ReadonlyArray<string>
  readonly senders: number
}): Promise<LoadResult> => {
  const url = new URL("/webhooks/stripe", options.baseUrl)
  const agent = new Agent({ keepAlive: true, maxSockets: options.senders, maxFreeSockets: options.senders })
  const n = options.deliveries.length
  const latencies = new Float64Array(n)
  const refused: Record<string, number> = {}
  const samples: Array<string> = []
  let acknowledged = 0
  let next = 0
  const sender = async () => {
    for (let i = next++; i < n; i = next++) {
      const started = performance.now()
      const answer = await post(agent, url, options.deliveries[i]!.body, options.signatures[i]!)
      latencies[i] = performance.now() - started
      if (answer.status >= 200 && answer.status < 300) acknowledged++
      else {
        refused[String(answer.status)] = (refused[String(answer.status)] ?? 0) + 1
        if (samples.length < 5) samples.push(`${answer.status} ${answer.body.slice(0, 300)}`)
      }
    }
  }
  const started = performance.now()
  await Promise.all(Array.from({ length: Math.min(options.senders, n) }, sender))
  const elapsedMillis = performance.now() - started
  agent.destroy()
  return { deliveries: n, acknowledged, refused, samples, elapsedMillis, latencies }
}

/** The q-quantile (0..1) of the latencies, nearest rank. */
export const quantile = (values: Float64Array, q: number): number => {
  if (values.length === 0) return Number.NaN
  const sorted = values.toSorted()
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!
}
