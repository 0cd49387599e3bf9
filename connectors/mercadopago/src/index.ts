/**
 * @refract/mercadopago: the Mercado Pago connector for Refract.
 *
 *   import { MercadoPagoConnector } from "@refract/mercadopago"
 *   const MercadoPagoLive = MercadoPagoConnector.layer({
 *     accessToken: Redacted.make(process.env.MERCADOPAGO_ACCESS_TOKEN!),
 *     environment: "sandbox"
 *   })
 */
export * as MercadoPagoConnector from "./MercadoPagoConnector.ts"
export * as MercadoPagoError from "./MercadoPagoError.ts"
export * as MercadoPagoSchema from "./MercadoPagoSchema.ts"
export * as MercadoPagoWebhook from "./MercadoPagoWebhook.ts"

/**
 * The connector value, for the Promise facade: `new PaymentClient({ connector: mercadopago, ... })`, or
 * `PaymentClient.register(mercadopago)` once and then `connector: "mercadopago"`. (`connector` is the same value.)
 */
export { connector, connector as mercadopago, MercadoPagoRefunds } from "./MercadoPagoConnector.ts"
