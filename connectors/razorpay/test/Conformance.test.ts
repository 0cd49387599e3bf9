/**
 * The shared connector conformance suite, end to end against the Razorpay emulator over loopback HTTP.
 * Razorpay refunds cannot be cancelled or reversed: those scenarios are skipped, visibly.
 */
import { RazorpayEmulator } from "@refract/testkit"
import * as ConnectorConformance from "@refract/testkit/conformance/ConnectorConformance"
import { connector } from "@refract/razorpay"
import type { EmulatorOptions } from "@refract/testkit/emulator/Emulator"

/**
 * The connector's base URL is the API host (`https://api.razorpay.com`, paths start with `/v1/`, as
 * in razorpay-node: `hostUrl` + `/v1`); the emulator advertises `url` = origin + `/v1`. Point the
 * connector at the emulator's origin so the paths are the real ones. (Reported to the lead: the two
 * sides disagree on whether `/v1` belongs to the base URL.)
 */
const start = async (options: EmulatorOptions) => {
  const emulator = await RazorpayEmulator.start(options)
  return { ...emulator, url: emulator.origin }
}

ConnectorConformance.run({
  connector,
  start,
  credentials: (emulator) => ({ keyId: emulator.credentials["keyId"]!, keySecret: emulator.credentials["keySecret"]! }),
  wrongCredentials: (emulator) => ({ keyId: emulator.credentials["keyId"]!, keySecret: "wrongKeySecretWrongKeySecret00" }),
  webhookSecrets: (emulator) => ({ webhookSecret: emulator.webhookSecret }),
  otherWebhookSecret: "not-the-emulators-webhook-secret",
  signedTimestamp: false
})
