/**
 * The pure parts, in process: secret masking, error messages and exit codes, flag/env resolution.
 */
import { RefundError } from "@refract/core"
import { Effect, Exit, Option, Redacted } from "effect"
import { describe, expect, it } from "vitest"
import { parseAmount, parseCurrency, resumeCommand } from "@refract/cli/commands/refunds"
import { describeRefundError, ExitCode, refundErrorExitCode, render, UsageError } from "@refract/cli/errors"
import { mask, remember, scrub } from "@refract/cli/secrets"
import type { ConnectionFlags } from "@refract/cli/target"
import { resolve } from "@refract/cli/target"
import { defaultDataDir } from "@refract/cli/commands/serve"
import * as Registry from "@refract/cli/registry"
import * as os from "node:os"
import * as path from "node:path"

const flags = (overrides: Partial<ConnectionFlags> = {}): ConnectionFlags => ({
  connector: "stripe",
  baseUrl: Option.none(),
  environment: Option.none(),
  apiKey: Option.none(),
  credential: Option.none(),
  ...overrides
})

const fails = <A, E>(effect: Effect.Effect<A, E>): E => {
  const exit = Effect.runSyncExit(effect)
  if (Exit.isSuccess(exit)) throw new Error(`expected a failure, got ${JSON.stringify(exit.value)}`)
  return (exit.cause.reasons[0] as { error: E }).error
}

describe("secrets", () => {
  it("masks to a known prefix at most", () => {
    expect(mask("sk_test_emulator")).toBe("sk_test_****")
    expect(mask("sk_test_abc")).toBe("****")
    expect(mask("AQE_emulator_test_api_key")).toBe("AQE_****")
    expect(mask("0123456789ABCDEF")).toBe("****")
  })

  it("scrubs remembered secrets from any text", () => {
    remember("sk_live_TopSecret000")
    expect(scrub("key sk_live_TopSecret000 was rejected")).toBe("key sk_live_**** was rejected")
  })
})

describe("errors", () => {
  const error = new RefundError({
    connector: "stripe",
    operation: "create",
    reason: new RefundError.RateLimited({ message: "too many requests", retryAfterMillis: 2500 }),
    httpStatus: 429,
    processorCode: "rate_limit",
    requestId: "req_1",
    attempts: 4
  })

  it("describes a RefundError in one line: reason tag, processor code, request id", () => {
    expect(describeRefundError(error)).toBe(
      "stripe create: RateLimited (rate limited): too many requests; retry after 3 s [code rate_limit, request req_1, HTTP 429, 4 attempts]"
    )
  })

  it("exit 1 for processor errors, 2 for configuration and anything refused before sending", () => {
    expect(refundErrorExitCode(error)).toBe(ExitCode.failure)
    const local = new RefundError({
      connector: "stripe",
      operation: "get",
      reason: new RefundError.InvalidRequest({ message: "bad id" }),
      attempts: 0
    })
    expect(refundErrorExitCode(local)).toBe(ExitCode.usage)
    const config = new RefundError({
      connector: "stripe",
      operation: "configure",
      reason: new RefundError.Configuration({ message: "no key" })
    })
    expect(render(config)).toMatchObject({ message: expect.stringContaining("Configuration"), exitCode: 2, reason: { _tag: "Configuration" } })
    expect(render(new UsageError({ message: "x" }))).toEqual({ message: "x", exitCode: 2, reason: { _tag: "UsageError" } })
  })

  it("OutcomeUnknown tells how to recover safely", () => {
    const unknown = new RefundError({
      connector: "stripe",
      operation: "create",
      reason: new RefundError.OutcomeUnknown({ message: "no answer", idempotencyKey: "k", merchantRefundId: "order-1" })
    })
    expect(describeRefundError(unknown)).toContain("same --merchant-refund-id order-1")
  })
})

describe("input parsing", () => {
  it("amounts are positive whole minor units", () => {
    expect(Effect.runSync(parseAmount("1050"))).toBe(1050)
    for (const bad of ["10.5", "-1", "1e3", "", "abc", "99999999999999999999"]) {
      expect(fails(parseAmount(bad))).toBeInstanceOf(UsageError)
    }
    expect(fails(parseAmount("0")).message).toContain("--amount must be greater than zero")
    // A negative amount is not "not a whole number": it is not positive.
    for (const negative of ["-1", "-1050", " -5 "]) {
      const message = fails(parseAmount(negative)).message
      expect(message).toContain("must be greater than zero")
      expect(message).not.toContain("whole number")
    }
  })

  it("currencies are known ISO 4217 codes, any case", () => {
    expect(Effect.runSync(parseCurrency("usd"))).toBe("USD")
    expect(fails(parseCurrency("XYZ")).message).toContain(`unknown currency "XYZ"`)
  })
})

