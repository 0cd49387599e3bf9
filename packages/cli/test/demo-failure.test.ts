/**
 * The demo is a smoke test: when a processor does not behave as described, the step fails.
 * Runs the demo's per-connector scenario in process, against the real emulators, with every
 * refund scripted to fail.
 */
import type { EmulatorHandle } from "@refract/testkit"
import * as Connectors from "@refract/cli/connectors"
import type { DemoConnector } from "@refract/cli/commands/demo"
import { runConnector } from "@refract/cli/commands/demo"
import * as Timeline from "@refract/cli/demo/Timeline"
import { StepFailed } from "@refract/cli/errors"
import { Cause, Console, Effect, Exit } from "effect"
import { describe, expect, it } from "vitest"

/** The connector's demo entry, with an emulator whose payments refuse every refund. */
const failing = (id: string): DemoConnector => {
  const entry = Connectors.withEmulator.find((c) => c.id === id)!
  return {
    ...entry,
    emulator: {
      ...entry.emulator,
      start: async (options) => {
        const emulator = await entry.emulator.start(options)
        const wrapped: EmulatorHandle = {
          ...emulator,
          createPayment: async (input) => {
            const payment = await emulator.createPayment(input)
            emulator.scriptOutcome(payment, "failed")
            return payment
          }
        }
        return wrapped
      }
    }
  }
}

const lines: Array<string> = []
const quiet = Effect.provideService(Console.Console, {
  ...globalThis.console,
  log: (...args: Array<unknown>) => void lines.push(args.join(" "))
} as unknown as Console.Console)

const failureOf = async (id: string): Promise<unknown> => {
  const exit = await Effect.runPromiseExit(
    Effect.flatMap(Timeline.make, (timeline) => runConnector(failing(id), timeline)).pipe(quiet)
  )
  expect(Exit.isFailure(exit)).toBe(true)
  return Exit.isFailure(exit) ? Cause.squash(exit.cause) : undefined
}

describe("demo steps check what they show", () => {
  it("Stripe: a refund that ends FAILED fails the polling step", async () => {
    const error = await failureOf("stripe")
    expect(error).toBeInstanceOf(StepFailed)
    expect((error as StepFailed).message).toMatch(/^Stripe: polling should end SUCCEEDED, got FAILED \(Failed, raw "failed"\)/)
  })

  it("Adyen: a REFUND notification with success=false fails the webhook step", async () => {
    const error = await failureOf("adyen")
    expect(error).toBeInstanceOf(StepFailed)
    expect((error as StepFailed).message).toMatch(/^Adyen: the webhook should settle the refund as SUCCEEDED, got FAILED/)
  })
})
