/**
 * `refract serve` with telemetry: Prometheus `/metrics` and `/readyz` on the server's port, and
 * OTLP export (configured only by OTEL_* variables) flushed when SIGTERM stops it.
 */
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { start, waitForOutput } from "./helpers.ts"

const received: Array<{ path: string; body: string }> = []
const collector = createServer((request, response) => {
  let body = ""
  request.setEncoding("utf8").on("data", (d: string) => (body += d))
  request.on("end", () => {
    received.push({ path: request.url ?? "", body })
    response.writeHead(200, { "content-type": "application/json" }).end("{}")
  })
})
let endpoint = ""
beforeAll(() => new Promise<void>((resolve) => collector.listen(0, "127.0.0.1", () => {
  endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`
  resolve()
})))
afterAll(() => new Promise<void>((resolve) => collector.close(() => resolve())))

const webhookSecret = "whsec_serveTelemetryDoNotLeak1234"
const apiKey = "sk_test_serveTelemetryDoNotLeak5678"

describe("refract serve: /metrics, /readyz and OTLP", () => {
  it("serves Prometheus metrics and readiness, and exports its spans when stopped", async () => {
    const server = start(["serve", "--port", "0", "--host", "127.0.0.1", "--store", "memory"], {
      STRIPE_API_KEY: apiKey,
      STRIPE_WEBHOOK_SECRET: webhookSecret,
      STRIPE_BASE_URL: "http://127.0.0.1:9",
      OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
      OTEL_SERVICE_NAME: "refract-serve-test"
    })
    try {
      const banner = await waitForOutput(server, /Press Ctrl-C to stop/)
      const url = /listening\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(banner)![1]!
      // The banner names the operations endpoints next to the webhook paths.
      expect(banner).toContain(`${url}/readyz`)
      expect(banner).toContain(`${url}/metrics (Prometheus)`)

      // A delivery with a bad signature: refused, counted, traced.
      const refused = await fetch(`${url}/webhooks/stripe`, { method: "POST", headers: { "stripe-signature": "t=1,v1=00" }, body: "{}" })
      expect(refused.status).toBe(401)

      const metrics = await fetch(`${url}/metrics`)
      expect(metrics.status).toBe(200)
      expect(metrics.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8")
      const text = await metrics.text()
      expect(text).toMatch(/^refract_webhook_refused_total\{connector="stripe",reason="\w+"\} 1$/m)

      const ready = await fetch(`${url}/readyz`)
      expect(ready.status).toBe(200)
      expect(await ready.json()).toEqual({ status: "ready", checks: { store: "ok", connectors: "ok" }, connectors: ["stripe"] })
    } finally {
      const closed = new Promise((resolve) => server.on("close", resolve))
      server.kill("SIGTERM")
      await closed
    }
    const traces = received.filter((r) => r.path === "/v1/traces").map((r) => r.body).join("\n")
    expect(traces).toContain("refract-serve-test")
    expect(traces).toContain("\"/webhooks/:connector\"")
    expect(traces).toContain("refract.handleEvent")
    expect(received.some((r) => r.path === "/v1/metrics" && r.body.includes("refract_webhook_refused_total"))).toBe(true)
    for (const r of received) {
      expect(r.body).not.toContain(webhookSecret)
      expect(r.body).not.toContain(apiKey)
    }
  }, 30_000)
})
