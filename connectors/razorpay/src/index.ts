/**
 * @refract/razorpay: the Razorpay connector for Refract.
 *
 *   import { RazorpayConnector } from "@refract/razorpay"
 *   const RazorpayLive = RazorpayConnector.layer({
 *     keyId: process.env.RAZORPAY_KEY_ID!,
 *     keySecret: Redacted.make(process.env.RAZORPAY_KEY_SECRET!),
 *     environment: "sandbox"
 *   })
 */
export * as RazorpayConnector from "./RazorpayConnector.ts"
export * as RazorpayError from "./RazorpayError.ts"
export * as RazorpaySchema from "./RazorpaySchema.ts"
export * as RazorpayWebhook from "./RazorpayWebhook.ts"

/**
 * The connector value, for the Promise facade: `new PaymentClient({ connector: razorpay, ... })`, or
 * `PaymentClient.register(razorpay)` once and then `connector: "razorpay"`. (`connector` is the same value.)
 */
export { connector, connector as razorpay, RazorpayRefunds } from "./RazorpayConnector.ts"
