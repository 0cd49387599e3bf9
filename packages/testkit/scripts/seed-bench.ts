/**
 * Seeds N refunds (default 1,000,000) into a standalone Stripe emulator process and measures: seeding time
 * (NDJSON streamed through the control API), the emulator's RSS, and the raw listing ceiling of
 * `GET /v1/refunds` (a minimal keep-alive client walking every page with limit=100, sequentially and as N
 * concurrent `created` slices), in refunds per second.
 *
 *   cd packages/testkit && node scripts/seed-bench.ts [--count 1000000] [--slices 4] [--connections 4]
 *
 * The emulator runs in a child process (`node scripts/seed-bench.ts --serve`), as a standalone one would.
 */
import { spawn } from "node:child_process"
import { readFileSync } from "node:fs"
import { Agent, request } from "node:http"
import { fileURLToPath } from "node:url"
import { ControlClient } from "../src/emulator/ControlClient.ts"
import type { SeedRefund } from "../src/emulator/Seed.ts"
import * as StripeEmulator from "../src/stripe/StripeEmulator.ts"

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`)
  return i === -1 ? fallback : Number(process.argv[i + 1])
}

if (process.argv.includes("--serve")) {
  const emulator = await StripeEmulator.start({ port: 0 })
  process.stdout.write(`${JSON.stringify({ origin: emulator.origin, apiKey: emulator.credentials["apiKey"] })}\n`)
  process.on("SIGTERM", () => void emulator.close().then(() => process.exit(0)))
} else {
  await main()
}

/** VmRSS and VmHWM (peak) of a process, in MB (Linux). */
function rss(pid: number): { rssMb: number; peakMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8")
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN)
  return { rssMb: Math.round(kb("VmRSS") / 1024), peakMb: Math.round(kb("VmHWM") / 1024) }
}

async function main(): Promise<void> {
  const count = arg("count", 1_000_000)
  const slices = arg("slices", 4)
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), "--serve"], { stdio: ["ignore", "pipe", "inherit"] })
  const info = await new Promise<{ origin: string; apiKey: string }>((resolve, reject) => {
    let out = ""
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString()
      const nl = out.indexOf("\n")
      if (nl !== -1) resolve(JSON.parse(out.slice(0, nl)))
    })
    child.once("exit", (code) => reject(new Error(`emulator exited (${code})`)))
  })
  try {
    const control = new ControlClient(info.origin)
    const idle = rss(child.pid!)
    // Created times spread over the last 30 days at millisecond resolution: many refunds share a second.
    const now = Date.now() - 1_000
    const span = 30 * 24 * 3600 * 1000
    const statuses = ["succeeded", "succeeded", "succeeded", "succeeded", "succeeded", "succeeded", "succeeded", "failed", "pending", "canceled"]
    let seed = 42
    const random = () => {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0
      return seed / 2 ** 32
    }
    function* items(): Generator<SeedRefund> {
      for (let i = 0; i < count; i++) {
        yield {
          amount: 100 + Math.floor(random() * 100_000),
          currency: "usd",
          status: statuses[i % statuses.length]!,
          createdAt: now - Math.floor(random() * span),
          metadata: { merchant_refund_id: `mr_${i}` }
        }
      }
    }
    const t0 = performance.now()
    const seeded = await control.seedRefunds(items())
    const seedSeconds = (performance.now() - t0) / 1000
    const afterSeed = rss(child.pid!)
    console.log(JSON.stringify({ step: "seed", count, ...seeded, seconds: +seedSeconds.toFixed(2), perSecond: Math.round(count / seedSeconds), idleRss: idle, rss: afterSeed }))

    const agent = new Agent({ keepAlive: true, maxSockets: Math.max(slices, 1) })
    const url = new URL(info.origin)
    const get = (path: string) =>
      new Promise<{ data: Array<{ id: string; created: number }>; has_more: boolean }>((resolve, reject) => {
        const req = request({ host: url.hostname, port: url.port, path, agent, headers: { authorization: `Bearer ${info.apiKey}` } }, (res) => {
          const chunks: Array<Buffer> = []
          res.on("data", (c: Buffer) => chunks.push(c))
          res.on("end", () => {
            if (res.statusCode !== 200) reject(new Error(`${res.statusCode} ${Buffer.concat(chunks).toString()}`))
            else resolve(JSON.parse(Buffer.concat(chunks).toString()))
          })
        })
        req.on("error", reject)
        req.end()
      })
    /** Walks every page of a created range [gte, lte] (seconds); returns how many refunds it saw. */
    const walk = async (gte: number, lte: number): Promise<number> => {
      let after: string | undefined
      let seen = 0
      for (;;) {
        const page = await get(`/v1/refunds?limit=100&created[gte]=${gte}&created[lte]=${lte}${after === undefined ? "" : `&starting_after=${after}`}`)
        seen += page.data.length
        if (!page.has_more || page.data.length === 0) return seen
        after = page.data[page.data.length - 1]!.id
      }
    }
    const first = Math.floor((now - span) / 1000) - 1
    const last = Math.floor(now / 1000) + 1
    const t1 = performance.now()
    const sequential = await walk(first, last)
    const seqSeconds = (performance.now() - t1) / 1000
    console.log(JSON.stringify({ step: "list-sequential", refunds: sequential, seconds: +seqSeconds.toFixed(2), perSecond: Math.round(sequential / seqSeconds) }))
    if (sequential !== count) throw new Error(`walked ${sequential} refunds, seeded ${count}`)
    const width = Math.ceil((last - first + 1) / slices)
    const t2 = performance.now()
    const counts = await Promise.all(Array.from({ length: slices }, (_, k) => {
      const gte = first + k * width
      return walk(gte, Math.min(gte + width - 1, last))
    }))
    const concSeconds = (performance.now() - t2) / 1000
    const total = counts.reduce((a, b) => a + b, 0)
    console.log(JSON.stringify({ step: "list-concurrent", slices, refunds: total, seconds: +concSeconds.toFixed(2), perSecond: Math.round(total / concSeconds), rss: rss(child.pid!) }))
    if (total !== count) throw new Error(`walked ${total} refunds in slices, seeded ${count}`)
    agent.destroy()
  } finally {
    child.kill("SIGTERM")
  }
}
