/**
 * `refract serve`: the standalone webhook receiver and refund tracker.
 *
 * It binds every selected connector (credentials and webhook secrets from the environment, as the
 * other commands read them), runs `POST /webhooks/:connector` with `@refract/node`'s
 * NodeWebhookServer, and keeps refund state in the store chosen by configuration (`--store`):
 *
 * - `embedded` (the default): durable, in an embedded PostgreSQL whose cluster lives in
 *   `--data-dir` (default `$REFRACT_DATA_DIR`, else `$XDG_DATA_HOME/refract`, else
 *   `~/.local/share/refract`, `/var/lib/refract` for root), started and stopped with the server;
 * - `postgres` (the default when `--database-url` or `REFRACT_DATABASE_URL` is set): that server;
 * - `memory`: in memory, lost when the server stops.
 *
 * It binds 127.0.0.1 unless `--host` says otherwise. Each status change is printed as one line.
 *
 * Tracking runs in this process by default. With `--cluster` (and `--store postgres`), the server is
 * one runner of an Effect Cluster: each refund is tracked by a durable workflow that any runner on
 * the same PostgreSQL can continue (`@refract/cluster`, loaded only then; see docs/cluster.md).
 *
 * A selected connector that cannot be bound (a malformed secret) stops start-up: every such
 * connector is named in one message, with the variables to fix and never their values, and the
 * exit code is 2. A standalone server that started with a subset would answer the broken
 * connector's deliveries with errors until someone read its log; refusing to start is seen at once
 * by whoever (or whatever supervisor) started it, and processors keep retrying meanwhile.
 */
import { ApiAuth, BoundConnector, ConnectorRegistry, Credentials, RefundService, RefundTracker } from "@refract/core"
import { NodeHttp, NodeWebhookServer } from "@refract/node"
import * as StoreConfig from "@refract/store-pg/StoreConfig"
import { Console, Duration, Effect, Layer, Option, Redacted, Result, Stream } from "effect"
import * as os from "node:os"
import * as path from "node:path"
import { Command, Flag } from "effect/cli"
import type { InstalledConnector } from "../connectors.ts"
import * as Connectors from "../connectors.ts"
import { listenFailure, StepFailed, UsageError } from "../errors.ts"
import { durationFlag, table } from "../format.ts"
import { remember } from "../secrets.ts"
import { signalStopsGracefully } from "../shutdown.ts"
import type { Env } from "../target.ts"
import { resolve } from "../target.ts"

interface Selected {
  readonly installed: InstalledConnector
  readonly options: BoundConnector.ConnectorOptions
}

const webhookSpec = (entry: InstalledConnector): Credentials.CredentialSpec =>
  (entry.connector.webhooks?.secrets ?? {}) as Credentials.CredentialSpec

/** A connector is served when its webhook secrets are set (or it was asked for by name). */
const hasWebhookSecrets = (entry: InstalledConnector, env: Env): boolean => {
  const spec = webhookSpec(entry)
  const required = Object.values(spec).filter((f) => !f.optional)
  return required.length > 0 && required.every((f) => (env[f.env] ?? "") !== "")
}

const select = (requested: ReadonlyArray<string>, env: Env): Effect.Effect<ReadonlyArray<Selected>, UsageError> =>
  Effect.gen(function*() {
    const ids = requested.length > 0
      ? requested
      : Connectors.installed.filter((c) => c.connector.webhooks !== undefined && hasWebhookSecrets(c, env)).map((c) => c.id)
    if (ids.length === 0) {
      const hints = Connectors.installed
        .filter((c) => c.connector.webhooks !== undefined)
        .map((c) => `${c.id}: ${Object.values(webhookSpec(c)).filter((f) => !f.optional).map((f) => f.env).join(" + ")}`)
      return yield* new UsageError({
        message: `no connector to serve: set a connector's webhook secret (${hints.join("; ")}) or pass --connector`
      })
    }
    const selected: Array<Selected> = []
    for (const id of ids) {
      const target = yield* resolve(
        { connector: id, baseUrl: Option.none(), environment: Option.none(), apiKey: Option.none(), credential: Option.none() },
        env
      )
      const spec = webhookSpec(target.installed)
      if (target.installed.connector.webhooks === undefined) {
        return yield* new UsageError({ message: `${id} does not receive webhooks` })
      }
      const secrets = Credentials.fromEnv(spec, env)
      const missing = Object.entries(spec).filter(([name, f]) => !f.optional && (secrets[name] ?? "") === "")
      if (missing.length > 0) {
        return yield* new UsageError({
          message: `missing ${target.installed.connector.displayName} webhook secret: set ${missing.map(([, f]) => f.env).join(", ")}`
        })
      }
      for (const [name, f] of Object.entries(spec)) if (f.secret && secrets[name] !== undefined) remember(secrets[name])
      selected.push({ installed: target.installed, options: { ...target.options, webhookSecrets: secrets } })
    }
    return selected
  })

