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

/** The connector value; `PaymentClient` finds installed connectors by id through this export. */
export { connector, StripeRefunds } from "./StripeConnector.ts"
