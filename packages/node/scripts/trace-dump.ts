/**
 * Prints the span tree of one refund (create, settle by webhook, read) as a stand-in collector
 * received it over OTLP/HTTP JSON, the Refract metrics it received, and the server's `/metrics`
 * (histogram buckets thinned): the dumps in docs/telemetry.md.
 *
 *   node packages/node/scripts/trace-dump.ts
 */
import { Effect } from "effect"
import { metricPoints, scenario, spansOf, spanTree } from "../test/helpers/Otlp.ts"

const program = Effect.gen(function*() {
  const outcome = yield* scenario({ OTEL_EXPORTER_OTLP_PROTOCOL: "http/json" })
  const spans = spansOf(outcome.received)
  console.log(spanTree(spans, { skipAttributes: [/^code\./, /user_agent/, /^http\.request\.header\.(accept|content-length|host)/] }))
  console.log("# OTLP metric data points received (last export)")
  for (const name of ["refract_requests_total", "refract_http_attempts_total", "refract_retries_total", "refract_operation_duration_ms", "refract_webhook_events_total"]) {
    for (const p of metricPoints(outcome.received, name)) console.log(`${name} ${JSON.stringify(p.attributes)} ${p.value}`)
  }
  console.log("\n# GET /metrics (Refract's series)")
  const ours = outcome.metricsText.split("\n").filter((l) => /^(# (HELP|TYPE) )?refract_/.test(l))
  console.log(ours.filter((l) => !/_bucket\{/.test(l) || /le="(5|40|320|\+Inf)"/.test(l)).join("\n"))
})

Effect.runPromise(program).catch((e) => {
  console.error(e)
  process.exitCode = 1
})