describe("target resolution", () => {
  it("reads credentials from each field's env variable", () => {
    const t = Effect.runSync(resolve(flags(), { STRIPE_API_KEY: "sk_test_fromenv" }))
    expect(t.options.credentials).toEqual({ apiKey: "sk_test_fromenv" })
    expect(t.options.environment).toBe("sandbox")
    expect(t.options.baseUrl).toBeUndefined()
  })

  it("flags win over the environment", () => {
    const t = Effect.runSync(
      resolve(
        flags({
          apiKey: Option.some(Redacted.make("sk_test_fromflag")),
          credential: Option.some({ STRIPE_ACCOUNT: "acct_123" }),
          baseUrl: Option.some("http://127.0.0.1:1234"),
          environment: Option.some("sandbox")
        }),
        { STRIPE_API_KEY: "sk_test_fromenv", STRIPE_BASE_URL: "http://127.0.0.1:9", STRIPE_ENVIRONMENT: "production" }
      )
    )
    expect(t.options).toEqual({
      credentials: { apiKey: "sk_test_fromflag", stripeAccount: "acct_123" },
      environment: "sandbox",
      baseUrl: "http://127.0.0.1:1234"
    })
  })

  it("<ID>_ENVIRONMENT and <ID>_BASE_URL apply without flags", () => {
    const t = Effect.runSync(
      resolve(flags(), { STRIPE_API_KEY: "sk_live_x1", STRIPE_ENVIRONMENT: "production", STRIPE_BASE_URL: "http://127.0.0.1:9" })
    )
    expect(t.options.environment).toBe("production")
    expect(t.options.baseUrl).toBe("http://127.0.0.1:9")
    expect(fails(resolve(flags(), { STRIPE_API_KEY: "sk_test_x", STRIPE_ENVIRONMENT: "live" })).message).toContain("STRIPE_ENVIRONMENT")
  })

  it("unknown credential fields and bad base URLs are usage errors naming the problem, not the value", () => {
    const unknown = fails(resolve(flags({ credential: Option.some({ token: "SuperSecret" }) }), { STRIPE_API_KEY: "sk_test_x" }))
    expect(unknown.message).toBe(
      `unknown credential "token" for stripe; its credentials are apiKey (STRIPE_API_KEY), stripeAccount (STRIPE_ACCOUNT)`
    )
    const badUrl = fails(resolve(flags({ baseUrl: Option.some("ftp://example.com") }), { STRIPE_API_KEY: "sk_test_x" }))
    expect(badUrl.message).toContain("--base-url must be an http(s) URL")
    const badEnvUrl = fails(resolve(flags(), { STRIPE_API_KEY: "sk_test_x", STRIPE_BASE_URL: "http://u:p@host" }))
    expect(badEnvUrl.message).toContain("STRIPE_BASE_URL must be an http(s) URL")
    expect(fails(resolve(flags({ connector: "nopay" }), {})).message).toBe(`unknown connector "nopay"; known connectors: ${Registry.ids.join(", ")}`)
  })

  it("Adyen: --credential by field name, missing fields named by variable", () => {
    const missing = fails(resolve(flags({ connector: "adyen", apiKey: Option.some(Redacted.make("AQE_secret_key")) }), {}))
    expect(missing.message).toContain("ADYEN_MERCHANT_ACCOUNT")
    expect(missing.message).not.toContain("ADYEN_API_KEY")
    expect(missing.message).not.toContain("AQE_secret_key")
    const ok = Effect.runSync(
      resolve(flags({ connector: "adyen", credential: Option.some({ merchantAccount: "ShopECOM" }) }), { ADYEN_API_KEY: "AQE_secret_key" })
    )
    expect(ok.options.credentials).toEqual({ apiKey: "AQE_secret_key", merchantAccount: "ShopECOM" })
  })
})

describe("the resume command after an interrupted create", () => {
  const secretEnv = (key: string) =>
    ({ apiKey: "PAYPAL_CLIENT_ID", PAYPAL_CLIENT_SECRET: "PAYPAL_CLIENT_SECRET", clientSecret: "PAYPAL_CLIENT_SECRET" } as Record<string, string>)[key]

  it("repeats the arguments, quoted for the shell, with secrets replaced by their variables", () => {
    const command = resumeCommand(
      [
        "refunds", "create", "-c", "paypal", "--payment", "PAY-1", "--amount", "1000", "--currency", "USD",
        "--merchant-refund-id", "order-1", "--api-key", "A21AAsecretvalue", "--credential", "clientSecret=EFsecretvalue",
        "--credential", "merchant=Shop One", "--metadata", "note=it's"
      ],
      secretEnv
    )
    expect(command).toContain("refract refunds create -c paypal --payment PAY-1 --amount 1000 --currency USD --merchant-refund-id order-1")
    expect(command).toContain(`--api-key "$PAYPAL_CLIENT_ID"`)
    expect(command).toContain(`--credential clientSecret="$PAYPAL_CLIENT_SECRET"`)
    expect(command).toContain(`--credential 'merchant=Shop One'`)
    expect(command).toContain(`'note=it'\\''s'`)
    expect(command).not.toContain("secretvalue")
  })
})

describe("serve's data directory", () => {
  it("REFRACT_DATA_DIR, else an absolute XDG_DATA_HOME, else the home directory; /var/lib/refract for root", () => {
    expect(defaultDataDir({ REFRACT_DATA_DIR: "/srv/refract", XDG_DATA_HOME: "/x" }, 0)).toBe("/srv/refract")
    expect(defaultDataDir({ XDG_DATA_HOME: "/data" }, 1000)).toBe("/data/refract")
    expect(defaultDataDir({ XDG_DATA_HOME: "/data" }, 0)).toBe("/data/refract")
    // A relative XDG_DATA_HOME is ignored, as the XDG spec says.
    expect(defaultDataDir({ XDG_DATA_HOME: "rel" }, 1000)).toBe(path.join(os.homedir(), ".local", "share", "refract"))
    expect(defaultDataDir({}, 1000)).toBe(path.join(os.homedir(), ".local", "share", "refract"))
    // Root's home is 0700: the unprivileged PostgreSQL user could not reach a directory under it.
    expect(defaultDataDir({}, 0)).toBe("/var/lib/refract")
  })
})
