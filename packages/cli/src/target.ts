/**
 * From flags and environment variables to a bound connector: which connector, which credentials
 * (each field's `env` variable, overridden by `--api-key` / `--credential name=value`), which
 * environment and base URL (`--environment`/`<ID>_ENVIRONMENT`, `--base-url`/`<ID>_BASE_URL`).
 * Everything is checked here, before any request, so bad input exits with 2 and a one-line reason.
 */
import { ConnectorRegistry, Credentials, RefundService } from "@refract/core"
import type { BoundConnector, Connector, RefundError } from "@refract/core"
import { Effect, Layer, Option, Redacted, Result } from "effect"
import { NodeHttp } from "@refract/node"
import type { HttpClient } from "effect/http"
import type { InstalledConnector } from "./connectors.ts"
import * as Connectors from "./connectors.ts"
import { UsageError } from "./errors.ts"
import { remember } from "./secrets.ts"

export interface ConnectionFlags {
  readonly connector: string
  readonly baseUrl: Option.Option<string>
  readonly environment: Option.Option<Connector.Environment>
  readonly apiKey: Option.Option<Redacted.Redacted<string>>
  readonly credential: Option.Option<Readonly<Record<string, string>>>
}

export type Env = Readonly<Record<string, string | undefined>>

export interface Target {
  readonly installed: InstalledConnector
  readonly options: BoundConnector.ConnectorOptions
}

/** The known connector, or a usage error listing the known ones. */
export const findConnector = (id: string): Effect.Effect<InstalledConnector, UsageError> => {
  const found = Connectors.find(id)
  return found !== undefined
    ? Effect.succeed(found)
    : Effect.fail(new UsageError({ message: `unknown connector ${JSON.stringify(id)}; known connectors: ${Connectors.ids.join(", ")}` }))
}

/** `STRIPE` for stripe: the prefix of `<ID>_ENVIRONMENT` and `<ID>_BASE_URL`. */
export const envPrefix = (id: string): string => id.toUpperCase().replace(/-/g, "_")

const flagFor = (name: string): string => (name === "apiKey" ? "--api-key" : `--credential ${name}=…`)

const validBaseUrl = (url: string): boolean => {
  try {
    const u = new URL(url)
    return (u.protocol === "http:" || u.protocol === "https:") && u.username === "" && u.password === "" && u.search === ""
  } catch {
    return false
  }
}

export interface ResolveOptions {
  /**
   * The command takes the connection flags (`--api-key`, `--credential`), so a missing credential's
   * hint may name them. Commands configured by the environment only (`serve`) leave it unset: their
   * hints name the variables alone.
   */
  readonly credentialFlags?: boolean | undefined
}

/** Resolves flags + environment into connector options; fails with a usage error naming the variable, never a value. */
export const resolve = (flags: ConnectionFlags, env: Env, options: ResolveOptions = {}): Effect.Effect<Target, UsageError> =>
  Effect.gen(function*() {
    const installed = yield* findConnector(flags.connector)
    const connector = installed.connector
    const spec = connector.credentials as Credentials.CredentialSpec
    const fields = Object.entries(spec)
    const describeFields = fields.map(([name, f]) => `${name} (${f.env})`).join(", ")

    const credentials: Record<string, string> = { ...Credentials.fromEnv(spec, env) }
    if (Option.isSome(flags.credential)) {
      for (const [key, value] of Object.entries(flags.credential.value)) {
        // Accept the field name or its environment variable name.
        const field = fields.find(([name, f]) => name === key || f.env === key)
        if (field === undefined) {
          return yield* new UsageError({
            message: `unknown credential ${JSON.stringify(key)} for ${connector.id}; its credentials are ${describeFields}`
          })
        }
        credentials[field[0]] = value
      }
    }
    if (Option.isSome(flags.apiKey)) {
      if (spec["apiKey"] === undefined) {
        return yield* new UsageError({
          message: `${connector.id} has no apiKey credential; use --credential <name>=<value> with ${describeFields}`
        })
      }
      credentials["apiKey"] = Redacted.value(flags.apiKey.value)
    }
    for (const [name, field] of fields) {
      const value = credentials[name]
      if (field.secret && value !== undefined) remember(value)
    }

    const missing = fields.filter(([name, f]) => !f.optional && (credentials[name] ?? "").trim() === "")
    if (missing.length > 0) {
      const list = missing
        .map(([name, f]) => `${f.env} (${f.description}${options.credentialFlags === true ? `; or ${flagFor(name)}` : ""})`)
        .join(", ")
      return yield* new UsageError({ message: `missing ${connector.displayName} credential${missing.length > 1 ? "s" : ""}: set ${list}` })
    }
    const decoded = Credentials.decode(spec, credentials, `${connector.id} credentials`)
    if (Result.isFailure(decoded)) return yield* new UsageError({ message: decoded.failure.message })

    const prefix = envPrefix(connector.id)
    let environment: Connector.Environment = "sandbox"
    if (Option.isSome(flags.environment)) environment = flags.environment.value
    else {
      const fromEnv = env[`${prefix}_ENVIRONMENT`]
      if (fromEnv !== undefined && fromEnv !== "") {
        if (fromEnv !== "sandbox" && fromEnv !== "production") {
          return yield* new UsageError({ message: `${prefix}_ENVIRONMENT must be "sandbox" or "production", got ${JSON.stringify(fromEnv)}` })
        }
        environment = fromEnv
      }
    }

    const baseUrlSource = Option.isSome(flags.baseUrl) ? "--base-url" : `${prefix}_BASE_URL`
    const baseUrl = Option.isSome(flags.baseUrl) ? flags.baseUrl.value : env[`${prefix}_BASE_URL`] || undefined
    if (baseUrl !== undefined && !validBaseUrl(baseUrl)) {
      return yield* new UsageError({
        message: `${baseUrlSource} must be an http(s) URL without credentials or query, e.g. http://127.0.0.1:12111`
      })
    }

    return {
      installed,
      options: {
        credentials,
        environment,
        ...(baseUrl !== undefined ? { baseUrl } : {})
      }
    }
  })

/** `RefundService` with exactly this connector registered, over NodeHttp (an undici pool). */
export const refundServiceLayer = (
  target: Target
): Layer.Layer<RefundService.RefundService | ConnectorRegistry.ConnectorRegistry, RefundError> =>
  withConnector(target.installed.connector, target.options).pipe(Layer.provide(NodeHttp.layer()))

/**
 * `RefundService` and the registry, with one connector bound and registered. (Core's
 * `RefundService.layer(...connectors)` does not accept `ConnectorRegistry.register`, whose output is `never`.)
 */
export const withConnector = (
  connector: Connector.Connector,
  options: BoundConnector.ConnectorOptions
): Layer.Layer<RefundService.RefundService | ConnectorRegistry.ConnectorRegistry, RefundError, HttpClient.HttpClient> =>
  Layer.mergeAll(RefundService.RefundService.layer, ConnectorRegistry.register(connector, options)).pipe(
    Layer.provideMerge(ConnectorRegistry.ConnectorRegistry.layer)
  )