/** The variables behind the fields a configuration message names (`signingSecret` → STRIPE_WEBHOOK_SECRET). */
const variablesIn = (entry: InstalledConnector, message: string): ReadonlyArray<string> => {
  const fields = { ...(entry.connector.credentials as Credentials.CredentialSpec), ...webhookSpec(entry) }
  return Object.entries(fields).filter(([name]) => new RegExp(`\\b${name}\\b`).test(message)).map(([, field]) => field.env)
}

/**
 * Binds every selected connector before anything starts and fails with all the problems at once
 * (a RefundError message names fields and expected shapes, never values).
 */
const checkBindable = Effect.fn("refract.serve.checkBindable")(function*(selected: ReadonlyArray<Selected>) {
  const problems: Array<string> = []
  for (const s of selected) {
    const bound = yield* Effect.result(BoundConnector.bind(s.installed.connector, s.options))
    if (Result.isSuccess(bound)) continue
    const variables = variablesIn(s.installed, bound.failure.reason.message)
    problems.push(`${s.installed.id}: ${bound.failure.reason.message}${variables.length > 0 ? ` (check ${variables.join(", ")})` : ""}`)
  }
  if (problems.length > 0) {
    return yield* new UsageError({
      message: `not starting: ${problems.length === 1 ? "a connector is" : `${problems.length} connectors are`} misconfigured: ${problems.join("; ")}`
    })
  }
})

/**
 * `$REFRACT_DATA_DIR`, else `$XDG_DATA_HOME/refract`, else `~/.local/share/refract`; for root (a
 * container, a system service) `/var/lib/refract`: PostgreSQL runs as an unprivileged user, who
 * cannot reach into root's 0700 home directory.
 */
export const defaultDataDir = (env: Env, uid: number | undefined = process.getuid?.()): string => {
  const explicit = env["REFRACT_DATA_DIR"] ?? ""
  if (explicit !== "") return path.resolve(explicit)
  const xdg = env["XDG_DATA_HOME"] ?? ""
  if (xdg !== "" && path.isAbsolute(xdg)) return path.join(xdg, "refract")
  return uid === 0 ? "/var/lib/refract" : path.join(os.homedir(), ".local", "share", "refract")
}

const stores = ["embedded", "postgres", "memory"] as const
type Store = typeof stores[number]

/** The store options the flags select, or why they contradict each other. */
export const storeOptions = (
  input: { readonly store: Option.Option<Store>; readonly databaseUrl: Option.Option<Redacted.Redacted<string>>; readonly dataDir: Option.Option<string> },
  env: Env
): Effect.Effect<StoreConfig.Options, UsageError> =>
  Effect.gen(function*() {
    const envUrl = (env["REFRACT_DATABASE_URL"] ?? "") !== ""
    const store: Store = Option.getOrElse(input.store, () => (Option.isSome(input.databaseUrl) || envUrl ? "postgres" : "embedded"))
    if (Option.isSome(input.databaseUrl) && store !== "postgres") {
      return yield* new UsageError({ message: `--database-url contradicts --store ${store}` })
    }
    if (Option.isSome(input.dataDir) && store !== "embedded") {
      return yield* new UsageError({ message: `--data-dir applies to --store embedded, not --store ${store}` })
    }
    switch (store) {
      case "memory":
        return { memory: true }
      case "postgres":
        if (Option.isSome(input.databaseUrl)) return { url: input.databaseUrl.value }
        if (!envUrl) return yield* new UsageError({ message: "--store postgres needs --database-url or REFRACT_DATABASE_URL" })
        return {}
      case "embedded":
        return { dataDir: Option.match(input.dataDir, { onNone: () => defaultDataDir(env), onSome: (d) => path.resolve(d) }) }
    }
  })

