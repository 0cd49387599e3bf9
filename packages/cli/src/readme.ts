/**
 * The README's connector tables, generated from the installed connectors (`connectors.ts`) so they
 * cannot go stale: a test compares them with README.md; `node scripts/readme.ts` rewrites them.
 */
import type { Credentials } from "@refract/core"
import * as Connectors from "./connectors.ts"
import { envPrefix } from "./target.ts"

const code = (s: string) => `\`${s}\``

const fields = (spec: Credentials.CredentialSpec): string =>
  Object.values(spec)
    .map((f) => `${code(f.env)}${f.optional === true ? " (optional)" : ""}`)
    .join(", ") || "none"

/** The markdown between `<!-- generated:connectors -->` and `<!-- /generated:connectors -->`. */
export const connectorTables = (): string => {
  const emulators = Connectors.withEmulator.map((c) =>
    `| ${code(c.id)} | ${c.connector.displayName} | ${c.emulator.defaultPort} | ${
      c.connector.capabilities.get ? "status endpoint (polling)" : "webhook only"
    } | ${c.emulator.demo.amount} ${c.emulator.demo.currency} |`
  )
  const env = Connectors.installed.map((c) => {
    const prefix = envPrefix(c.id)
    const webhookSecrets = c.connector.webhooks === undefined ? "none" : fields(c.connector.webhooks.secrets as Credentials.CredentialSpec)
    return `| ${code(c.id)} | ${fields(c.connector.credentials as Credentials.CredentialSpec)} | ${code(`${prefix}_ENVIRONMENT`)}, ${
      code(`${prefix}_BASE_URL`)
    } | ${webhookSecrets} |`
  })
  return [
    `${Connectors.installed.length} connectors are installed: ${Connectors.installed.map((c) => code(c.id)).join(", ")}.`,
    "",
    "**Emulators and the demo** (`refract emulator <id>`, `refract demo --connector <id>`):",
    "",
    "| id | processor | default port | refund outcome | demo payment (minor units) |",
    "|---|---|---|---|---|",
    ...emulators,
    "",
    "**Environment variables** (flags win over them: `--api-key`, `--credential name=value`, `--environment`, `--base-url`):",
    "",
    "| connector | credentials | settings | webhook secrets (`refract serve`) |",
    "|---|---|---|---|",
    ...env
  ].join("\n")
}

export const startMarker = "<!-- generated:connectors (node scripts/readme.ts) -->"
export const endMarker = "<!-- /generated:connectors -->"

/** README text with the generated block replaced. */
export const withTables = (readme: string): string => {
  const start = readme.indexOf(startMarker)
  const end = readme.indexOf(endMarker)
  if (start < 0 || end < start) throw new Error(`README.md has no ${startMarker} … ${endMarker} block`)
  return `${readme.slice(0, start + startMarker.length)}\n${connectorTables()}\n${readme.slice(end)}`
}
