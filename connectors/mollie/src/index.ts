/**
 * @refract/mollie: the Mollie connector for Refract.
 *
 *   import { MollieConnector } from "@refract/mollie"
 *   const MollieLive = MollieConnector.layer({
 *     apiKey: Redacted.make(process.env.MOLLIE_API_KEY!),
 *     environment: "sandbox"
 *   })
 */
export * as MollieConnector from "./MollieConnector.ts"
export * as MollieError from "./MollieError.ts"
export * as MollieSchema from "./MollieSchema.ts"
export * as MollieWebhook from "./MollieWebhook.ts"

/**
 * The connector value, for the Promise facade: `new PaymentClient({ connector: mollie, ... })`, or
 * `PaymentClient.register(mollie)` once and then `connector: "mollie"`. (`connector` is the same value.)
 */
export { connector, connector as mollie, MollieRefunds } from "./MollieConnector.ts"
