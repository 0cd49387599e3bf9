/**
 * @refract/paddle: the Paddle Billing connector for Refract.
 *
 *   import { PaddleConnector } from "@refract/paddle"
 *   const PaddleLive = PaddleConnector.layer({ apiKey: Redacted.make(process.env.PADDLE_API_KEY!), environment: "sandbox" })
 */
export * as PaddleConnector from "./PaddleConnector.ts"
export * as PaddleError from "./PaddleError.ts"
export * as PaddleSchema from "./PaddleSchema.ts"
export * as PaddleWebhook from "./PaddleWebhook.ts"

/**
 * The connector value, for the Promise facade: `new PaymentClient({ connector: paddle, ... })`, or
 * `PaymentClient.register(paddle)` once and then `connector: "paddle"`. (`connector` is the same value.)
 */
export { connector, connector as paddle, PaddleRefunds } from "./PaddleConnector.ts"
