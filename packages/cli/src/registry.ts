/**
 * The installed connectors by id, without loading them: what help texts, defaults and argument
 * checks need at start-up. `connectors.ts` holds the connector values themselves (loaded by the
 * commands that use them); a test checks both lists agree, so help never goes stale.
 */
export interface Known {
  readonly id: string
  readonly displayName: string
  /** Port of `refract emulator <id>` (and of `refract control --connector <id>`) when --port/--base-url is not given. */
  readonly emulatorPort: number
}

export const known: ReadonlyArray<Known> = [
  { id: "stripe", displayName: "Stripe", emulatorPort: 12111 },
  { id: "adyen", displayName: "Adyen", emulatorPort: 12112 },
  { id: "paypal", displayName: "PayPal", emulatorPort: 12113 },
  { id: "checkout", displayName: "Checkout.com", emulatorPort: 12114 },
  { id: "razorpay", displayName: "Razorpay", emulatorPort: 12115 },
  { id: "square", displayName: "Square", emulatorPort: 12116 },
  { id: "mercadopago", displayName: "Mercado Pago", emulatorPort: 12121 },
  { id: "paddle", displayName: "Paddle", emulatorPort: 12119 },
  { id: "braintree", displayName: "Braintree", emulatorPort: 12117 },
  { id: "mollie", displayName: "Mollie", emulatorPort: 12118 },
  { id: "gocardless", displayName: "GoCardless", emulatorPort: 12120 },
  { id: "authorizenet", displayName: "Authorize.net", emulatorPort: 12122 }
]

export const ids: ReadonlyArray<string> = known.map((k) => k.id)

export const find = (id: string): Known | undefined => known.find((k) => k.id === id)

/** `STRIPE` for stripe: the prefix of `<ID>_ENVIRONMENT` and `<ID>_BASE_URL`. */
export const envPrefix = (id: string): string => id.toUpperCase().replace(/-/g, "_")

/** The refund reasons `--reason` takes (core's `Refund.RefundReason`; a test checks they agree). */
export const refundReasons = ["duplicate", "fraudulent", "requested_by_customer", "other"] as const
