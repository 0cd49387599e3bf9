import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { metricPoints, resourceOf, scenario, secrets, spansOf } from "./helpers/Otlp.ts"
import type { FlatSpan, Received } from "./helpers/Otlp.ts"

const noSecretIn = (received: ReadonlyArray<Received>) => {
  for (const r of received) {
    // Raw bytes: covers protobuf bodies too (strings are UTF-8 in both encodings).
    const text = r.body.toString("latin1")
    for (const [name, value] of Object.entries(secrets)) {
      assert.notInclude(text, value, `${name} leaked into ${r.path}`)
      assert.notInclude(text, value.slice(0, 20), `a prefix of ${name} leaked into ${r.path}`)
    }
  }
}

const only = (spans: ReadonlyArray<FlatSpan>, predicate: (s: FlatSpan) => boolean): FlatSpan => {
  const found = spans.filter(predicate)
  assert.strictEqual(found.length, 1, `expected exactly one span, got ${found.map((s) => s.name).join(", ")}`)
  return found[0]!
}

describe("NodeTelemetry.layerConfig (OTEL_* variables only)", () => {
  it.live("exports the refund's spans and metrics over OTLP/HTTP JSON, with the headers, and no secret anywhere", () =>
    Effect.gen(function*() {
      const outcome = yield* scenario({ OTEL_EXPORTER_OTLP_PROTOCOL: "http/json" })
      const { received } = outcome
      const paths = new Set(received.map((r) => r.path))
      assert.isTrue(paths.has("/v1/traces") && paths.has("/v1/metrics"), `got ${[...paths].join(", ")}`)
      for (const r of received) {
        assert.strictEqual(r.contentType, "application/json")
        assert.strictEqual(r.headers["x-otlp-token"], secrets.otlpHeader, "the OTLP header reaches the collector")
      }

      const resource = resourceOf(received)
      assert.strictEqual(resource["service.name"], "refract-telemetry-test")
      assert.strictEqual(resource["deployment.environment"], "test")

      const spans = spansOf(received)
      const create = only(spans, (s) => s.name === "refract.create")
      assert.deepInclude(create.attributes, {
        "refract.connector": "stripe",
        "refract.operation": "create",
        "refract.outcome": "ok",
        "refract.merchant_refund_id": "order-otel-1",
        "refract.attempts": 1
      })
      const attempt = only(spans, (s) => s.name === "refract.attempt" && s.parentSpanId === create.spanId)
      assert.strictEqual(attempt.traceId, create.traceId)
      assert.strictEqual(attempt.attributes["http.response.status_code"], 200)
      const post = only(spans, (s) => s.parentSpanId === attempt.spanId)
      assert.strictEqual(post.name, "POST")
      assert.strictEqual(post.kind, 3, "client span")
      assert.strictEqual(post.attributes["url.path"], "/v1/refunds")
      assert.isTrue(create.start <= attempt.start && attempt.end <= create.end && attempt.start <= post.start && post.end <= attempt.end)

      const get = only(spans, (s) => s.name === "refract.get")
      assert.deepInclude(get.attributes, { "refract.connector": "stripe", "refract.operation": "get", "refract.outcome": "ok" })

      // The emulator's signed webhook, verified and applied under the server's span.
      const applied = only(spans, (s) => s.name === "refract.handleEvent" && s.attributes["refract.outcomes"] === "Applied")
      const server = only(spans, (s) => s.spanId === applied.parentSpanId)
      assert.strictEqual(server.kind, 2, "server span")
      assert.strictEqual(server.attributes["http.route"], "/webhooks/:connector")
      assert.isTrue(spans.some((s) => s.name === "refract.webhook" && s.parentSpanId === applied.spanId))

      const requests = metricPoints(received, "refract_requests_total")
      assert.deepInclude(requests, { attributes: { connector: "stripe", operation: "create", outcome: "ok" }, value: 1 })
      assert.deepInclude(requests, { attributes: { connector: "stripe", operation: "get", outcome: "ok" }, value: 1 })
      assert.deepInclude(metricPoints(received, "refract_http_attempts_total"), {
        attributes: { connector: "stripe", operation: "create" },
        value: 1
      })
      assert.deepInclude(metricPoints(received, "refract_operation_duration_ms"), {
        attributes: { connector: "stripe", operation: "create" },
        value: 1
      })

      // Logs go too (merged with the console logger), the server's start line among them.
      const logs = received.filter((r) => r.path === "/v1/logs").map((r) => r.body.toString("utf8")).join("\n")
      assert.include(logs, "refract: receiving webhooks on")

      noSecretIn(received)
      for (const r of received) assert.notMatch(r.body.toString("utf8"), /sk_test_|whsec_/, `no key or secret shape in ${r.path}`)
    }))

  it.live("http/protobuf by default: the same signals arrive as protobuf, still without secrets", () =>
    Effect.gen(function*() {
      const { received } = yield* scenario({})
      const traces = received.filter((r) => r.path === "/v1/traces")
      assert.isAbove(traces.length, 0)
      for (const r of received) assert.strictEqual(r.contentType, "application/x-protobuf")
      const body = Buffer.concat(traces.map((r) => r.body)).toString("latin1")
      for (const name of ["refract.create", "refract.attempt", "refract.outcome", "refract-telemetry-test"]) assert.include(body, name)
      assert.include(Buffer.concat(received.filter((r) => r.path === "/v1/metrics").map((r) => r.body)).toString("latin1"), "refract_requests_total")
      noSecretIn(received)
    }))

  it.live("OTEL_SDK_DISABLED=true and exporter none send nothing", () =>
    Effect.gen(function*() {
      const disabled = yield* scenario({ OTEL_SDK_DISABLED: "true" })
      assert.deepStrictEqual(disabled.received, [])
      const noTraces = yield* scenario({ OTEL_TRACES_EXPORTER: "none", OTEL_LOGS_EXPORTER: "none", OTEL_EXPORTER_OTLP_PROTOCOL: "http/json" })
      assert.deepStrictEqual([...new Set(noTraces.received.map((r) => r.path))], ["/v1/metrics"])
    }))
})
