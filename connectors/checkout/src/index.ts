/**
 * @refract/checkout: the Checkout.com connector for Refract.
 *
 *   import { CheckoutConnector } from "@refract/checkout"
 *   const CheckoutLive = CheckoutConnector.layer({ secretKey: Redacted.make(process.env.CHECKOUT_SECRET_KEY!), environment: "sandbox" })
 *
 * Checkout.com has no refund resource: the connector refund id is `pay_…:act_…` (the payment and
 * its refund action), and status is read from the payment's actions.
 */
export * as CheckoutConnector from "./CheckoutConnector.ts"
export * as CheckoutError from "./CheckoutError.ts"
export * as CheckoutSchema from "./CheckoutSchema.ts"
export * as CheckoutWebhook from "./CheckoutWebhook.ts"

/** The connector value; `PaymentClient` finds installed connectors by id through this export. */
export { CheckoutRefunds, connector } from "./CheckoutConnector.ts"
