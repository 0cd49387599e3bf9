/**
 * The `refract` command tree and how it runs: parse, run the handler, print one line on stderr for
 * any failure and exit with its code (see `errors.ts`).
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as NodeServices from "@effect/platform-node/NodeServices"
import { Cause, Console, Effect, Exit, Layer } from "effect"
import { createRequire } from "node:module"
import { CliOutput, Command } from "effect/cli"
import { errorJson, errorLine, ExitCode, render } from "./errors.ts"
import * as Progress from "./progress.ts"
import { interruptExitCode } from "./shutdown.ts"

declare const __REFRACT_CLI_VERSION__: string | undefined

/**
 * From package.json (one directory up from both src/ and dist/), so releases never drift; the
 * bundle (`dist/refract.js`) has it inlined at build time.
 */
export const version: string = typeof __REFRACT_CLI_VERSION__ === "string"
  ? __REFRACT_CLI_VERSION__
  : (createRequire(import.meta.url)("../package.json") as { readonly version: string }).version

// oxlint-disable-next-line typescript/no-explicit-any
type AnyCommand = Command.Command<any, any, any, any, any>

/**
 * The subcommands, each loaded only when it runs: `refract --help`, `--version` and a command
 * load nothing else (no connector, emulator, store or HTTP server code). The name and description
 * here are what the top-level help lists; a test checks them against the real commands.
 */
export const subcommands: ReadonlyArray<{
  readonly name: string
  readonly description: string
  readonly load: () => Promise<AnyCommand>
}> = [
  {
    name: "demo",
    description: "Run the refund flow end to end against the embedded emulators, as a timeline (also a smoke test)",
    load: () => import("./commands/demo.ts").then((m) => m.demo)
  },
  {
    name: "refunds",
    description: "Create, read, look up, wait for, cancel and list refunds",
    load: () => import("./commands/refunds.ts").then((m) => m.refunds)
  },
  {
    name: "reconcile",
    description: "Check a ledger (or the store) against the processor's refunds: amounts, currencies, statuses, missing and duplicate refunds",
    load: () => import("./commands/reconcile.ts").then((m) => m.reconcile)
  },
  {
    name: "connectors",
    description: "List the installed connectors: capabilities, environments, credential variables",
    load: () => import("./commands/connectors.ts").then((m) => m.connectors)
  },
  {
    name: "emulator",
    description: "Run a processor emulator on loopback until Ctrl-C (for trying the CLI and your integration)",
    load: () => import("./commands/emulator.ts").then((m) => m.emulator)
  },
  {
    name: "control",
    description: "Drive a running emulator: create a payment, move a refund, advance the clock, route or print webhooks, inject faults",
    load: () => import("./commands/control.ts").then((m) => m.control)
  },
  {
    name: "serve",
    description: "Receive processor webhooks (POST /webhooks/:connector), keep refund state (durable by default: embedded PostgreSQL) and track pending refunds",
    load: () => import("./commands/serve.ts").then((m) => m.serve)
  }
]

/** The subcommand the arguments name (the first argument that is one), if any. */
export const selected = (args: ReadonlyArray<string>): string | undefined =>
  args.find((a) => subcommands.some((s) => s.name === a))

/**
 * The command tree for these arguments: the named subcommand for real, the others as stubs that
 * only carry their name and description (enough for the top-level help). Shell completions need
 * every command's flags, so `--completions` loads them all.
 */
export const commandFor = async (args: ReadonlyArray<string>): Promise<AnyCommand> => {
  const all = args.some((a) => a === "--completions" || a.startsWith("--completions="))
  const name = selected(args)
  const children = await Promise.all(
    subcommands.map((s) => all || s.name === name ? s.load() : Promise.resolve(stub(s.name, s.description)))
  )
  return make(children)
}

const stub = (name: string, description: string): AnyCommand => Command.make(name).pipe(Command.withDescription(description))

const make = (children: ReadonlyArray<AnyCommand>) =>
  Command.make("refract").pipe(
    Command.withDescription(
      "Refract: typed refunds across payment processors. Run the demo, start processor emulators, create and read refunds."
    ),
    Command.withSubcommands(children as [AnyCommand, ...Array<AnyCommand>]),
  Command.withExamples([
    { command: "refract demo", description: "The refund flow end to end against the embedded emulators" },
    { command: "refract emulator stripe", description: "A Stripe emulator on http://127.0.0.1:12111" },
    { command: "refract control payment --connector stripe --amount 2500 --currency USD", description: "A payment to refund, in that emulator" },
    { command: "refract refunds get --connector stripe --id re_…", description: "Read a refund (STRIPE_API_KEY from the environment)" },
    { command: "refract refunds wait --connector stripe --id re_…", description: "Poll until it is settled, each read on stderr" },
    { command: "refract connectors --json", description: "What each installed connector supports" },
    { command: "refract serve --port 8080", description: "Receive webhooks and track refunds (REFRACT_DATABASE_URL for PostgreSQL)" }
  ])
  )

/** `--json` anywhere: failures are printed as JSON on stdout too (see `errors.ts`). */
const wantsJson = (args: ReadonlyArray<string>): boolean => args.includes("--json")

/** Help and version as usual (stdout); a bad invocation as one line on stderr (JSON on stdout with --json), without the whole help. */
const presenter = (asJson: boolean): CliOutput.Presenter => ({
  present: (event) => {
    if (event._tag !== "InvalidInvocation") return CliOutput.defaultPresenter.present(event)
    const command = event.commandPath.join(" ")
    const where = event.commandPath.slice(1).join(" ")
    const problems = event.errors.map((e) => e.message.replace(/\s+/g, " ").trim()).join("; ")
    const message = `${where === "" ? "" : `${where}: `}${problems} (see '${command} --help')`
    return asJson
      ? Console.log(errorJson({ message, exitCode: ExitCode.usage, reason: { _tag: "InvalidInvocation" } }))
      : Console.error(errorLine(message))
  }
})

/**
 * Telemetry (OTLP) only when an `OTEL_*` variable asks for it: its exporters are not loaded
 * otherwise (see `telemetry.ts`).
 */
const telemetryLayer = (): Layer.Layer<never, unknown> =>
  Object.keys(process.env).some((k) => k.startsWith("OTEL_"))
    ? Layer.unwrap(Effect.promise(() => import("./telemetry.ts")).pipe(Effect.map((t) => t.layer)))
    : Layer.empty

/** Runs the CLI with these arguments (without `node bin.ts`); succeeds with the exit code. */
export const run = (args: ReadonlyArray<string>): Effect.Effect<number, never, Command.Environment> => {
  const asJson = wantsJson(args)
  return Effect.promise(() => commandFor(args)).pipe(
    Effect.flatMap((command) => Progress.around(args, Command.runWith(command, { version })(args))),
    Effect.provide(telemetryLayer()),
    Effect.as<number>(ExitCode.ok),
    Effect.catch((error) =>
      Effect.gen(function*() {
        const rendered = render(error)
        if (asJson && rendered.message !== undefined) yield* Console.log(errorJson(rendered))
        else if (rendered.message !== undefined) yield* Console.error(errorLine(rendered.message))
        return rendered.exitCode
      })
    ),
    Effect.catchDefect((defect) =>
      Console.error(errorLine(`internal error: ${defect instanceof Error ? defect.message : String(defect)}`)).pipe(
        Effect.as<number>(ExitCode.failure)
      )
    ),
    Effect.provide(CliOutput.layerPresenter(presenter(asJson)))
  )
}

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
