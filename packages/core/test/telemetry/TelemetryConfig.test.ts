import { assert, describe, it } from "@effect/vitest"
import { TelemetryConfig } from "@refract/core"
import { ConfigProvider, Effect, Exit, Layer, Logger, Redacted, References } from "effect"
import { HttpClient, HttpClientResponse } from "effect/http"
import { OtlpExporter } from "effect/observability"

const read = (env: Record<string, string>, options?: TelemetryConfig.Options) =>
  TelemetryConfig.config(options).pipe(Effect.provide(ConfigProvider.layer(ConfigProvider.fromEnv({ env }))))

const failure = (env: Record<string, string>) =>
  Effect.gen(function*() {
    const exit = yield* Effect.exit(read(env))
    assert.isTrue(Exit.isFailure(exit), "expected a ConfigError")
    if (Exit.isSuccess(exit)) return ""
    return String(exit.cause)
  })

const secret = "hc_live_0123456789abcdefSECRET"

describe("TelemetryConfig.config", () => {
  it.effect("nothing set: nothing exported, service name refract", () =>
    Effect.gen(function*() {
      const s = yield* read({})
      assert.deepStrictEqual([s.traces, s.metrics, s.logs], [undefined, undefined, undefined])
      assert.strictEqual(s.resource.serviceName, "refract")
      assert.isFalse(TelemetryConfig.isEnabled(s))
    }))

  it.effect("a base endpoint enables every signal below /v1/<signal>, http/protobuf by default", () =>
    Effect.gen(function*() {
      const s = yield* read({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318/otlp/" })
      assert.strictEqual(s.traces?.url, "http://collector:4318/otlp/v1/traces")
      assert.strictEqual(s.metrics?.url, "http://collector:4318/otlp/v1/metrics")
      assert.strictEqual(s.logs?.url, "http://collector:4318/otlp/v1/logs")
      assert.strictEqual(s.traces?.protocol, "http/protobuf")
      assert.strictEqual(s.traces?.compression, "none")
    }))

  it.effect("signal endpoints are used as given; exporters none/prometheus and OTEL_SDK_DISABLED turn signals off", () =>
    Effect.gen(function*() {
      const s = yield* read({
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "https://traces.example/custom",
        OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: "https://metrics.example/m",
        OTEL_METRICS_EXPORTER: "prometheus",
        OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
        OTEL_BSP_SCHEDULE_DELAY: "250"
      })
      assert.strictEqual(s.traces?.url, "https://traces.example/custom")
      assert.strictEqual(s.traces?.protocol, "http/json")
      assert.strictEqual(s.traces?.exportIntervalMillis, 250)
      assert.strictEqual(s.metrics, undefined)
      assert.strictEqual(s.logs, undefined, "no endpoint for logs")
      const off = yield* read({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318", OTEL_SDK_DISABLED: "true" })
      assert.isFalse(TelemetryConfig.isEnabled(off))
      const noTraces = yield* read({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318", OTEL_TRACES_EXPORTER: "none", OTEL_LOGS_EXPORTER: "none" })
      assert.deepStrictEqual([noTraces.traces, noTraces.logs], [undefined, undefined])
      assert.isDefined(noTraces.metrics)
      const excluded = yield* read({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318" }, { exclude: ["logs"], serviceName: "shop" })
      assert.strictEqual(excluded.logs, undefined)
      assert.strictEqual(excluded.resource.serviceName, "shop")
    }))

  it.effect("headers are percent-decoded, Redacted, and signal headers win", () =>
    Effect.gen(function*() {
      const s = yield* read({
        OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318",
        OTEL_EXPORTER_OTLP_HEADERS: `x-honeycomb-team=${secret}, x-tenant=a%20b`,
        OTEL_EXPORTER_OTLP_METRICS_HEADERS: "x-tenant=metrics"
      })
      const traces = new Map(s.traces!.headers.map(([k, v]) => [k, Redacted.value(v)]))
      assert.deepStrictEqual(Object.fromEntries(traces), { "x-honeycomb-team": secret, "x-tenant": "a b" })
      assert.strictEqual(Redacted.value(new Map(s.metrics!.headers).get("x-tenant")!), "metrics")
      assert.notInclude(JSON.stringify(s), secret)
      assert.notInclude(String(s.traces!.headers), secret)
      assert.deepStrictEqual(TelemetryConfig.describe(s)[0], "traces → http://c:4318/v1/traces (http/protobuf, headers: x-honeycomb-team, x-tenant)")
    }))

  it.effect("resource: OTEL_SERVICE_NAME wins over service.name in OTEL_RESOURCE_ATTRIBUTES", () =>
    Effect.gen(function*() {
      const s = yield* read({
        OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318",
        OTEL_SERVICE_NAME: "refunds-api",
        OTEL_RESOURCE_ATTRIBUTES: "service.name=ignored,deployment.environment=prod%2Deu,service.version=1.2.3"
      })
      assert.deepStrictEqual(s.resource, {
        serviceName: "refunds-api",
        serviceVersion: "1.2.3",
        attributes: { "deployment.environment": "prod-eu" }
      })
      const fromAttributes = yield* read({ OTEL_RESOURCE_ATTRIBUTES: "service.name=from-attrs" })
      assert.strictEqual(fromAttributes.resource.serviceName, "from-attrs")
    }))

  it.effect("refuses grpc, unknown exporters, bad URLs and bad headers, naming the variable and never a header value", () =>
    Effect.gen(function*() {
      const grpc = yield* failure({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4317", OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" })
      assert.include(grpc, "OTEL_EXPORTER_OTLP_PROTOCOL: unsupported protocol \"grpc\"")
      assert.include(grpc, "http/protobuf, http/json")
      const perSignal = yield* failure({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318", OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: "thrift" })
      assert.include(perSignal, "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")
      assert.include(yield* failure({ OTEL_TRACES_EXPORTER: "zipkin" }), "OTEL_TRACES_EXPORTER: unsupported exporter \"zipkin\"")
      const url = yield* failure({ OTEL_EXPORTER_OTLP_ENDPOINT: "ftp://user:pw@c" })
      assert.include(url, "OTEL_EXPORTER_OTLP_ENDPOINT: not an http(s) URL")
      assert.notInclude(url, "pw@")
      const badHeader = yield* failure({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318", OTEL_EXPORTER_OTLP_HEADERS: `${secret}` })
      assert.include(badHeader, "OTEL_EXPORTER_OTLP_HEADERS: entry 1 of 1 is not key=value")
      assert.notInclude(badHeader, secret)
      const badEncoding = yield* failure({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318", OTEL_EXPORTER_OTLP_HEADERS: `a=1,authorization=${secret}%E0%A4%A` })
      assert.include(badEncoding, "entry 2 of 2 (header authorization) has an invalid percent-encoded value")
      assert.notInclude(badEncoding, secret)
    }))
})

describe("TelemetryConfig.layer", () => {
  it.effect("sends the headers to the collector; a failed export is logged without them", () =>
    Effect.gen(function*() {
      const sent: Array<Record<string, string>> = []
      const logged: Array<string> = []
      const collector = Layer.succeed(
        HttpClient.HttpClient,
        HttpClient.make((request) => {
          sent.push({ ...request.headers })
          return Effect.succeed(HttpClientResponse.fromWeb(request, new Response("denied", { status: 403 })))
        })
      )
      const settings: TelemetryConfig.Settings = {
        traces: {
          url: "http://collector.test/v1/traces",
          protocol: "http/json",
          headers: [["x-honeycomb-team", Redacted.make(secret)]],
          compression: "none",
          exportIntervalMillis: undefined,
          timeoutMillis: undefined
        },
        metrics: undefined,
        logs: undefined,
        resource: { serviceName: "t", serviceVersion: undefined, attributes: {} }
      }
      const logging = Layer.mergeAll(
        Logger.layer([Logger.map(Logger.formatJson, (line) => logged.push(line))]),
        Layer.succeed(References.MinimumLogLevel, "Debug")
      )
      yield* Effect.gen(function*() {
        yield* Effect.void.pipe(Effect.withSpan("refract.create"))
        yield* (yield* OtlpExporter.Flusher).flush
      }).pipe(Effect.provide(TelemetryConfig.layer(settings).pipe(Layer.provide(collector))), Effect.provide(logging))
      assert.strictEqual(sent[0]?.["x-honeycomb-team"], secret, "the header reaches the collector")
      assert.isTrue(logged.some((l) => l.includes("Disabling exporter")), "the failure is logged")
      for (const line of logged) assert.notInclude(line, secret)
    }))
})
