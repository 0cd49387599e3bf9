/**
 * A connector bound to one account: decoded credentials, resolved base URL, execution settings,
 * and the runtime state that must be shared by every call (the access-token cache, the rate limiter).
 */
import { Effect, Option, Redacted, Result } from "effect"
import { Configuration, RefundError } from "../error/RefundError.ts"
import * as RateLimiter from "../pipeline/RateLimiter.ts"
import type { RetryPolicy, Timeouts } from "../pipeline/RetryPolicy.ts"
import { defaultRetry, defaultTimeouts } from "../pipeline/RetryPolicy.ts"
import * as TokenCache from "../pipeline/TokenCache.ts"
import type { Connector, Environment } from "./Connector.ts"
import * as Credentials from "./Credentials.ts"

/** Where and how to call a processor: the part of the options every connector package shares. */
export interface CommonOptions {
  /** Defaults to "sandbox": production must be asked for. */
  readonly environment?: Environment | undefined
  /** Overrides the environment's base URL (emulators, proxies, regional hosts). */
  readonly baseUrl?: string | undefined
  readonly timeouts?: Partial<Timeouts> | undefined
  readonly retry?: Partial<RetryPolicy> | undefined
  /** Client-side request rate limit; defaults to none for direct calls (pollers apply the connector's own). */
  readonly rateLimit?: { readonly requestsPerSecond: number } | undefined
}

export interface ConnectorOptions extends CommonOptions {
  /** Credential fields as plain strings or `Redacted` (see the connector's credential spec). */
  readonly credentials: Readonly<Record<string, string | Redacted.Redacted<string> | undefined>>
  /** Secrets for verifying webhooks, when this process receives them. */
  readonly webhookSecrets?: Readonly<Record<string, string | Redacted.Redacted<string> | undefined>> | undefined
}

/** The common fields of a connector package's own options, for its `toConnectorOptions`. */
export const commonOptions = (options: CommonOptions): CommonOptions => ({
  environment: options.environment,
  baseUrl: options.baseUrl,
  timeouts: options.timeouts,
  retry: options.retry,
  rateLimit: options.rateLimit
})

export interface BoundConnector {
  readonly connector: Connector
  readonly id: string
  readonly environment: Environment
  readonly baseUrl: string
  /** Decoded per the connector's credential spec (existential: each connector knows its own shape). */
  readonly credentials: any
  readonly webhookSecrets: Option.Option<any>
  readonly timeouts: Timeouts
  readonly retry: RetryPolicy
  readonly tokens: TokenCache.TokenCache
  readonly limiter: RateLimiter.RateLimiter
  /**
   * When each create of this process whose outcome is still unknown first used its idempotency key
   * (merchant refund id → epoch ms): without a store, this is how a recovery in the same process
   * knows whether the processor still remembers the key.
   */
  readonly firstAttempts: Map<string, number>
  /** The idempotency key each of those creates was first sent with (merchant refund id → key). */
  readonly firstKeys: Map<string, string>
}

const configError = (connector: string, message: string) =>
  new RefundError({ connector, operation: "configure", reason: new Configuration({ message }) })

/** Fills `{field}` placeholders of a base URL template from string credentials. */
const resolveBaseUrl = (
  template: string,
  credentials: Record<string, unknown>
): Result.Result<string, string> => {
  let missing: string | undefined
  const url = template.replace(/\{([A-Za-z0-9_]+)\}/g, (_, name: string) => {
    const v = credentials[name]
    if (typeof v !== "string" || v === "") {
      missing = name
      return ""
    }
    return v
  })
  return missing !== undefined ? Result.fail(`this environment needs the credential field "${missing}"`) : Result.succeed(url)
}

const validBaseUrl = (url: string): boolean => {
  try {
    const u = new URL(url)
    return (u.protocol === "https:" || u.protocol === "http:") && u.username === "" && u.password === "" && u.search === ""
  } catch {
    return false
  }
}

export const bind = (connector: Connector, options: ConnectorOptions): Effect.Effect<BoundConnector, RefundError> =>
  Effect.gen(function*() {
    const id = connector.id
    const credentials = Credentials.decode(connector.credentials, options.credentials, `${id} credentials`)
    if (Result.isFailure(credentials)) {
      return yield* new RefundError({ connector: id, operation: "configure", reason: credentials.failure })
    }
    let webhookSecrets: Option.Option<Record<string, unknown>> = Option.none()
    if (options.webhookSecrets !== undefined) {
      if (connector.webhooks === undefined) return yield* configError(id, `${id} does not support webhooks`)
      const decoded = Credentials.decode(connector.webhooks.secrets, options.webhookSecrets, `${id} webhook secrets`)
      if (Result.isFailure(decoded)) {
        return yield* new RefundError({ connector: id, operation: "configure", reason: decoded.failure })
      }
      webhookSecrets = Option.some(decoded.success as Record<string, unknown>)
    }
    const environment = options.environment ?? "sandbox"
    if (environment !== "sandbox" && environment !== "production") {
      return yield* configError(id, `environment must be "sandbox" or "production"`)
    }
    const problem = connector.validate?.(credentials.success, environment)
    if (problem !== undefined) return yield* configError(id, problem)
    const template = options.baseUrl ?? connector.environments[environment]
    const resolved = resolveBaseUrl(template, credentials.success as Record<string, unknown>)
    if (Result.isFailure(resolved)) return yield* configError(id, resolved.failure)
    const baseUrl = resolved.success.replace(/\/+$/, "")
    if (!validBaseUrl(baseUrl)) {
      return yield* configError(id, `base URL must be an http(s) URL without credentials or query: ${baseUrl}`)
    }
    const timeouts = { ...defaultTimeouts, ...options.timeouts }
    const retry = { ...defaultRetry, ...options.retry }
    if (!(timeouts.attemptMillis > 0 && timeouts.totalMillis > 0 && retry.maxAttempts >= 1)) {
      return yield* configError(id, "timeouts must be positive and maxAttempts at least 1")
    }
    const limiter = options.rateLimit !== undefined
      ? yield* RateLimiter.make(options.rateLimit.requestsPerSecond)
      : RateLimiter.unlimited
    return {
      connector,
      id,
      environment,
      baseUrl,
      credentials: credentials.success as Record<string, unknown>,
      webhookSecrets,
      timeouts,
      retry,
      tokens: yield* TokenCache.make,
      limiter,
      firstAttempts: new Map(),
      firstKeys: new Map()
    }
  })
