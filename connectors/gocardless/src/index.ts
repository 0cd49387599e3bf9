/**
 * @refract/gocardless: the GoCardless connector for Refract.
 *
 *   import { GoCardlessConnector } from "@refract/gocardless"
 *   const GoCardlessLive = GoCardlessConnector.layer({
 *     accessToken: Redacted.make(process.env.GOCARDLESS_ACCESS_TOKEN!),
 *     environment: "sandbox"
 *   })
 */
export * as GoCardlessConnector from "./GoCardlessConnector.ts"
export * as GoCardlessError from "./GoCardlessError.ts"
export * as GoCardlessSchema from "./GoCardlessSchema.ts"
export * as GoCardlessWebhook from "./GoCardlessWebhook.ts"

/**
 * The connector value, for the Promise facade: `new PaymentClient({ connector: gocardless, ... })`, or
 * `PaymentClient.register(gocardless)` once and then `connector: "gocardless"`. (`connector` is the same value.)
 */
export { connector, connector as gocardless, GoCardlessRefunds } from "./GoCardlessConnector.ts"
