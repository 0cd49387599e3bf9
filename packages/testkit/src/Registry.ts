/**
 * Every emulator by name, for tools that pick one at run time (`refract emulator <name> --port N`).
 * Emulators added later (PayPal, Checkout.com, Razorpay, Square) register here.
 *
 * @since 0.1.0
 */
import * as AdyenEmulator from "./adyen/AdyenEmulator.ts"
import type { Emulator, EmulatorOptions } from "./emulator/Emulator.ts"
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
