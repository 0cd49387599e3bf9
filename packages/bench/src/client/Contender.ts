/**
 * One contender in its own process, so its RSS is its own: `node Contender.ts <name> <url>`.
 * It warms up, then measures refund `get` and `create` at concurrency 1 (per-call latency) and at
 * concurrency 64 (throughput over a fixed time), and prints one JSON line with the figures.
 *
 * Every contender does the same work a caller needs: one HTTP exchange with the stand-in and the
 * refund object read from the answer (JSON parsed; Refract also validates it and maps it to its model).
 */
import { Agent, request as httpRequest } from "node:http"
import { peakRss } from "../PeakRss.ts"
import type { Calls } from "./RefractCalls.ts"

export const contenders = ["node:http", "fetch", "stripe SDK", "Refract Effect", "Refract Promise"] as const
export type ContenderName = (typeof contenders)[number]

export interface Phase {
  /** Per-call latency at concurrency 1, milliseconds. */
  readonly p50: number
  readonly p99: number
  /** Calls per second at concurrency 64. */
  readonly throughput: number
}

export interface ContenderResult {
  readonly name: ContenderName
  readonly get: Phase
  readonly create: Phase
  /** Resident set size at the end, and its peak, MB. */
  readonly rssMb: number
  readonly maxRssMb: number
}

const apiKey = "sk_test_bench_0123456789abcdef"
const connectorTransactionId = "ch_3PbenchXXXXXXXXXX1a2b3c"


const nodeHttp = async (base: string): Promise<Calls> => {
  const url = new URL(base)
  const agent = new Agent({ keepAlive: true, maxSockets: 64 })
  const call = (method: "GET" | "POST", path: string, body?: string, headers: Record<string, string> = {}) =>
    new Promise<unknown>((resolve, reject) => {
      const req = httpRequest({ agent, host: url.hostname, port: url.port, method, path, headers: { authorization: `Bearer ${apiKey}`, ...headers } }, (res) => {
        let text = ""
        res.setEncoding("utf8")
        res.on("data", (chunk: string) => (text += chunk))
        res.on("end", () => (res.statusCode === 200 ? resolve(JSON.parse(text)) : reject(new Error(`HTTP ${res.statusCode}`))))
        res.on("error", reject)
      })
      req.on("error", reject)
      req.end(body)
    })
  return {
    get: (id) => call("GET", `/v1/refunds/${encodeURIComponent(id)}`),
    create: (n) => {
      const body = new URLSearchParams({ charge: connectorTransactionId, amount: "1050", "metadata[merchant_refund_id]": `order-${n}` }).toString()
      return call("POST", "/v1/refunds", body, { "content-type": "application/x-www-form-urlencoded", "idempotency-key": `order-${n}` })
    },
    close: async () => agent.destroy()
  }
}

const fetchCalls = async (base: string): Promise<Calls> => ({
  get: async (id) => {
    const response = await fetch(`${base}/v1/refunds/${encodeURIComponent(id)}`, { headers: { authorization: `Bearer ${apiKey}` } })
    if (!response.ok) throw new Error(`HTTP ${response.status}`)
    return response.json()
  },
  create: async (n) => {
    const response = await fetch(`${base}/v1/refunds`, {
      method: "POST",
      headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/x-www-form-urlencoded", "idempotency-key": `order-${n}` },
      body: new URLSearchParams({ charge: connectorTransactionId, amount: "1050", "metadata[merchant_refund_id]": `order-${n}` }).toString()
    })
    if (!response.ok) throw new Error(`HTTP ${response.status}`)
    return response.json()
  },
  close: async () => {}
})

// Each contender loads only its own modules, so its RSS is its own.
const stripeSdk = async (base: string): Promise<Calls> => {
  const { default: Stripe } = await import("stripe")
  const url = new URL(base)
  const sdk = new Stripe(apiKey, { host: url.hostname, port: Number(url.port), protocol: "http" })
  return {
    get: (id) => sdk.refunds.retrieve(id),
    create: (n) =>
      sdk.refunds.create({ charge: connectorTransactionId, amount: 1050, metadata: { merchant_refund_id: `order-${n}` } }, { idempotencyKey: `order-${n}` }),
    close: async () => {}
  }
}

