/**
 * The Stripe emulator in a process of its own (so its CPU is not the reconciler's): prints one JSON
 * line `{ url, apiKey }` once listening, then serves until killed.
 */
import { StripeEmulator } from "@refract/testkit"

const emulator = await StripeEmulator.start({ port: 0, clock: "manual" })
process.stdout.write(`${JSON.stringify({ url: emulator.url, origin: emulator.origin, apiKey: emulator.credentials["apiKey"] })}\n`)
process.on("SIGTERM", () => void emulator.close().then(() => process.exit(0)))
