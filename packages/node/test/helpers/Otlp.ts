/**
 * A stand-in OpenTelemetry collector (a loopback HTTP server recording every OTLP/HTTP request) and
 * one refund driven end to end against the testkit's Stripe emulator with telemetry configured only
 * by `OTEL_*` variables. Shared by the export test and `scripts/trace-dump.ts`.
 */
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { RefundService, RefundTracker } from "@refract/core"
import { NodeTelemetry, NodeWebhookServer } from "@refract/node"
import { StripeConnector } from "@refract/stripe"
import { StripeEmulator } from "@refract/testkit"
import { ConfigProvider, Effect, Layer, Redacted } from "effect"
import { FetchHttpClient } from "effect/http"

export interface Received {
  readonly path: string
  readonly contentType: string | undefined
  readonly headers: Readonly<Record<string, string | ReadonlyArray<string> | undefined>>
  readonly body: Buffer
}

export interface Collector {
  readonly url: string
  readonly received: ReadonlyArray<Received>
}

/** Records every request and answers 200 `{}` (what a collector answers to a full success). */
export const collector = Effect.acquireRelease(
  Effect.callback<{ readonly collector: Collector; readonly close: () => void }>((resume) => {
    const received: Array<Received> = []
    const server = createServer((request, response) => {
      const chunks: Array<Buffer> = []
      request.on("data", (chunk: Buffer) => chunks.push(chunk))
      request.on("end", () => {
        received.push({ path: request.url ?? "", contentType: request.headers["content-type"], headers: request.headers, body: Buffer.concat(chunks) })
        response.writeHead(200, { "content-type": "application/json" }).end("{}")
      })
    })
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo
      resume(Effect.succeed({ collector: { url: `http://127.0.0.1:${port}`, received }, close: () => server.close() }))
    })
  }),
  ({ close }) => Effect.sync(close)
).pipe(Effect.map(({ collector }) => collector))

/** The secrets of the scenario: none of them may appear in anything exported. */
export const secrets = {
  apiKey: "sk_test_otelScenarioDoNotLeak4242",
  webhookSecret: "whsec_otelScenarioDoNotLeak4343",
  otlpHeader: "otlp-ingest-token-DoNotLeak4444"
} as const

export interface Outcome {
  readonly received: ReadonlyArray<Received>
  readonly connectorRefundId: string
  readonly metricsText: string
}

/**
 * Starts the collector and a Stripe emulator, runs a webhook server with the tracker, creates a
 * refund, lets the emulator settle it and deliver the signed webhook, reads it back, scrapes
 * `/metrics`, then stops everything (which flushes the exporters) and returns what the collector got.
 */
export const scenario = (env: Readonly<Record<string, string>>) =>
  Effect.gen(function*() {
    const otlp = yield* collector
    const emulator = yield* Effect.acquireRelease(
      Effect.promise(() => StripeEmulator.start({ apiKey: secrets.apiKey, webhookSecret: secrets.webhookSecret, settleAfterMillis: Infinity })),
      (e) => Effect.promise(() => e.close())
    )
    const telemetry = NodeTelemetry.layerConfig().pipe(
      Layer.provide(ConfigProvider.layer(ConfigProvider.fromEnv({
        env: {
          OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
          OTEL_EXPORTER_OTLP_HEADERS: `x-otlp-token=${encodeURIComponent(secrets.otlpHeader)}`,
          OTEL_SERVICE_NAME: "refract-telemetry-test",
          OTEL_RESOURCE_ATTRIBUTES: "deployment.environment=test",
          ...env
        }
      })))
    )
    const connectors = RefundService.layer(
      StripeConnector.layer({
        apiKey: Redacted.make(secrets.apiKey),
        webhookSecret: Redacted.make(secrets.webhookSecret),
        baseUrl: emulator.url
      })
    ).pipe(Layer.provideMerge(FetchHttpClient.layer))
    const server = NodeWebhookServer.layer({
      port: 0,
      host: "127.0.0.1",
      tracker: { initialDelay: "10 seconds", jitter: false }
    }).pipe(Layer.provideMerge(connectors))

    const run = Effect.gen(function*() {
      const info = yield* NodeWebhookServer.NodeWebhookServer
      const tracker = yield* RefundTracker.RefundTracker
      const refunds = yield* RefundService.RefundService
      emulator.setWebhookUrl(info.webhookUrl("stripe"))
      const paymentId = yield* Effect.promise(() => emulator.createPayment({ amount: 5000, currency: "USD" }))
      const created = yield* tracker.create("stripe", {
        merchantRefundId: "order-otel-1",
        connectorTransactionId: paymentId,
        amount: { amount: 2000, currency: "USD" }
      })
      yield* Effect.promise(() => emulator.advance(created.connectorRefundId))
      yield* Effect.promise(() => emulator.flushWebhooks())
      yield* refunds.get("stripe", created.connectorRefundId, created)
      const metricsText = yield* Effect.promise(() => fetch(`${info.url}/metrics`).then((r) => r.text()))
      return { connectorRefundId: created.connectorRefundId, metricsText }
    })
    // The telemetry layer is built first and released last: closing this scope stops the server, then flushes every exporter.
    const result = yield* Effect.scoped(run.pipe(Effect.provide(server.pipe(Layer.provideMerge(telemetry)))))
    return { ...result, received: [...otlp.received] } satisfies Outcome
  }).pipe(Effect.scoped)

