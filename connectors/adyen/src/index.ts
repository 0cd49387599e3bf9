/**
 * @refract/adyen: the Adyen connector for Refract (Checkout API v71).
 *
 * Adyen has no refund-status endpoint: refunds are created here and settle through Adyen's
 * HMAC-signed webhooks (`AdyenWebhook`).
 */
export * as AdyenConnector from "./AdyenConnector.ts"
export * as AdyenError from "./AdyenError.ts"
export * as AdyenReport from "./AdyenReport.ts"
export * as AdyenSchema from "./AdyenSchema.ts"
export * as AdyenWebhook from "./AdyenWebhook.ts"

/**
 * The connector value, for the Promise facade: `new PaymentClient({ connector: adyen, ... })`, or
 * `PaymentClient.register(adyen)` once and then `connector: "adyen"`. (`connector` is the same value.)
 */
export { connector, connector as adyen, AdyenRefunds } from "./AdyenConnector.ts"
