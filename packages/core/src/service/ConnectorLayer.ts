/**
 * Builds the standard layers of a connector package, so every package exposes the same trio:
 *
 *   StripeConnector.layer({ credentials: { apiKey }, environment: "sandbox" })  // explicit options
 *   StripeConnector.layerConfig()                                              // from Config / env vars
 *
 * Each layer binds the connector, registers it in the `ConnectorRegistry` (for the generic
 * `RefundService`) and provides the package's specific service (`StripeRefunds`), the dual-tag
 * pattern of `PgClient` and `SqlClient`.
 */
import { Config, Context, Effect, Layer, Option } from "effect"
import type { HttpClient } from "effect/http"
import type { ConnectorOptions } from "../connector/BoundConnector.ts"
import { bind } from "../connector/BoundConnector.ts"
import type { Connector, Environment } from "../connector/Connector.ts"
import type { CredentialSpec } from "../connector/Credentials.ts"
import type { RefundError } from "../error/RefundError.ts"
import { RefundStore } from "../store/RefundStore.ts"
import { ConnectorRegistry } from "./ConnectorRegistry.ts"
import type { RefundClient } from "./RefundClient.ts"
import { make as makeClient } from "./RefundClient.ts"

/** Binds, registers, and provides the connector's specific client service. */
export const layer = <I>(
  tag: Context.Key<I, RefundClient>,
  connector: Connector,
  options: ConnectorOptions
): Layer.Layer<I, RefundError, ConnectorRegistry | HttpClient.HttpClient> =>
  Layer.effect(
    tag,
    Effect.gen(function*() {
      const bound = yield* bind(connector, options)
      const registry = yield* ConnectorRegistry
      yield* registry.register(bound)
      // A RefundStore in the layer's context makes create consult and record it (see RefundService).
      return yield* makeClient(bound, { store: Option.getOrUndefined(yield* Effect.serviceOption(RefundStore)) })
    })
  )

const fieldsConfig = (spec: CredentialSpec) =>
  Config.all(
    Object.fromEntries(
      Object.entries(spec).map(([name, field]) => [
        name,
        field.secret
          ? Config.Redacted(field.env).pipe(Config.option, Config.map(Option.getOrUndefined))
          : Config.String(field.env).pipe(Config.option, Config.map(Option.getOrUndefined))
      ])
    )
  )

/**
 * Reads options from configuration: every credential field from its `env` name, plus
 * `<PREFIX>_ENVIRONMENT` (sandbox | production) and `<PREFIX>_BASE_URL`, where PREFIX is the
 * connector id in upper case. Missing required fields fail as a RefundError(Configuration) naming
 * the variable, never its value.
 */
export const optionsConfig = (connector: Connector): Config.Config<ConnectorOptions> => {
  const prefix = connector.id.toUpperCase().replace(/-/g, "_")
  return Config.all({
    credentials: fieldsConfig(connector.credentials),
    webhookSecrets: connector.webhooks === undefined ? Config.succeed(undefined) : fieldsConfig(connector.webhooks.secrets),
    environment: Config.Literals(["sandbox", "production"] as const, `${prefix}_ENVIRONMENT`).pipe(
      Config.withDefault<Environment>("sandbox")
    ),
    baseUrl: Config.String(`${prefix}_BASE_URL`).pipe(Config.option, Config.map(Option.getOrUndefined))
  }).pipe(
    Config.map((o): ConnectorOptions => ({
      ...o,
      // Webhook secrets are optional as a whole: only a process that receives webhooks sets them.
      webhookSecrets: o.webhookSecrets !== undefined && Object.values(o.webhookSecrets).some((v) => v !== undefined)
        ? o.webhookSecrets
        : undefined
    }))
  )
}

/** Drops `undefined` entries, so an override never erases a configured value. */
const defined = <A extends object>(record: A | undefined): Partial<A> =>
  Object.fromEntries(Object.entries(record ?? {}).filter(([, v]) => v !== undefined)) as Partial<A>

/**
 * Configuration completed by explicit overrides, field by field: an override replaces a configured
 * value only where it is defined (`layerConfig({ environment: "production" })` keeps the key from the env).
 */
export const mergeOptions = (configured: ConnectorOptions, overrides?: Partial<ConnectorOptions>): ConnectorOptions => {
  const o = defined(overrides)
  const webhookOverrides = defined(overrides?.webhookSecrets)
  return {
    ...configured,
    ...o,
    credentials: { ...configured.credentials, ...defined(overrides?.credentials) },
    webhookSecrets: Object.keys(webhookOverrides).length > 0
      ? { ...configured.webhookSecrets, ...webhookOverrides }
      : configured.webhookSecrets
  }
}

export const layerConfig = <I>(
  tag: Context.Key<I, RefundClient>,
  connector: Connector,
  overrides?: Partial<ConnectorOptions>
): Layer.Layer<I, RefundError | Config.ConfigError, ConnectorRegistry | HttpClient.HttpClient> =>
  Layer.unwrap(
    Effect.map(optionsConfig(connector), (options: ConnectorOptions) => layer(tag, connector, mergeOptions(options, overrides)))
  )
