/**
 * Operations endpoints for a Refract server, as `HttpRouter` routes (mounted by
 * `NodeWebhookServer.layer`, so `refract serve` and library users both get them):
 *
 * - `GET /metrics`: every Effect metric of the process in the Prometheus text format
 *   (`text/plain; version=0.0.4`), through effect's `PrometheusMetrics`: `refract_requests_total`,
 *   `refract_http_attempts_total`, `refract_retries_total`, `refract_operation_duration_ms`.
 * - `GET /readyz`: readiness, JSON. 200 when the refund store answers a read within
 *   `readinessTimeoutMillis` and at least one connector is registered; 503 otherwise. The body names
 *   the failing check and the connectors' ids, never a store error's text (which may hold a host or
 *   a user name) nor anything else from configuration.
 * - `GET /healthz` (liveness, `200 ok`) comes with the webhook routes (core's `WebhookRoute.health`).
 *
 * They are fixed, static paths: the router prefers them over a parameterised webhook path, and the
 * webhook path accepts only POST.
 */
import { ConnectorRegistry, RefundStore } from "@refract/core"
import { Effect, Layer } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"
import { PrometheusMetrics } from "effect/observability"

export interface Options {
  /** Serve `/metrics`. Default true. */
  readonly metrics?: boolean | undefined
  /** Prometheus formatting (a name prefix, a name mapper). */
  readonly prometheus?: PrometheusMetrics.FormatOptions | undefined
  /** How long `/readyz` waits for the store. Default 2000. */
  readonly readinessTimeoutMillis?: number | undefined
}

export const paths = { metrics: "/metrics", ready: "/readyz", health: "/healthz" } as const

export type StoreCheck = "ok" | "unreachable" | "timeout"

export interface Readiness {
  readonly ready: boolean
  readonly store: StoreCheck
  readonly connectors: ReadonlyArray<string>
}

/** A key no refund has: reading it is a round trip to the store that changes nothing. */
const probeKey: RefundStore.RefundKey = { connector: "refract.readyz", connectorRefundId: "refract.readyz" }

/** Checks the store (one read) and the registry. */
export const readiness = (options: Options = {}): Effect.Effect<Readiness, never, RefundStore.RefundStore | ConnectorRegistry.ConnectorRegistry> =>
  Effect.gen(function*() {
    const store = yield* RefundStore.RefundStore
    const registry = yield* ConnectorRegistry.ConnectorRegistry
    const storeCheck: StoreCheck = yield* store.get(probeKey).pipe(
      Effect.as<StoreCheck>("ok"),
      Effect.timeoutOrElse({ duration: options.readinessTimeoutMillis ?? 2_000, orElse: () => Effect.succeed<StoreCheck>("timeout") }),
      Effect.catchCause(() => Effect.succeed<StoreCheck>("unreachable"))
    )
    const connectors = (yield* registry.list).map((bound) => bound.id).toSorted()
    return { ready: storeCheck === "ok" && connectors.length > 0, store: storeCheck, connectors }
  })

const noStore = { "cache-control": "no-store" }

/** `/readyz` and (unless turned off) `/metrics` as an `HttpRouter` layer. */
export const layer = (options: Options = {}) => {
  const ready = HttpRouter.add(
    "GET",
    paths.ready,
    Effect.map(readiness(options), (r) =>
      HttpServerResponse.jsonUnsafe(
        { status: r.ready ? "ready" : "not ready", checks: { store: r.store, connectors: r.connectors.length > 0 ? "ok" : "none" }, connectors: r.connectors },
        { status: r.ready ? 200 : 503, headers: noStore }
      ))
  )
  const metrics = HttpRouter.add(
    "GET",
    paths.metrics,
    Effect.map(PrometheusMetrics.format(options.prometheus), (body) =>
      HttpServerResponse.text(body, { contentType: "text/plain; version=0.0.4; charset=utf-8", headers: noStore }))
  )
  return options.metrics === false ? ready : Layer.mergeAll(ready, metrics)
}
