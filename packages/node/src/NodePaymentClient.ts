/**
 * The Promise API on Node: `PaymentClient` from @refract/core with {@link NodeHttp} as its HTTP client.
 *
 *   import { PaymentClient } from "@refract/node"
 *   import { stripe } from "@refract/stripe"
 *
 *   const client = new PaymentClient({ connector: stripe, apiKey: process.env.STRIPE_API_KEY, environment: "sandbox" })
 *
 * Same options, methods and errors as the core class (it is a subclass: `instanceof` works for
 * both); only the default `httpClient` differs. Pass `httpClient` to choose another.
 */
import { PaymentClient as CorePaymentClient } from "@refract/core"
import type { PaymentClientOptions } from "@refract/core"
import * as NodeHttp from "./NodeHttp.ts"

export class PaymentClient extends CorePaymentClient {
  constructor(options: PaymentClientOptions) {
    super({ httpClient: NodeHttp.layer(), ...options })
  }
}