const describeStore = (choice: StoreConfig.Choice): string => {
  if (choice._tag === "Memory") return "in memory (state is lost when the server stops; omit --store memory to keep it)"
  if (choice._tag === "Embedded") return `embedded PostgreSQL, durable in ${choice.dataDir} (schema ${choice.schema})`
  const url = typeof choice.url === "string" ? choice.url : Redacted.value(choice.url)
  const safe = url.replace(/\/\/[^@/]*@/, "//****@")
  return `PostgreSQL ${safe} (schema ${choice.schema})`
}

/** The line `refract serve` prints for a status change or a stuck refund. */
export const changeLine = (change: RefundTracker.StatusChange): string =>
  change._tag === "Changed"
    ? `${new Date().toISOString()}  ${change.refund.connector} ${change.refund.connectorRefundId}  ` +
      `${change.previous?.status ?? change.entry.statusBefore ?? "(new)"} -> ${change.refund.status} (${change.refund.simpleStatus}, raw "${change.refund.rawStatus}") via ${change.source}`
    : `${new Date().toISOString()}  ${change.refund.connector} ${change.refund.connectorRefundId}  STUCK: still ${change.refund.status} after ${Math.round(change.pendingForMillis / 1000)} s` +
      (change.webhookOnly ? " (webhook overdue)" : "")

