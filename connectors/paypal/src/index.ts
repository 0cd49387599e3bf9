/**
 * @refract/paypal: the PayPal connector for Refract (Payments v2).
 *
 *   import { PayPalConnector } from "@refract/paypal"
 *   const PayPalLive = PayPalConnector.layer({ clientId, clientSecret: Redacted.make(secret), environment: "sandbox" })
 *
 * Requests are authenticated with OAuth2 client-credentials access tokens (cached and refreshed by the
 * core); refund webhooks are verified offline with PayPal's RSA signature (`PayPalWebhook`).
 */
export * as PayPalConnector from "./PayPalConnector.ts"
export * as PayPalError from "./PayPalError.ts"
export * as PayPalList from "./PayPalList.ts"
export * as PayPalSchema from "./PayPalSchema.ts"
export * as PayPalWebhook from "./PayPalWebhook.ts"

/**
 * The connector value, for the Promise facade: `new PaymentClient({ connector: paypal, ... })`, or
 * `PaymentClient.register(paypal)` once and then `connector: "paypal"`. (`connector` is the same value.)
 */
export { connector, connector as paypal, PayPalRefunds } from "./PayPalConnector.ts"
