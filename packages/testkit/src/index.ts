/**
 * `@refract/testkit`: processor emulators for end-to-end connector tests.
 *
 * @since 0.1.0
 */
export * as AdyenEmulator from "./adyen/AdyenEmulator.ts"
export * as AuthorizeNetEmulator from "./authorizenet/AuthorizeNetEmulator.ts"
export * as CheckoutEmulator from "./checkout/CheckoutEmulator.ts"
export * as ConnectorTest from "./connector/ConnectorTest.ts"
export * as ControlApi from "./emulator/ControlApi.ts"
export * as ControlClient from "./emulator/ControlClient.ts"
export * as Emulator from "./emulator/Emulator.ts"
export * as EmulatorClock from "./emulator/Clock.ts"
export * as EmulatorServer from "./emulator/Server.ts"
export * as Faults from "./emulator/Faults.ts"
export * as BraintreeEmulator from "./braintree/BraintreeEmulator.ts"
export * as Http from "./emulator/Http.ts"
export * as Idempotency from "./emulator/Idempotency.ts"
export * as Loopback from "./Loopback.ts"
export * as PaddleEmulator from "./paddle/PaddleEmulator.ts"
export * as MollieEmulator from "./mollie/MollieEmulator.ts"
export * as PayPalEmulator from "./paypal/PayPalEmulator.ts"
export * as RefundStore from "./emulator/RefundStore.ts"
export * as GoCardlessEmulator from "./gocardless/GoCardlessEmulator.ts"
export * as MercadoPagoEmulator from "./mercadopago/MercadoPagoEmulator.ts"
export * as RazorpayEmulator from "./razorpay/RazorpayEmulator.ts"
export * as Registry from "./Registry.ts"
export * as RequestLog from "./emulator/RequestLog.ts"
export * as RetrySchedule from "./emulator/RetrySchedule.ts"
export * as Seed from "./emulator/Seed.ts"
export * as SquareEmulator from "./square/SquareEmulator.ts"
export * as StripeEmulator from "./stripe/StripeEmulator.ts"
export * as Transport from "./emulator/Transport.ts"
export * as WebhookEngine from "./emulator/WebhookEngine.ts"
export * as Webhooks from "./emulator/Webhooks.ts"
export { EmulatorService } from "./emulator/Emulator.ts"
export type {
  Emulator as EmulatorHandle,
  EmulatedRefund,
  Fault,
  FaultMatch,
  Outcome,
  RandomFaults,
  RecordedRequest,
  Truth,
  WebhookDelivery,
  WebhookEventRecord,
  WebhookOptions
} from "./emulator/Emulator.ts"
