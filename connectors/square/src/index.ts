/**
 * @refract/square: the Square connector for Refract (Refunds API, Square-Version 2025-08-20).
 *
 *   import { SquareConnector } from "@refract/square"
 *   const SquareLive = SquareConnector.layer({ accessToken: Redacted.make(process.env.SQUARE_ACCESS_TOKEN!), environment: "sandbox" })
 */
export * as SquareConnector from "./SquareConnector.ts"
export * as SquareError from "./SquareError.ts"
export * as SquareSchema from "./SquareSchema.ts"
export * as SquareWebhook from "./SquareWebhook.ts"

/**
 * The connector value, for the Promise facade: `new PaymentClient({ connector: square, ... })`, or
 * `PaymentClient.register(square)` once and then `connector: "square"`. (`connector` is the same value.)
 */
export { connector, connector as square, SquareRefunds } from "./SquareConnector.ts"
