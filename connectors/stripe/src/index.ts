/**
 * @refract/stripe: the Stripe connector for Refract.
 *
 *   import { StripeConnector } from "@refract/stripe"
 *   const StripeLive = StripeConnector.layer({ apiKey: Redacted.make(process.env.STRIPE_API_KEY!), environment: "sandbox" })
 */
export * as StripeConnector from "./StripeConnector.ts"
export * as StripeError from "./StripeError.ts"
export * as StripeSchema from "./StripeSchema.ts"
export * as StripeWebhook from "./StripeWebhook.ts"

/**
 * The connector value, for the Promise facade: `new PaymentClient({ connector: stripe, ... })`, or
 * `PaymentClient.register(stripe)` once and then `connector: "stripe"`. (`connector` is the same value.)
 */
export { connector, connector as stripe, StripeRefunds } from "./StripeConnector.ts"
