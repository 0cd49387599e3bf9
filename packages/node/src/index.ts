/**
 * @refract/node: Refract's receivers on Node.js, built on `@effect/platform-node`.
 *
 * - `NodeWebhookServer`: the webhook server layer (route, `/healthz`, store, tracker) that
 *   `refract serve` runs.
 * - `NodeConsoleRoutes`: the support console at `/console` over the refunds API (mounted with it).
 * - `NodeOpsRoutes`: `/readyz` and Prometheus `/metrics` (mounted by `NodeWebhookServer`).
 * - `NodeHttp`: the HTTP client for processor calls (an undici pool with a direct exchange).
 * - `PaymentClient`: the Promise API of @refract/core, on `NodeHttp`.
 * - `NodeTelemetry`: OTLP export of traces, metrics and logs from the standard `OTEL_*` variables.
 * - `NodeReconcileWorkspace`: the Reconciler's partitions and checkpoint on disk (bounded memory, resumable).
 * - `NodeWebhookHandler`: the Promise receiver for applications that do not use Effect, with a
 *   listener for `http.createServer` and a handler for your own routing.
 */
export * as NodeHttp from "./NodeHttp.ts"
export { PaymentClient } from "./NodePaymentClient.ts"
export * as NodeWebhookServer from "./NodeWebhookServer.ts"
export * as NodeWebhookHandler from "./NodeWebhookHandler.ts"
export * as NodeOpsRoutes from "./NodeOpsRoutes.ts"
export * as NodeConsoleRoutes from "./NodeConsoleRoutes.ts"
export * as NodeTelemetry from "./NodeTelemetry.ts"
export * as NodeReconcileWorkspace from "./NodeReconcileWorkspace.ts"
