/**
 * Telemetry for every command: `@refract/node`'s `NodeTelemetry.layerConfig`, which exports traces,
 * metrics and logs over OTLP when the standard `OTEL_*` variables ask for it
 * (`OTEL_EXPORTER_OTLP_ENDPOINT`, …) and does nothing otherwise. The layer spans the whole command,
 * so what is buffered is sent before the process exits. A malformed variable is a usage error
 * (exit 2) naming the variable, never a header value.
 */
import { TelemetryConfig } from "@refract/core"
import { NodeTelemetry } from "@refract/node"
import { Effect, Layer } from "effect"
import { UsageError } from "./errors.ts"

export const layer = Layer.unwrap(
  TelemetryConfig.config().pipe(
    Effect.mapError((e) => new UsageError({ message: `telemetry configuration: ${e.cause.message}` })),
    Effect.map(NodeTelemetry.layer)
  )
)
