/**
 * @refract/authorizenet: the Authorize.net connector for Refract.
 *
 *   import { AuthorizeNetConnector } from "@refract/authorizenet"
 *   const AuthorizeNetLive = AuthorizeNetConnector.layer({
 *     apiLoginId: process.env.AUTHORIZENET_API_LOGIN_ID!,
 *     transactionKey: Redacted.make(process.env.AUTHORIZENET_TRANSACTION_KEY!),
 *     environment: "sandbox"
 *   })
 */
export * as AuthorizeNetConnector from "./AuthorizeNetConnector.ts"
export * as AuthorizeNetError from "./AuthorizeNetError.ts"
export * as AuthorizeNetSchema from "./AuthorizeNetSchema.ts"
export * as AuthorizeNetWebhook from "./AuthorizeNetWebhook.ts"

/**
 * The connector value, for the Promise facade: `new PaymentClient({ connector: authorizenet, ... })`, or
 * `PaymentClient.register(authorizenet)` once and then `connector: "authorizenet"`. (`connector` is the same value.)
 */
export { AuthorizeNetRefunds, connector, connector as authorizenet } from "./AuthorizeNetConnector.ts"
