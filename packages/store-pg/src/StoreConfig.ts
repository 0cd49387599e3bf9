/**
 * Chooses the refund store from configuration, as `refract serve` does:
 *
 * - an explicit `url` option, else the `REFRACT_DATABASE_URL` variable: PostgreSQL (schema from the
 *   `schema` option, else `REFRACT_DATABASE_SCHEMA`, else "public");
 * - neither: the in-memory store (state is lost on restart).
 */
import { Config, Effect, Layer, Option } from "effect"
import type { Redacted } from "effect"
import { MemoryRefundStore, RefundStore } from "@refract/core"
import * as PgRefundStore from "./PgRefundStore.ts"

export interface Options {
  /** A PostgreSQL URL; overrides REFRACT_DATABASE_URL. */
  readonly url?: string | Redacted.Redacted<string> | undefined
  /** The schema for Refract's tables; overrides REFRACT_DATABASE_SCHEMA. */
  readonly schema?: string | undefined
  /** Apply migrations on start (default true). */
  readonly migrate?: boolean | undefined
}

export type Choice =
  | { readonly _tag: "Memory" }
  | { readonly _tag: "Postgres"; readonly url: string | Redacted.Redacted<string>; readonly schema: string }

/** What the configuration selects (for logs and `refract serve --help` output; the URL stays redacted). */
export const choice = (options: Options = {}): Effect.Effect<Choice, Config.ConfigError> =>
  Effect.gen(function*() {
    const url = options.url !== undefined
      ? Option.some(options.url)
      : yield* Config.option(Config.Redacted("REFRACT_DATABASE_URL"))
    if (Option.isNone(url)) return { _tag: "Memory" } as const
    const schema = options.schema ?? (yield* Config.String("REFRACT_DATABASE_SCHEMA").pipe(Config.withDefault("public")))
    return { _tag: "Postgres", url: url.value, schema } as const
  })

/** The store the configuration selects. */
export const layer = (options: Options = {}): Layer.Layer<RefundStore.RefundStore, RefundStore.StoreError | Config.ConfigError> =>
  Layer.unwrap(
    Effect.map(choice(options), (c) =>
      c._tag === "Memory"
        ? MemoryRefundStore.layer
        : PgRefundStore.layerUrl(c.url, { schema: c.schema, migrate: options.migrate }))
  )
