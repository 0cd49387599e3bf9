/**
 * `refract connectors`: the installed connectors, read from the connector values themselves
 * (capabilities, environments, credential variables). The JSON form feeds the docs matrix.
 */
import { CapabilityMatrix } from "@refract/core"
import type { Connector, Credentials } from "@refract/core"
import { Console, Effect } from "effect"
import { Command, Flag } from "effect/cli"
import type { InstalledConnector } from "../connectors.ts"
import * as Connectors from "../connectors.ts"
import { UsageError } from "../errors.ts"
import { json, table } from "../format.ts"
import { envPrefix } from "../target.ts"

const capabilityNames: ReadonlyArray<readonly [keyof Connector.Capabilities, string]> = [
  ["create", "create"],
  ["get", "status read"],
  ["lookup", "lookup by merchant refund id"],
  ["webhooks", "webhooks"],
  ["partialRefunds", "partial refunds"],
  ["reportsReversals", "reports reversals"],
  ["cancellation", "cancelled state"],
  ["cancelRefund", "cancel a refund"],
  ["list", "list refunds"],
  ["reports", "settlement report"]
]

const fieldsJson = (spec: Credentials.CredentialSpec) =>
  Object.entries(spec).map(([name, f]) => ({
    name,
    env: f.env,
    secret: f.secret,
    optional: f.optional === true,
    description: f.description
  }))

/** The connector's public description, as JSON (no secrets: there are none in a connector value). */
export const describe = (entry: InstalledConnector) => {
  const c = entry.connector
  const prefix = envPrefix(c.id)
  return {
    id: c.id,
    displayName: c.displayName,
    capabilities: { ...c.capabilities },
    environments: { ...c.environments },
    credentials: fieldsJson(c.credentials),
    settings: [
      { env: `${prefix}_ENVIRONMENT`, description: "sandbox (default) or production" },
      { env: `${prefix}_BASE_URL`, description: "overrides the environment's base URL" }
    ],
    webhooks: c.webhooks === undefined ? null : { scheme: c.webhooks.scheme, secrets: fieldsJson(c.webhooks.secrets) },
    rateLimit: c.rateLimit ?? null,
    emulator: entry.emulator !== undefined
  }
}

const fieldLines = (spec: Credentials.CredentialSpec) => {
  const width = Math.max(0, ...Object.values(spec).map((f) => f.env.length))
  return Object.entries(spec).map(([name, f]) =>
    `${f.env.padEnd(width)}  ${name}${f.secret ? ", secret" : ""}${f.optional === true ? ", optional" : ""}: ${f.description}`
  )
}

const text = (entry: InstalledConnector): string => {
  const d = describe(entry)
  const c = entry.connector
  const yes = capabilityNames.filter(([k]) => c.capabilities[k]).map(([, n]) => n)
  const no = capabilityNames.filter(([k]) => !c.capabilities[k]).map(([, n]) => n)
  const envWidth = Math.max(0, ...Object.keys(d.environments).map((n) => n.length))
  const envs = Object.entries(d.environments).map(([name, url]) => `${name.padEnd(envWidth)}  ${url}`)
  const creds = fieldLines(c.credentials)
  const hooks = c.webhooks === undefined ? ["none"] : [c.webhooks.scheme, ...fieldLines(c.webhooks.secrets)]
  const rows: Array<readonly [string, string | undefined]> = [
    ["supports", yes.join(", ") || "nothing"],
    ["does not support", no.length > 0 ? no.join(", ") : undefined],
    ["environments", envs[0]],
    ...envs.slice(1).map((e) => ["", e] as const),
    ["credentials", creds[0] ?? "none"],
    ...creds.slice(1).map((e) => ["", e] as const),
    ["settings", `${d.settings[0]!.env}, ${d.settings[1]!.env}`],
    ["webhooks", hooks[0]],
    ...hooks.slice(1).map((e) => ["", e] as const),
    ["emulator", d.emulator ? `refract emulator ${c.id}` : "none"]
  ]
  return `${c.id}  ${c.displayName}\n${table(rows)}`
}

/** The generated docs page (docs/connectors/README.md): core's capability matrix of the installed connectors. */
export const markdownPage = (): string => CapabilityMatrix.page(Connectors.installed.map((c) => c.connector))

export const connectors = Command.make(
  "connectors",
  {
    json: Flag.Boolean("json").pipe(Flag.withDescription("Print JSON instead of text"), Flag.withDefault(false)),
    markdown: Flag.Boolean("markdown").pipe(
      Flag.withDescription("Print the capability matrix page (refract connectors --markdown > docs/connectors/README.md)"),
      Flag.withDefault(false)
    )
  },
  Effect.fn(function*({ json: asJson, markdown }) {
    if (asJson && markdown) return yield* new UsageError({ message: "--json and --markdown cannot be combined" })
    if (markdown) return yield* Effect.sync(() => void process.stdout.write(markdownPage()))
    if (asJson) return yield* Console.log(json(Connectors.installed.map(describe)))
    yield* Console.log(Connectors.installed.map(text).join("\n\n"))
  })
).pipe(Command.withDescription("List the installed connectors: capabilities, environments, credential variables"))
