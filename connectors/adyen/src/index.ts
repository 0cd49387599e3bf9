/**
 * @refract/adyen: the Adyen connector for Refract (Checkout API v71).
 *
 * Adyen has no refund-status endpoint: refunds are created here and settle through Adyen's
 * HMAC-signed webhooks (`AdyenWebhook`).
 */
export * as AdyenConnector from "./AdyenConnector.ts"
export * as AdyenError from "./AdyenError.ts"
export * as AdyenSchema from "./AdyenSchema.ts"
export * as AdyenWebhook from "./AdyenWebhook.ts"

/** The connector value; the Promise `PaymentClient` finds connectors by id through this export. */
export { AdyenRefunds, connector } from "./AdyenConnector.ts"
