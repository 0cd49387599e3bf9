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
import { connector as braintree } from "@refract/braintree"
import { connector as checkout } from "@refract/checkout"
import { connector as gocardless } from "@refract/gocardless"
import { connector as mercadopago } from "@refract/mercadopago"
import { connector as paddle } from "@refract/paddle"
import { connector as mollie } from "@refract/mollie"
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
  /** Metadata the demo's refund of `paymentId` needs besides the amount (Paddle: the line item it adjusts). */
  readonly refundMetadata?: ((paymentId: string) => Readonly<Record<string, string>>) | undefined
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
  entry(mercadopago, {
    start: (options) => testkit().then((t) => t.MercadoPagoEmulator.start(options)),
    defaultPort: port("mercadopago"),
    settleDefault: byTime,
    demoOptions: demoSettle,
    demo: { amount: 2500, currency: "BRL" }
  }),
  entry(paddle, {
    start: (options) => testkit().then((t) => t.PaddleEmulator.start(options)),
    defaultPort: port("paddle"),
    settleDefault: `${byTime}; pending_approval until then, as Paddle reviews refunds`,
    demoOptions: demoSettle,
    demo: { amount: 2500, currency: "USD" },
    // A partial Paddle refund names the line item; the emulator's one line item is txnitm_ + the transaction's id
    // characters (PaddleEmulator.lineItemIdOf, kept here so the testkit loads only when an emulator starts).
    refundMetadata: (paymentId) => ({ paddle_item_id: paymentId.replace(/^txn_/, "txnitm_") })
  }),
  entry(braintree, {
    start: (options) => testkit().then((t) => t.BraintreeEmulator.start(options)),
    defaultPort: port("braintree"),
    settleDefault: byTime,
    demoOptions: demoSettle,
    demo: { amount: 2500, currency: "USD" }
  }),
  entry(mollie, {
    start: (options) => testkit().then((t) => t.MollieEmulator.start(options)),
    defaultPort: port("mollie"),
    settleDefault: "pending → processing → refunded, each step 2 s on the emulator clock (bounces 3 days later); reads never move a refund",
    demoOptions: demoSettle,
    demo: { amount: 2500, currency: "EUR" }
  }),
  entry(gocardless, {
    start: (options) => testkit().then((t) => t.GoCardlessEmulator.start(options)),
    defaultPort: port("gocardless"),
    settleDefault: byTime,
    demoOptions: demoSettle,
    demo: { amount: 2500, currency: "GBP" }
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
