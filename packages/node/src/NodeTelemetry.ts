/**
 * OpenTelemetry export on Node, out of the box: core's `TelemetryConfig` (the standard `OTEL_*`
 * variables, effect's own OTLP exporters) with an HTTP client of its own, so the layer needs nothing.
 *
 *   // OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4318 OTEL_SERVICE_NAME=refunds node app.ts
 *   program.pipe(Effect.provide(NodeTelemetry.layerConfig()), NodeRuntime.runMain)
 *
 * With no endpoint configured (or `OTEL_SDK_DISABLED=true`) it installs nothing and sends nothing.
 * The exporters get their own `fetch` client, not the application's: exports never go through the
 * middleware (or the test doubles) the application put on its processor client, and their requests
 * are not traced. The layer's scope is the exporters' lifetime: closing it (the end of
 * `runMain`, a CLI command finishing) sends what is still buffered.
 */
import { TelemetryConfig } from "@refract/core"
import type { Config, Layer as L } from "effect"
import { Layer } from "effect"
import { FetchHttpClient } from "effect/http"
import type { OtlpExporter } from "effect/observability"

export type Options = TelemetryConfig.Options
export type Settings = TelemetryConfig.Settings

/** Exports what `settings` enables. */
export const layer = (settings: TelemetryConfig.Settings): L.Layer<OtlpExporter.Flusher> =>
  TelemetryConfig.layer(settings).pipe(Layer.provide(FetchHttpClient.layer))

/** Exports what the `OTEL_*` variables enable; a malformed one fails with a `ConfigError` naming it (never a header value). */
export const layerConfig = (options: TelemetryConfig.Options = {}): L.Layer<OtlpExporter.Flusher, Config.ConfigError> =>
  TelemetryConfig.layerConfig(options).pipe(Layer.provide(FetchHttpClient.layer))