export const serve = Command.make(
  "serve",
  {
    port: Flag.Int("port").pipe(Flag.withAlias("p"), Flag.withDescription("Port to listen on (0 = any free port)"), Flag.withDefault(8080)),
    host: Flag.String("host").pipe(
      Flag.withDescription("Interface to bind (0.0.0.0 for every interface, to receive webhooks from other machines)"),
      Flag.withDefault("127.0.0.1")
    ),
    connector: Flag.String("connector").pipe(
      Flag.withAlias("c"),
      Flag.withDescription(
        `Connector to receive webhooks for (repeatable; default: every connector whose webhook secret is set). Known: ${Connectors.ids.join(", ")}`
      ),
      Flag.atLeast(0)
    ),
    store: Flag.Literals("store", stores).pipe(
      Flag.withDescription(
        "Where refund state lives: embedded (default: an embedded PostgreSQL in --data-dir), postgres (--database-url or REFRACT_DATABASE_URL; the default when one is set), memory (lost on stop)"
      ),
      Flag.optional
    ),
    dataDir: Flag.String("data-dir").pipe(
      Flag.withDescription("Directory of the embedded PostgreSQL (default: $REFRACT_DATA_DIR, else $XDG_DATA_HOME/refract, else ~/.local/share/refract; /var/lib/refract for root)"),
      Flag.optional
    ),
    databaseUrl: Flag.Redacted("database-url").pipe(
      Flag.withDescription("External PostgreSQL URL for refund state (default: REFRACT_DATABASE_URL)"),
      Flag.optional
    ),
    maxBodyBytes: Flag.Int("max-body-bytes").pipe(Flag.withDescription("Largest webhook body accepted (413 above)"), Flag.withDefault(1_048_576)),
    cluster: Flag.Boolean("cluster").pipe(
      Flag.withDescription(
        "Track refunds as durable workflows on Effect Cluster: run as one runner of a cluster sharing the PostgreSQL of --database-url (see docs/cluster.md)"
      ),
      Flag.withDefault(false)
    ),
    runnerHost: Flag.String("runner-host").pipe(
      Flag.withDescription("With --cluster: the address other runners reach this runner at"),
      Flag.withDefault("127.0.0.1")
    ),
    runnerPort: Flag.Int("runner-port").pipe(Flag.withDescription("With --cluster: the runners' socket port of this runner"), Flag.withDefault(34431)),
    runnerListenHost: Flag.String("runner-listen-host").pipe(
      Flag.withDescription("With --cluster: the interface the runner socket binds (default: --runner-host; 0.0.0.0 in a container)"),
      Flag.optional
    ),
    pollInitialDelay: Flag.String("poll-initial-delay").pipe(Flag.withDescription("Delay before a pending refund's first poll; later ones double"), Flag.withDefault("2s")),
    pollMaxDelay: Flag.String("poll-max-delay").pipe(Flag.withDescription("Longest delay between two polls of a pending refund"), Flag.withDefault("5m")),
    recheckEvery: Flag.String("recheck-every").pipe(
      Flag.withDescription("How often a refund that cannot be polled (webhook-only processors) re-reads the store (default: --poll-max-delay)"),
      Flag.optional
    ),
    stuckAfter: Flag.String("stuck-after").pipe(Flag.withDescription("A refund still pending this long after its creation is flagged stuck"), Flag.withDefault("24h")),
    reversalWindow: Flag.String("reversal-window").pipe(
      Flag.withDescription("How long a succeeded refund is watched for a reversal (connectors that report reversals and can be polled)"),
      Flag.withDefault("30d")
    ),
    reversalPollEvery: Flag.String("reversal-poll-every").pipe(Flag.withDescription("How often a watched succeeded refund is read"), Flag.withDefault("6h")),
    retainFor: Flag.String("retain-for").pipe(
      Flag.withDescription("With --cluster: how long a finished workflow's journal is kept before retention deletes it"),
      Flag.withDefault("7d")
    )
  },
  Effect.fn(function*(input) {
    if (!Number.isInteger(input.port) || input.port < 0 || input.port > 65535) {
      return yield* new UsageError({ message: `--port must be between 0 and 65535, got ${input.port}` })
    }
    if (input.maxBodyBytes <= 0) return yield* new UsageError({ message: "--max-body-bytes must be positive" })
    const env: Env = process.env
    const selected = yield* select(input.connector, env)
    yield* checkBindable(selected)
    const options = yield* storeOptions(input, env)
    const choice = yield* StoreConfig.choice(options).pipe(
      Effect.mapError((e) => new UsageError({ message: `store configuration: ${e.message}` }))
    )

    const stuckAfterMillis = yield* durationFlag("--stuck-after", input.stuckAfter)
    const tracker: RefundTracker.Options = {
      initialDelay: Duration.millis(yield* durationFlag("--poll-initial-delay", input.pollInitialDelay)),
      maxDelay: Duration.millis(yield* durationFlag("--poll-max-delay", input.pollMaxDelay)),
      recheckEvery: Option.isSome(input.recheckEvery) ? Duration.millis(yield* durationFlag("--recheck-every", input.recheckEvery.value)) : undefined,
      stuckAfter: Duration.millis(stuckAfterMillis),
      reversalWindow: Duration.millis(yield* durationFlag("--reversal-window", input.reversalWindow)),
      reversalPollEvery: Duration.millis(yield* durationFlag("--reversal-poll-every", input.reversalPollEvery))
    }
    const retainFor = yield* durationFlag("--retain-for", input.retainFor)
    // The refunds API for support tools: on when REFRACT_API_TOKEN holds one or more tokens (comma-separated, for rotation).
    const listIn = (name: string) => (env[name] ?? "").split(",").map((item) => item.trim()).filter((item) => item !== "")
    const apiTokens = listIn("REFRACT_API_TOKEN")
    for (const token of apiTokens) remember(token)
    const api = apiTokens.length === 0
      ? undefined
      : {
        tokens: apiTokens.map((t) => Redacted.make(t)),
        stuckAfterMillis,
        // Browsers on these origins may call the API (CORS); none by default.
        corsOrigins: listIn("REFRACT_API_CORS_ORIGINS")
      }
    if (api !== undefined) {
      const invalid = ApiAuth.problem(api)
      if (invalid !== undefined) return yield* new UsageError({ message: `REFRACT_API_TOKEN: ${invalid}` })
    }
    if (input.cluster && choice._tag !== "Postgres") {
      return yield* new UsageError({ message: "--cluster needs the PostgreSQL every runner shares: --database-url or REFRACT_DATABASE_URL" })
    }
    if (input.cluster && (!Number.isInteger(input.runnerPort) || input.runnerPort < 1 || input.runnerPort > 65535)) {
      return yield* new UsageError({ message: `--runner-port must be between 1 and 65535, got ${input.runnerPort}` })
    }
    // Loaded only for --cluster: Effect Cluster's modules are heavy and a plain server never needs them.
    const durable = input.cluster && choice._tag === "Postgres"
      ? (yield* Effect.promise(() => import("@refract/cluster/ClusterRunner"))).layerPostgres({
        ...tracker,
        schema: choice.schema,
        url: choice.url,
        runner: { host: input.runnerHost, port: input.runnerPort, listenHost: Option.getOrUndefined(input.runnerListenHost) },
        retention: { retainFor: Duration.millis(retainFor) }
      })
      : undefined

    const registry = Layer.mergeAll(
      RefundService.RefundService.layer,
      ...selected.map((s) => ConnectorRegistry.register(s.installed.connector, s.options))
    ).pipe(Layer.provideMerge(ConnectorRegistry.ConnectorRegistry.layer))
    const server = NodeWebhookServer.layer({
      port: input.port,
      host: input.host,
      maxBodyBytes: input.maxBodyBytes,
      store: durable?.store ?? StoreConfig.layerFromChoice(choice),
      api,
      tracker,
      tracking: durable?.tracking
    }).pipe(Layer.provide(registry), Layer.provide(NodeHttp.layer()))

    return yield* Effect.gen(function*() {
      const info = yield* NodeWebhookServer.NodeWebhookServer
      const tracker = yield* RefundTracker.RefundTracker
      signalStopsGracefully()
      yield* Console.log([
        "Refract webhook server",
        table([
          ["listening", info.url],
          ...selected.map((s) => [`${s.installed.connector.displayName}`, `POST ${info.webhookUrl(s.installed.id)}`] as const),
          ["store", describeStore(choice)],
          ...(input.cluster
            ? [["tracking", `durable workflows on Effect Cluster; runner ${input.runnerHost}:${input.runnerPort}`] as const]
            : [["tracking", "in this process (resumed from the store on restart)"] as const]),
          ...(api !== undefined ? [["refunds API", `${info.url}/refunds (Authorization: Bearer <REFRACT_API_TOKEN>)`] as const] : []),
          ...(api !== undefined ? [["support console", `${info.url}/console (asks for the REFRACT_API_TOKEN)`] as const] : []),
          ["health", `${info.url}/healthz`],
          ["readiness", `${info.url}/readyz`],
          ["metrics", `${info.url}/metrics (Prometheus)`]
        ]),
        "Press Ctrl-C to stop."
      ].join("\n"))
      return yield* tracker.changes.pipe(
        Stream.runForEach((change) => Console.log(changeLine(change))),
        Effect.andThen(Effect.never)
      )
    }).pipe(
      Effect.provide(server),
      Effect.catchTag("RefundError", (e) => Effect.fail(new UsageError({ message: e.message }))),
      Effect.catchTag("StoreError", (e) => Effect.fail(new StepFailed({ message: `refund store: ${e.message}` }))),
      Effect.catchTag("ServeError", (e) =>
        Effect.fail(new StepFailed({ message: listenFailure(input.host, input.port, e.cause ?? e.message) }))
      )
    )
  })
).pipe(
  Command.withDescription(
    "Receive processor webhooks (POST /webhooks/:connector), keep refund state (durable by default: embedded PostgreSQL) and track pending refunds"
  ),
  Command.withExamples([
    {
      command: "STRIPE_API_KEY=sk_test_… STRIPE_WEBHOOK_SECRET=whsec_… refract serve --port 8080",
      description: "Receive Stripe webhooks on 127.0.0.1:8080; state in an embedded PostgreSQL under ~/.local/share/refract"
    },
    { command: "refract serve --data-dir /var/lib/refract --host 0.0.0.0", description: "Another data directory; reachable from other machines" },
    { command: "refract serve --database-url postgres://localhost/refract", description: "State in an external PostgreSQL" },
    { command: "refract serve --store memory", description: "State in memory, forgotten on stop (for trying things out)" },
    {
      command: "refract serve --cluster --database-url postgres://db/refract --runner-host 10.0.0.7 --host 0.0.0.0",
      description: "One runner of a cluster: refunds tracked as durable workflows, shared with the other runners on that PostgreSQL"
    }
  ])
)
