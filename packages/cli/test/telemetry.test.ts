import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { run } from "./helpers.ts"

interface Received {
  readonly path: string
  readonly headers: Record<string, unknown>
  readonly body: string
}

const received: Array<Received> = []
const collector = createServer((request, response) => {
  let body = ""
  request.setEncoding("utf8").on("data", (d: string) => (body += d))
  request.on("end", () => {
    received.push({ path: request.url ?? "", headers: request.headers, body })
    response.writeHead(200, { "content-type": "application/json" }).end("{}")
  })
})
let endpoint = ""
beforeAll(() => new Promise<void>((resolve) => collector.listen(0, "127.0.0.1", () => {
  endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`
  resolve()
})))
afterAll(() => new Promise<void>((resolve) => collector.close(() => resolve())))

const token = "otlp-cli-token-DoNotLeak9876"

describe("refract with OTEL_* variables", () => {
  it("exports the demo's refund spans and metrics before exiting", async () => {
    const r = await run(["demo", "--connector", "stripe"], {
      OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
      OTEL_EXPORTER_OTLP_HEADERS: `authorization=Bearer%20${token}`,
      OTEL_SERVICE_NAME: "refract-cli-test"
    })
    expect(r.stderr).toBe("")
    expect(r.code).toBe(0)
    const traces = received.filter((x) => x.path === "/v1/traces")
    expect(traces.length).toBeGreaterThan(0)
    const spans = traces.flatMap((t) => JSON.parse(t.body).resourceSpans.flatMap((rs: any) => rs.scopeSpans.flatMap((s: any) => s.spans)))
    expect(spans.map((s: any) => s.name)).toContain("refract.create")
    expect(traces[0]!.body).toContain("refract-cli-test")
    expect(received.some((x) => x.path === "/v1/metrics" && x.body.includes("refract_requests_total"))).toBe(true)
    for (const x of received) {
      expect(x.headers["authorization"]).toBe(`Bearer ${token}`)
      expect(x.body).not.toContain(token)
      expect(x.body).not.toMatch(/sk_test_[A-Za-z0-9]{6,}/)
    }
    expect(r.output).not.toContain(token)
  }, 30_000)

  it("refuses a protocol it cannot speak, with exit 2, naming the variable", async () => {
    const r = await run(["connectors"], {
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4317",
      OTEL_EXPORTER_OTLP_PROTOCOL: "grpc",
      OTEL_EXPORTER_OTLP_HEADERS: `x-api-key=${token}`
    })
    expect(r.code).toBe(2)
    expect(r.stderr).toContain("telemetry configuration: OTEL_EXPORTER_OTLP_PROTOCOL: unsupported protocol \"grpc\"")
    expect(r.output).not.toContain(token)
  })

  it("a malformed header is refused without echoing it", async () => {
    const r = await run(["connectors"], {
      OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
      OTEL_EXPORTER_OTLP_HEADERS: `x-api-key:${token}`
    })
    expect(r.code).toBe(2)
    expect(r.stderr).toContain("OTEL_EXPORTER_OTLP_HEADERS: entry 1 of 1 is not key=value")
    expect(r.output).not.toContain(token)
  })
})
