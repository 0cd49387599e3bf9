/**
 * @refract/core: the unified refund model, the refund state machine, the connector contract,
 * the execution pipeline, and the services every connector package plugs into.
 */
export * as Currency from "./money/Currency.ts"
export * as Money from "./money/Money.ts"
export * as Timestamp from "./time/Timestamp.ts"

export * as Refund from "./refund/Refund.ts"
export * as RefundStatus from "./refund/RefundStatus.ts"
export * as RefundStateMachine from "./refund/RefundStateMachine.ts"
export * as Observe from "./refund/Observe.ts"

// Classes, so `error instanceof RefundError` works; the reasons are statics and types of the class
// (`RefundError.RateLimited`, `RefundError.Reason`).
export { RefundError } from "./error/RefundError.ts"
export { NotSettled, RefundNotSettled } from "./service/RefundClient.ts"

export * as Connector from "./connector/Connector.ts"
export * as Credentials from "./connector/Credentials.ts"
export * as ProcessorHttp from "./connector/ProcessorHttp.ts"
export * as CapabilityMatrix from "./connector/CapabilityMatrix.ts"
export * as BoundConnector from "./connector/BoundConnector.ts"

export * as Executor from "./pipeline/Executor.ts"
export * as DirectExchange from "./pipeline/DirectExchange.ts"
export * as Idempotency from "./pipeline/Idempotency.ts"
export * as RetryPolicy from "./pipeline/RetryPolicy.ts"
export * as RateLimiter from "./pipeline/RateLimiter.ts"
export * as TokenCache from "./pipeline/TokenCache.ts"
export * as Telemetry from "./pipeline/Telemetry.ts"
export * as TelemetryConfig from "./telemetry/TelemetryConfig.ts"

export * as WebhookError from "./webhook/WebhookError.ts"
export * as WebhookEvent from "./webhook/WebhookEvent.ts"
export * as Signature from "./webhook/Signature.ts"
export * as Webhooks from "./webhook/Webhooks.ts"

export * as ConnectorRegistry from "./service/ConnectorRegistry.ts"
export * as RefundClient from "./service/RefundClient.ts"
export * as RefundService from "./service/RefundService.ts"
export * as ConnectorLayer from "./service/ConnectorLayer.ts"

// The Promise facade is exported as a class, for non-Effect code: `new PaymentClient({ connector: stripe, ... })`.
export { isPaymentClientError, PaymentClient } from "./facade/PaymentClient.ts"
export type { EnvironmentName, PaymentClientError, PaymentClientOptions, WaitOptions } from "./facade/PaymentClient.ts"

export * as RefundStore from "./store/RefundStore.ts"
export * as MemoryRefundStore from "./store/MemoryRefundStore.ts"
export * as RefundStoreConformance from "./store/RefundStoreConformance.ts"
export * as EventHandler from "./events/EventHandler.ts"
export * as RefundTracker from "./tracker/RefundTracker.ts"
export * as WebhookRoute from "./http/WebhookRoute.ts"
export * as RefundsApi from "./http/RefundsApi.ts"
export * as ApiAuth from "./http/ApiAuth.ts"
export * as Csv from "./reconcile/Csv.ts"
export * as Ledger from "./reconcile/Ledger.ts"
export * as Matching from "./reconcile/Matching.ts"
export * as Reconciler from "./reconcile/Reconciler.ts"
export * as ReconcileWorkspace from "./reconcile/Workspace.ts"
export * as ReconcileReport from "./reconcile/Report.ts"