/** Refract's Effect API: `RefundService` from one runtime, the way an Effect application holds it. */
/**
 * Refract's contenders come from `RefractCalls.ts` bundled to JavaScript (`dist/refract-calls.js`,
 * built by `bundleRefract` before the rounds), the way applications run it: from JavaScript, not
 * from TypeScript stripped module by module at load time (whose memory users never pay). With
 * REFRACT_BENCH_FROM_SOURCE=1 they load from the TypeScript sources instead (quicker to iterate on).
 */
const refract = async (): Promise<typeof import("./RefractCalls.ts")> =>
  process.env["REFRACT_BENCH_FROM_SOURCE"] === "1"
    ? import("./RefractCalls.ts")
    : import(new URL("../../dist/refract-calls.js", import.meta.url).href)

const refractEffect = async (base: string, transport: string | undefined): Promise<Calls> =>
  (await refract()).refractEffect(base, transport, { apiKey, connectorTransactionId })

const refractPromise = async (base: string): Promise<Calls> => (await refract()).refractPromise(base, { apiKey, connectorTransactionId })

const percentile = (sorted: ReadonlyArray<number>, p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!

let sequence = 0
const nextId = () => `re_3Pbench${(sequence++).toString(36).padStart(14, "0")}`

const measure = async (call: () => Promise<unknown>, options: { sequential: number; seconds: number; concurrency: number }): Promise<Phase> => {
  const latencies: Array<number> = []
  for (let i = 0; i < options.sequential; i++) {
    const started = performance.now()
    await call()
    latencies.push(performance.now() - started)
  }
  latencies.sort((a, b) => a - b)
  let done = 0
  const until = performance.now() + options.seconds * 1000
  const worker = async () => {
    while (performance.now() < until) {
      await call()
      done++
    }
  }
  const started = performance.now()
  await Promise.all(Array.from({ length: options.concurrency }, worker))
  const elapsed = (performance.now() - started) / 1000
  return { p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), throughput: done / elapsed }
}

export const run = async (name: ContenderName, base: string, options: { sequential: number; seconds: number; warmup: number; transport?: string }) => {
  const calls = await (name === "node:http"
    ? nodeHttp(base)
    : name === "fetch"
    ? fetchCalls(base)
    : name === "stripe SDK"
    ? stripeSdk(base)
    : name === "Refract Effect"
    ? refractEffect(base, options.transport)
    : refractPromise(base))
  let n = 0
  const get = () => calls.get(nextId())
  const create = () => calls.create(n++)
  // Warm-up: JIT, connection pools, lazily built layers.
  for (let i = 0; i < options.warmup; i++) {
    await get()
    await create()
  }
  await Promise.all(Array.from({ length: 64 }, async () => {
    for (let i = 0; i < 10; i++) await get()
  }))
  const phaseOptions = { sequential: options.sequential, seconds: options.seconds, concurrency: 64 }
  const getPhase = await measure(get, phaseOptions)
  const createPhase = await measure(create, phaseOptions)
  const rss = process.memoryUsage().rss / 2 ** 20
  const maxRss = peakRss() / 2 ** 20
  await calls.close()
  return { name, get: getPhase, create: createPhase, rssMb: rss, maxRssMb: maxRss } satisfies ContenderResult
}

if (import.meta.main) {
  const [name, base, sequential = "2000", seconds = "3", warmup = "300", transport] = process.argv.slice(2)
  if (!contenders.includes(name as ContenderName) || base === undefined) {
    process.stderr.write(`usage: node Contender.ts <${contenders.join("|")}> <url> [sequential] [seconds] [warmup] [transport]\n`)
    process.exit(2)
  }
  const result = await run(name as ContenderName, base, {
    sequential: Number(sequential),
    seconds: Number(seconds),
    warmup: Number(warmup),
    ...(transport !== undefined ? { transport } : {})
  })
  process.stdout.write(`${JSON.stringify(result)}\n`)
  process.exit(0)
}
