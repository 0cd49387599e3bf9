/**
 * The connectors this CLI knows, by id: the connector value (capabilities, environments, credential
 * spec with `env` names) and, when `@refract/testkit` has one, how to start its emulator.
 *
 * Adding a connector is one line in {@link installed} (plus the dependency in package.json):
 *
 *   entry(paypal, { start: (o) => testkit().then((t) => t.PayPalEmulator.start(o)), defaultPort: port("paypal"), demo: { amount: 2500, currency: "USD" } }),
 */
import { connector as adyen } from "@refract/adyen"
import { connector as authorizenet } from "@refract/authorizenet"
import { connector as checkout } from "@refract/checkout"
import { connector as paypal } from "@refract/paypal"
import { connector as razorpay } from "@refract/razorpay"
import { connector as square } from "@refract/square"
import type { Connector } from "@refract/core"
import { connector as stripe } from "@refract/stripe"
import type { Emulator, EmulatorHandle } from "@refract/testkit"
import * as Registry from "./registry.ts"

/** The testkit (emulators and their HTTP servers) is loaded only by the commands that start one. */
const testkit = () => import("@refract/testkit")

/** The testkit's default timing, in words (every emulator uses it until a processor is tuned). */
const byTime = "2 s after creation on the emulator clock (reversals 3 days later); reads never move a refund"
/** The demo polls every 150 ms: a refund settling 600 ms after creation shows PENDING first, then its outcome. */
const demoSettle: Emulator.EmulatorOptions = { settleAfterMillis: 600 }

export interface EmulatorSupport {
  /** Starts the emulator on loopback (`port: 0` = ephemeral). */
  readonly start: (options: Emulator.EmulatorOptions) => Promise<EmulatorHandle>
  /** The port `refract emulator <id>` listens on when `--port` is not given. */
  readonly defaultPort: number
  /**
   * Options for the demo: a short settle delay on the (real) emulator clock, so polling sees PENDING first
   * and then the outcome; webhook-only processors wait for the demo's `advance` instead.
   */
  readonly demoOptions?: Emulator.EmulatorOptions | undefined
  /** How refunds move when no --settle-after-ms flag is given (for the banner). */
  readonly settleDefault: string
  /** The payment the demo refunds. */
  readonly demo: { readonly amount: number; readonly currency: string }
}

export interface InstalledConnector {
  readonly id: string
  readonly connector: Connector.Connector
  readonly emulator?: EmulatorSupport | undefined
}

const port = (id: string): number => Registry.find(id)!.emulatorPort

const entry = (connector: Connector.Connector, emulator?: EmulatorSupport): InstalledConnector => ({
  id: connector.id,
  connector,
  emulator
})

/** Every installed connector, in the order the demo and `refract connectors` show them. */
export const installed: ReadonlyArray<InstalledConnector> = [
  entry(stripe, {
    start: (options) => testkit().then((t) => t.StripeEmulator.start(options)),
    defaultPort: port("stripe"),
    settleDefault: byTime,
    demoOptions: demoSettle,
    demo: { amount: 2500, currency: "USD" }
  }),
  entry(adyen, {
    start: (options) => testkit().then((t) => t.AdyenEmulator.start(options)),
    defaultPort: port("adyen"),
    settleDefault: `${byTime}; each step announced by signed notifications`,
    // The demo moves the refund itself (`advance`) once its webhook receiver listens.
    demoOptions: { settleAfterMillis: Number.POSITIVE_INFINITY },
    demo: { amount: 2500, currency: "EUR" }
  }),
  entry(paypal, {
    start: (options) => testkit().then((t) => t.PayPalEmulator.start(options)),
    defaultPort: port("paypal"),
    settleDefault: byTime,
    demoOptions: demoSettle,
    demo: { amount: 2500, currency: "USD" }
  }),
  entry(checkout, {
    start: (options) => testkit().then((t) => t.CheckoutEmulator.start(options)),
    defaultPort: port("checkout"),
    settleDefault: byTime,
    demoOptions: demoSettle,
    demo: { amount: 2500, currency: "GBP" }
  }),
  entry(razorpay, {
    start: (options) => testkit().then((t) => t.RazorpayEmulator.start(options)),
    defaultPort: port("razorpay"),
    settleDefault: byTime,
    demoOptions: demoSettle,
    demo: { amount: 250_000, currency: "INR" }
  }),
  entry(square, {
    start: (options) => testkit().then((t) => t.SquareEmulator.start(options)),
    defaultPort: port("square"),
    settleDefault: byTime,
    demoOptions: demoSettle,
    demo: { amount: 2500, currency: "USD" }
  }),
  entry(authorizenet, {
    start: (options) => testkit().then((t) => t.AuthorizeNetEmulator.start(options)),
    defaultPort: port("authorizenet"),
    settleDefault: `${byTime}; refunds settle in a batch, webhooks only announce creation and voids`,
    demoOptions: demoSettle,
    demo: { amount: 2500, currency: "USD" }
  })
]

export const ids: ReadonlyArray<string> = installed.map((c) => c.id)

export const find = (id: string): InstalledConnector | undefined => installed.find((c) => c.id === id)

export const withEmulator: ReadonlyArray<InstalledConnector & { readonly emulator: EmulatorSupport }> = installed.filter(
  (c): c is InstalledConnector & { readonly emulator: EmulatorSupport } => c.emulator !== undefined
)