// --- reading OTLP/JSON -------------------------------------------------------------------------

type AnyValue = { stringValue?: string; intValue?: string | number; doubleValue?: number; boolValue?: boolean }
type KeyValue = { key: string; value: AnyValue }

export interface FlatSpan {
  readonly traceId: string
  readonly spanId: string
  readonly parentSpanId: string | undefined
  readonly name: string
  readonly kind: number
  readonly start: bigint
  readonly end: bigint
  readonly status: number
  readonly attributes: Readonly<Record<string, string | number | boolean>>
}

const valueOf = (v: AnyValue): string | number | boolean =>
  v.stringValue ?? (v.intValue !== undefined ? Number(v.intValue) : undefined) ?? v.doubleValue ?? v.boolValue ?? JSON.stringify(v)

export const attributesOf = (kvs: ReadonlyArray<KeyValue> | undefined): Record<string, string | number | boolean> =>
  Object.fromEntries((kvs ?? []).map((kv) => [kv.key, valueOf(kv.value)]))

export const json = (received: ReadonlyArray<Received>, path: string): ReadonlyArray<any> =>
  received.filter((r) => r.path === path).map((r) => JSON.parse(r.body.toString("utf8")))

export const spansOf = (received: ReadonlyArray<Received>): ReadonlyArray<FlatSpan> =>
  json(received, "/v1/traces").flatMap((payload) =>
    payload.resourceSpans.flatMap((rs: any) =>
      rs.scopeSpans.flatMap((ss: any) =>
        ss.spans.map((s: any): FlatSpan => ({
          traceId: s.traceId,
          spanId: s.spanId,
          parentSpanId: s.parentSpanId === "" ? undefined : s.parentSpanId,
          name: s.name,
          kind: s.kind,
          start: BigInt(s.startTimeUnixNano),
          end: BigInt(s.endTimeUnixNano),
          status: s.status?.code ?? 0,
          attributes: attributesOf(s.attributes)
        }))
      )
    )
  )

export const resourceOf = (received: ReadonlyArray<Received>): Record<string, string | number | boolean> =>
  attributesOf(json(received, "/v1/traces")[0]?.resourceSpans[0]?.resource.attributes)

/** Data points of one metric across every export (the last one is the final state). */
export const metricPoints = (received: ReadonlyArray<Received>, name: string) =>
  json(received, "/v1/metrics").flatMap((payload) =>
    payload.resourceMetrics.flatMap((rm: any) =>
      rm.scopeMetrics.flatMap((sm: any) =>
        sm.metrics.filter((m: any) => m.name === name).flatMap((m: any) =>
          (m.sum ?? m.histogram ?? m.gauge ?? m.summary).dataPoints.map((p: any) => ({
            attributes: attributesOf(p.attributes),
            value: p.asInt !== undefined ? Number(p.asInt) : p.asDouble ?? (p.count !== undefined ? Number(p.count) : undefined)
          }))
        )
      )
    )
  )

const kinds = ["unspecified", "internal", "server", "client", "producer", "consumer"]

/** The spans as an indented tree per trace, children in start order, with durations and attributes. */
export const spanTree = (spans: ReadonlyArray<FlatSpan>, options: { readonly skipAttributes?: ReadonlyArray<RegExp> } = {}): string => {
  const byParent = new Map<string | undefined, Array<FlatSpan>>()
  const ids = new Set(spans.map((s) => s.spanId))
  for (const s of spans) {
    const parent = s.parentSpanId !== undefined && ids.has(s.parentSpanId) ? s.parentSpanId : undefined
    byParent.set(parent, [...(byParent.get(parent) ?? []), s])
  }
  const lines: Array<string> = []
  const show = (s: FlatSpan, prefix: string, last: boolean, root: boolean) => {
    const ms = Number(s.end - s.start) / 1e6
    const attrs = Object.entries(s.attributes)
      .filter(([k]) => !(options.skipAttributes ?? []).some((re) => re.test(k)))
      .map(([k, v]) => `${k}=${typeof v === "string" ? JSON.stringify(v) : v}`)
    const status = s.status === 2 ? " ERROR" : ""
    lines.push(`${prefix}${root ? "" : last ? "└─ " : "├─ "}${s.name} (${kinds[s.kind] ?? s.kind}${status}, ${ms.toFixed(1)} ms)`)
    const pad = prefix + (root ? "" : last ? "   " : "│  ")
    for (const a of attrs) lines.push(`${pad}${(byParent.get(s.spanId)?.length ?? 0) > 0 ? "│ " : "  "}  ${a}`)
    const children = (byParent.get(s.spanId) ?? []).toSorted((a, b) => (a.start < b.start ? -1 : 1))
    children.forEach((c, i) => show(c, pad, i === children.length - 1, false))
  }
  const roots = (byParent.get(undefined) ?? []).toSorted((a, b) => (a.start < b.start ? -1 : 1))
  for (const r of roots) {
    lines.push(`trace ${r.traceId}`)
    show(r, "", true, true)
    lines.push("")
  }
  return lines.join("\n")
}
