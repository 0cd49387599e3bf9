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

/**
 * The connector value, for the Promise facade: `new PaymentClient({ connector: checkout, ... })`, or
 * `PaymentClient.register(checkout)` once and then `connector: "checkout"`. (`connector` is the same value.)
 */
export { connector, connector as checkout, CheckoutRefunds } from "./CheckoutConnector.ts"
