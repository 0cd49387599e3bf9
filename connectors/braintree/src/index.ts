/**
 * @refract/braintree: the Braintree connector for Refract.
 *
 *   import { BraintreeConnector } from "@refract/braintree"
 *   const BraintreeLive = BraintreeConnector.layer({
 *     merchantId: process.env.BRAINTREE_MERCHANT_ID!,
 *     publicKey: process.env.BRAINTREE_PUBLIC_KEY!,
 *     privateKey: Redacted.make(process.env.BRAINTREE_PRIVATE_KEY!),
 *     environment: "sandbox"
 *   })
 */
export * as BraintreeConnector from "./BraintreeConnector.ts"
export * as BraintreeError from "./BraintreeError.ts"
export * as BraintreeSchema from "./BraintreeSchema.ts"
export * as BraintreeWebhook from "./BraintreeWebhook.ts"
export * as BraintreeXml from "./BraintreeXml.ts"

/**
 * The connector value, for the Promise facade: `new PaymentClient({ connector: braintree, ... })`, or
 * `PaymentClient.register(braintree)` once and then `connector: "braintree"`. (`connector` is the same value.)
 */
export { BraintreeRefunds, connector, connector as braintree } from "./BraintreeConnector.ts"
