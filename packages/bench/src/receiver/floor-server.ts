/**
 * The floor: a plain `node:http` server that verifies the Stripe webhook signature (HMAC-SHA256 with
 * `node:crypto`, constant-time comparison, 300 s tolerance) and answers 200. No parsing, no state:
 * the least any correct receiver must do. Run as a child process of the receiver benchmark.
 */
import { createHmac, timingSafeEqual } from "node:crypto"
import { createServer } from "node:http"
import * as Ipc from "./ipc.ts"

const secret = process.env["REFRACT_BENCH_SECRET"] ?? ""
if (secret === "") throw new Error("REFRACT_BENCH_SECRET is not set")

const ok = "{\"received\":true}"

const answer = (res: import("node:http").ServerResponse, status: number, body: string) => {
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body) })
  res.end(body)
}

/** True when one `v1=` of the header is the HMAC of `t.body` and `t` is within 300 s of now. */
export const verify = (header: string | undefined, body: Buffer): boolean => {
  if (header === undefined) return false
  let t: string | undefined
  const candidates: Array<string> = []
  for (const item of header.split(",")) {
    const at = item.indexOf("=")
    if (at < 0) continue
    const key = item.slice(0, at).trim()
    if (key === "t") t = item.slice(at + 1).trim()
    else if (key === "v1") candidates.push(item.slice(at + 1).trim())
  }
  if (t === undefined || !/^\d{1,15}$/.test(t) || candidates.length === 0 || body.length === 0) return false
  const expected = createHmac("sha256", secret).update(`${t}.`).update(body).digest()
  let matched = false
  for (const candidate of candidates) {
    const bytes = Buffer.from(candidate, "hex")
    if (bytes.length === expected.length && timingSafeEqual(bytes, expected)) matched = true
  }
  return matched && Math.abs(Math.floor(Date.now() / 1000) - Number(t)) <= 300
}

const server = createServer((req, res) => {
  if (req.method !== "POST") return answer(res, 405, "{\"error\":\"MethodNotAllowed\"}")
  const chunks: Array<Buffer> = []
  req.on("data", (chunk: Buffer) => chunks.push(chunk))
  req.on("end", () => {
    const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)
    const header = req.headers["stripe-signature"]
    if (verify(typeof header === "string" ? header : undefined, body)) answer(res, 200, ok)
    else answer(res, 401, "{\"error\":\"InvalidSignature\"}")
  })
})

server.listen(0, "127.0.0.1", () => {
  const address = server.address()
  const port = typeof address === "object" && address !== null ? address.port : 0
  Ipc.serve({ url: `http://127.0.0.1:${port}`, stop: () => new Promise<void>((resolve) => server.close(() => resolve())) })
})
