/**
 * The `refract` command tree and how it runs: parse, run the handler, print one line on stderr for
 * any failure and exit with its code (see `errors.ts`).
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as NodeServices from "@effect/platform-node/NodeServices"
import { Cause, Console, Effect, Exit } from "effect"
import { createRequire } from "node:module"
import { CliOutput, Command } from "effect/cli"
import { connectors } from "./commands/connectors.ts"
import { demo } from "./commands/demo.ts"
import { emulator } from "./commands/emulator.ts"
import { refunds } from "./commands/refunds.ts"
import { serve } from "./commands/serve.ts"
import { errorLine, ExitCode, render } from "./errors.ts"
import { interruptExitCode } from "./shutdown.ts"
import * as Telemetry from "./telemetry.ts"

/** From package.json (one directory up from both src/ and dist/), so releases never drift. */
export const version: string = (createRequire(import.meta.url)("../package.json") as { readonly version: string }).version

export const refract = Command.make("refract").pipe(
  Command.withDescription(
    "Refract: typed refunds across payment processors. Run the demo, start processor emulators, create and read refunds."
  ),
  Command.withSubcommands([demo, refunds, connectors, emulator, serve]),
  Command.withExamples([
    { command: "refract demo", description: "The refund flow end to end against the embedded emulators" },
    { command: "refract emulator stripe", description: "A Stripe emulator on http://127.0.0.1:12111" },
    { command: "refract refunds get --connector stripe --id re_…", description: "Read a refund (STRIPE_API_KEY from the environment)" },
    { command: "refract connectors --json", description: "What each installed connector supports" },
    { command: "refract serve --port 8080", description: "Receive webhooks and track refunds (REFRACT_DATABASE_URL for PostgreSQL)" }
  ])
)

/** Help and version as usual (stdout); a bad invocation as one line on stderr, without the whole help. */
const presenter: CliOutput.Presenter = {
  present: (event) => {
    if (event._tag !== "InvalidInvocation") return CliOutput.defaultPresenter.present(event)
    const command = event.commandPath.join(" ")
    const where = event.commandPath.slice(1).join(" ")
    const problems = event.errors.map((e) => e.message.replace(/\s+/g, " ").trim()).join("; ")
    return Console.error(errorLine(`${where === "" ? "" : `${where}: `}${problems} (see '${command} --help')`))
  }
}

/** Runs the CLI with these arguments (without `node bin.ts`); succeeds with the exit code. */
export const run = (args: ReadonlyArray<string>): Effect.Effect<number, never, Command.Environment> =>
  Command.runWith(refract, { version })(args).pipe(
    Effect.provide(Telemetry.layer),
    Effect.as<number>(ExitCode.ok),
    Effect.catch((error) =>
      Effect.gen(function*() {
        const rendered = render(error)
        if (rendered.message !== undefined) yield* Console.error(errorLine(rendered.message))
        return rendered.exitCode
      })
    ),
    Effect.catchDefect((defect) =>
      Console.error(errorLine(`internal error: ${defect instanceof Error ? defect.message : String(defect)}`)).pipe(
        Effect.as<number>(ExitCode.failure)
      )
    ),
    Effect.provide(CliOutput.layerPresenter(presenter))
  )

/** The process entry point: exit code from {@link run}; 130 when interrupted (0 for servers stopped by a signal). */
export const main = (argv: ReadonlyArray<string>): void => {
  // `refract … | head`: a closed stdout ends the command quietly instead of crashing.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(ExitCode.ok)
  })
  NodeRuntime.runMain(run(argv).pipe(Effect.provide(NodeServices.layer)), {
    disableErrorReporting: true,
    teardown: (exit, onExit) => {
      if (Exit.isSuccess(exit)) return onExit(typeof exit.value === "number" ? exit.value : 0)
      if (Cause.hasInterruptsOnly(exit.cause)) return onExit(interruptExitCode())
      process.stderr.write(`${errorLine(`internal error: ${Cause.pretty(exit.cause)}`)}\n`)
      return onExit(ExitCode.failure)
    }
  })
}
