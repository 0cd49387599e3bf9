/**
 * The emulator's own listing ceiling: the same pages the reconciler asks for (the same slices, page
 * size and concurrency, the same auth), walked by the least a client can do: fetch, parse, take the
 * cursor. Argv[2] is the job as JSON; prints `{ refunds, pages, elapsedMillis }`.
 */
import { Pool } from "undici"

interface Job {
  readonly origin: string
  readonly apiKey: string
  readonly slices: ReadonlyArray<{ readonly from: number; readonly to: number }>
  readonly concurrency: number
}

const job = JSON.parse(process.argv[2]!) as Job
const pool = new Pool(job.origin, { connections: job.concurrency, pipelining: 1 })
const authorization = `Bearer ${job.apiKey}`
let refunds = 0
let pages = 0

const walk = async (slice: { readonly from: number; readonly to: number }) => {
  let after: string | undefined
  for (;;) {
    const query = new URLSearchParams({ "created[gte]": String(slice.from / 1000), "created[lt]": String(slice.to / 1000), limit: "100" })
    if (after !== undefined) query.set("starting_after", after)
    const response = await pool.request({ method: "GET", path: `/v1/refunds?${query}`, headers: { authorization } })
    const body = await response.body.json() as { data: Array<{ id: string }>; has_more: boolean }
    if (response.statusCode !== 200) throw new Error(`HTTP ${response.statusCode}: ${JSON.stringify(body).slice(0, 200)}`)
    pages++
    refunds += body.data.length
    if (!body.has_more || body.data.length === 0) return
    after = body.data[body.data.length - 1]!.id
  }
}

const queue = [...job.slices]
const started = performance.now()
await Promise.all(Array.from({ length: job.concurrency }, async () => {
  for (let slice = queue.shift(); slice !== undefined; slice = queue.shift()) await walk(slice)
}))
const elapsedMillis = performance.now() - started
await pool.close()
process.stdout.write(`${JSON.stringify({ refunds, pages, elapsedMillis })}\n`)
