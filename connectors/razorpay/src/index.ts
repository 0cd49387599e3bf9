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

/** The connector value; `PaymentClient` finds installed connectors by id through this export. */
export { connector, RazorpayRefunds } from "./RazorpayConnector.ts"
