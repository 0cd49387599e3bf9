/**
 * Every emulator by name, for tools that pick one at run time (`refract emulator <name> --port N`).
 * Emulators added later (PayPal, Checkout.com, Razorpay, Square) register here.
 *
 * @since 0.1.0
 */
import * as AdyenEmulator from "./adyen/AdyenEmulator.ts"
import * as AuthorizeNetEmulator from "./authorizenet/AuthorizeNetEmulator.ts"
import * as BraintreeEmulator from "./braintree/BraintreeEmulator.ts"
import * as CheckoutEmulator from "./checkout/CheckoutEmulator.ts"
import type { Emulator, EmulatorOptions } from "./emulator/Emulator.ts"
import * as GoCardlessEmulator from "./gocardless/GoCardlessEmulator.ts"
import * as MercadoPagoEmulator from "./mercadopago/MercadoPagoEmulator.ts"
import * as PaddleEmulator from "./paddle/PaddleEmulator.ts"
import * as MollieEmulator from "./mollie/MollieEmulator.ts"
import * as PayPalEmulator from "./paypal/PayPalEmulator.ts"
import * as RazorpayEmulator from "./razorpay/RazorpayEmulator.ts"
import * as SquareEmulator from "./square/SquareEmulator.ts"
import * as StripeEmulator from "./stripe/StripeEmulator.ts"

/** How to start one emulator. */
export interface EmulatorEntry {
  readonly name: string
  readonly description: string
  /** Processor-specific options are accepted too (e.g. Adyen `merchantAccount`). */
  readonly start: (options?: EmulatorOptions & Readonly<Record<string, unknown>>) => Promise<Emulator>
}

/** The known emulators, by name. */
export const emulators: Readonly<Record<string, EmulatorEntry>> = {
  paypal: { name: "paypal", description: "PayPal Payments v2: OAuth2 tokens, /v2/payments/captures/{id}/refund, RSA-signed (PAYPAL-TRANSMISSION-SIG) webhooks", start: (options) => PayPalEmulator.start(options) },
  checkout: { name: "checkout", description: "Checkout.com: /payments/{id}/refunds (202 action_id), /payments/{id}/actions, Cko-Signature webhooks", start: (options) => CheckoutEmulator.start(options) },
  paddle: { name: "paddle", description: "Paddle Billing: refunds as adjustments (POST/GET /adjustments), Paddle-Signature (ts;h1) webhooks", start: (options) => PaddleEmulator.start(options) },
  braintree: { name: "braintree", description: "Braintree gateway API (XML, X-ApiVersion 6): /merchants/{id}/transactions/{id}/refund, transaction search, bt_signature/bt_payload webhooks", start: (options) => BraintreeEmulator.start(options) },
  gocardless: { name: "gocardless", description: "GoCardless API 2015-07-06: /refunds, Idempotency-Key (409 conflicts), Webhook-Signature webhooks", start: (options) => GoCardlessEmulator.start(options) },
  razorpay: { name: "razorpay", description: "Razorpay API v1: /payments/{id}/refund, X-Refund-Idempotency, X-Razorpay-Signature webhooks", start: (options) => RazorpayEmulator.start(options) },
  authorizenet: { name: "authorizenet", description: "Authorize.net JSON API: POST /xml/v1/request.api (refundTransaction, getTransactionDetails, batch listings), X-ANET-Signature webhooks", start: (options) => AuthorizeNetEmulator.start(options) },
  mercadopago: { name: "mercadopago", description: "Mercado Pago Payments API: /v1/payments/{id}/refunds (X-Idempotency-Key), x-signature payment notifications", start: (options) => MercadoPagoEmulator.start(options) },
  mollie: { name: "mollie", description: "Mollie Payments API v2: /v2/payments/{id}/refunds, Idempotency-Key, unsigned id=tr_… webhook pings", start: (options) => MollieEmulator.start(options) },
  square: { name: "square", description: "Square Refunds API: POST /v2/refunds (idempotency_key in the body), x-square-hmacsha256-signature webhooks", start: (options) => SquareEmulator.start(options) },
  stripe: {
    name: "stripe",
    description: "Stripe API: form-encoded /v1/refunds, Stripe-Signature webhooks",
    start: (options) => StripeEmulator.start(options)
  },
  adyen: {
    name: "adyen",
    description: "Adyen Checkout API v71: /payments/{pspReference}/refunds, HMAC-signed notifications",
    start: (options) => AdyenEmulator.start(options)
  }
}

/** Looks an emulator up by name (case-insensitive). */
export const find = (name: string): EmulatorEntry | undefined => emulators[name.toLowerCase()]

/** The names, sorted. */
export const names = (): ReadonlyArray<string> => Object.keys(emulators).toSorted()
