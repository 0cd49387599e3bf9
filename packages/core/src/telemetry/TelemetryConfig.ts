/**
 * OpenTelemetry export, configured the standard way: the `OTEL_*` variables every OpenTelemetry SDK
 * reads, parsed with Effect `Config`, turned into effect's own OTLP exporters
 * (`effect/observability`: `OtlpTracer`, `OtlpMetrics`, `OtlpLogger`). Platform-neutral: the layer
 * needs only an `HttpClient` (`@refract/node`'s `NodeTelemetry` provides one).
 *
 *   program.pipe(Effect.provide(TelemetryConfig.layerConfig().pipe(Layer.provide(FetchHttpClient.layer))))
 *
 * A signal (traces, metrics, logs) is exported when an endpoint is configured for it
 * (`OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_<SIGNAL>_ENDPOINT`), its exporter
 * (`OTEL_<SIGNAL>_EXPORTER`, default `otlp`) is `otlp`, and `OTEL_SDK_DISABLED` is not `true`. With no
 * endpoint nothing is sent anywhere (the spec's default of `localhost:4318` would make every
 * program that never asked for telemetry post to a collector that is not there).
 *
 * `OTEL_EXPORTER_OTLP_HEADERS` (and the per-signal `…_HEADERS`) usually carry an API key: they are
 * read as `Redacted`, stay `Redacted` in {@link Settings}, are unwrapped only when a request to the
 * collector is sent (effect's exporter logs a failed export by its status line, without headers),
 * and their names are added to the redacted header names for anything that prints the request.
 * Configuration errors name the variable and the entry, never a value.
 */
import { Config, ConfigProvider, Effect, Layer, Option, Redacted } from "effect"
import { Headers, HttpClient, HttpClientRequest } from "effect/http"
import { OtlpExporter, OtlpLogger, OtlpMetrics, OtlpSerialization, OtlpTracer } from "effect/observability"

/** The OTLP/HTTP encodings effect's `OtlpSerialization` implements. gRPC is not among them. */
export const protocols = ["http/protobuf", "http/json"] as const
export type Protocol = typeof protocols[number]

export const signals = ["traces", "metrics", "logs"] as const
export type Signal = typeof signals[number]

/** Where and how one signal is exported. */
export interface Exporter {
  /** The full URL posted to (`…/v1/traces` for a base endpoint). */
  readonly url: string
  readonly protocol: Protocol
  /** Sent with every export request; values stay `Redacted` until then. */
  readonly headers: ReadonlyArray<readonly [name: string, value: Redacted.Redacted<string>]>
  readonly compression: "gzip" | "none"
  /** Batch delay (traces, logs) or collection interval (metrics); effect's default when unset. */
  readonly exportIntervalMillis: number | undefined
  /** How long stopping waits for the last export. */
  readonly timeoutMillis: number | undefined
}

export interface Resource {
  readonly serviceName: string
  readonly serviceVersion: string | undefined
  readonly attributes: Readonly<Record<string, string>>
}

/** What {@link config} read: one exporter per enabled signal. */
export interface Settings {
  readonly traces: Exporter | undefined
  readonly metrics: Exporter | undefined
  readonly logs: Exporter | undefined
  readonly resource: Resource
}

export interface Options {
  /** Service name when neither `OTEL_SERVICE_NAME` nor `service.name` in `OTEL_RESOURCE_ATTRIBUTES` is set. Default "refract". */
  readonly serviceName?: string | undefined
  /** Signals to leave out whatever the environment says (for example `["logs"]`). */
  readonly exclude?: ReadonlyArray<Signal> | undefined
}

const invalid = (message: string) => new Config.ConfigError(new ConfigProvider.SourceError({ message }))

const fail = (message: string): Effect.Effect<never, Config.ConfigError> => Effect.fail(invalid(message))

/** A variable that is set and not blank (the spec treats an empty value as unset). */
const optional = (name: string): Config.Config<string | undefined> =>
  Config.String(name).pipe(
    Config.option,
    Config.map(Option.match({ onNone: () => undefined, onSome: (s) => (s.trim() === "" ? undefined : s.trim()) }))
  )

/** Like {@link optional}, but the value is a secret from the moment it is read. */
const optionalSecret = (name: string): Config.Config<Redacted.Redacted<string> | undefined> =>
  Config.Redacted(name).pipe(
    Config.option,
    Config.map(Option.match({ onNone: () => undefined, onSome: (s) => (Redacted.value(s).trim() === "" ? undefined : s) }))
  )

const decode = (text: string): string | undefined => {
  try {
    return decodeURIComponent(text)
  } catch {
    return undefined
  }
}

const headerName = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/

interface Entry {
  /** Names the entry by its position (`VARIABLE: entry 2 of 3`), never by its value. */
  readonly where: string
  /** Percent-decoded and trimmed; undefined when it does not decode. */
  readonly key: string | undefined
  readonly value: string | undefined
}

/**
 * The non-blank entries of a comma-separated `key1=value1,key2=value2` variable (W3C Baggage style,
 * percent-encoded), or the message for the first that is not `key=value`.
 */
const entriesOf = (variable: string, raw: string): ReadonlyArray<Entry> | { readonly problem: string } => {
  const parts = raw.split(",")
  const entries: Array<Entry> = []
  for (const [index, part] of parts.entries()) {
    if (part.trim() === "") continue
    const at = part.indexOf("=")
    const where = `${variable}: entry ${index + 1} of ${parts.length}`
    if (at <= 0) return { problem: `${where} is not key=value` }
    entries.push({ where, key: decode(part.slice(0, at).trim()), value: decode(part.slice(at + 1).trim()) })
  }
  return entries
}

/**
 * `OTEL_EXPORTER_OTLP_HEADERS` into header pairs. The values never appear in an error: a bad entry
 * is named by its position.
 */
export const parseHeaders = (
  variable: string,
  raw: Redacted.Redacted<string>
): Effect.Effect<ReadonlyArray<readonly [string, Redacted.Redacted<string>]>, Config.ConfigError> =>
  Effect.suspend(() => {
    const entries = entriesOf(variable, Redacted.value(raw))
    if ("problem" in entries) return fail(entries.problem)
    const pairs: Array<readonly [string, Redacted.Redacted<string>]> = []
    for (const { where, key: name, value } of entries) {
      if (name === undefined || !headerName.test(name)) return fail(`${where} does not start with a valid header name`)
      if (value === undefined) return fail(`${where} (header ${name}) has an invalid percent-encoded value`)
      if (/[\r\n\0]/.test(value)) return fail(`${where} (header ${name}) has a control character in its value`)
      pairs.push([name.toLowerCase(), Redacted.make(value)])
    }
    return Effect.succeed(pairs)
  })

/** `OTEL_RESOURCE_ATTRIBUTES` into attributes. */
export const parseAttributes = (
  variable: string,
  raw: string
): Effect.Effect<Record<string, string>, Config.ConfigError> =>
  Effect.suspend(() => {
    const entries = entriesOf(variable, raw)
    if ("problem" in entries) return fail(entries.problem)
    const attributes: Record<string, string> = {}
    for (const { where, key, value } of entries) {
      if (key === undefined || key === "" || value === undefined) return fail(`${where} has invalid percent-encoding`)
      attributes[key] = value
    }
    return Effect.succeed(attributes)
  })

const upper = (signal: Signal) => signal.toUpperCase()

const exporterNames: Record<Signal, ReadonlyArray<string>> = {
  traces: ["otlp", "none"],
  // "prometheus": nothing is pushed; scrape /metrics instead (served by @refract/node).
  metrics: ["otlp", "none", "prometheus"],
  logs: ["otlp", "none"]
}

/** `OTEL_<SIGNAL>_EXPORTER`: does the list ask for OTLP? Unknown exporters are refused. */
const wantsOtlp = (signal: Signal): Config.Config<boolean> => {
  const variable = `OTEL_${upper(signal)}_EXPORTER`
  return optional(variable).pipe(
    Config.mapEffect((raw) => {
      const names = (raw ?? "otlp").split(",").map((s) => s.trim().toLowerCase()).filter((s) => s !== "")
      const unknown = names.filter((n) => !exporterNames[signal].includes(n))
      if (unknown.length > 0) {
        return fail(`${variable}: unsupported exporter ${unknown.map((n) => `"${n}"`).join(", ")}; supported: ${exporterNames[signal].join(", ")}`)
      }
      return Effect.succeed(names.includes("otlp"))
    })
  )
}

const validUrl = (variable: string, raw: string): Effect.Effect<URL, Config.ConfigError> => {
  const url = URL.canParse(raw) ? new URL(raw) : undefined
  // The URL is not echoed: it may carry credentials (`https://user:token@…`).
  if (url === undefined || (url.protocol !== "http:" && url.protocol !== "https:")) {
    return fail(`${variable}: not an http(s) URL`)
  }
  return Effect.succeed(url)
}

/** `OTEL_EXPORTER_OTLP_<SIGNAL>_ENDPOINT` as is, else `/v1/<signal>` below `OTEL_EXPORTER_OTLP_ENDPOINT`. */
const endpoint = (signal: Signal): Config.Config<string | undefined> =>
  Config.all({
    specific: optional(`OTEL_EXPORTER_OTLP_${upper(signal)}_ENDPOINT`),
    base: optional("OTEL_EXPORTER_OTLP_ENDPOINT")
  }).pipe(
    Config.mapEffect(({ base, specific }) => {
      if (specific !== undefined) {
        return Effect.map(validUrl(`OTEL_EXPORTER_OTLP_${upper(signal)}_ENDPOINT`, specific), (url) => url.toString())
      }
      if (base === undefined) return Effect.succeed(undefined)
      return Effect.map(validUrl("OTEL_EXPORTER_OTLP_ENDPOINT", base), (url) => {
        url.pathname = `${url.pathname.replace(/\/+$/, "")}/v1/${signal}`
        return url.toString()
      })
    })
  )

const protocol = (signal: Signal): Config.Config<Protocol> =>
  Config.all({
    specific: optional(`OTEL_EXPORTER_OTLP_${upper(signal)}_PROTOCOL`),
    base: optional("OTEL_EXPORTER_OTLP_PROTOCOL")
  }).pipe(
    Config.mapEffect(({ base, specific }) => {
      const variable = specific !== undefined ? `OTEL_EXPORTER_OTLP_${upper(signal)}_PROTOCOL` : "OTEL_EXPORTER_OTLP_PROTOCOL"
      const value = (specific ?? base ?? "http/protobuf").toLowerCase()
      if ((protocols as ReadonlyArray<string>).includes(value)) return Effect.succeed(value as Protocol)
      const hint = value === "grpc" ? " (gRPC is not supported: point the exporter at the collector's OTLP/HTTP port, usually 4318)" : ""
      return fail(`${variable}: unsupported protocol "${value}"${hint}; supported: ${protocols.join(", ")}`)
    })
  )

const headers = (signal: Signal): Config.Config<ReadonlyArray<readonly [string, Redacted.Redacted<string>]>> =>
  Config.all({
    base: optionalSecret("OTEL_EXPORTER_OTLP_HEADERS"),
    specific: optionalSecret(`OTEL_EXPORTER_OTLP_${upper(signal)}_HEADERS`)
  }).pipe(
    Config.mapEffect(({ base, specific }) =>
      Effect.gen(function*() {
        const merged = new Map<string, Redacted.Redacted<string>>()
        if (base !== undefined) for (const [k, v] of yield* parseHeaders("OTEL_EXPORTER_OTLP_HEADERS", base)) merged.set(k, v)
        // Signal-specific headers win over the shared ones with the same name.
        if (specific !== undefined) {
          for (const [k, v] of yield* parseHeaders(`OTEL_EXPORTER_OTLP_${upper(signal)}_HEADERS`, specific)) merged.set(k, v)
        }
        return [...merged]
      })
    )
  )

const compression = (signal: Signal): Config.Config<"gzip" | "none"> =>
  Config.all({
    specific: optional(`OTEL_EXPORTER_OTLP_${upper(signal)}_COMPRESSION`),
    base: optional("OTEL_EXPORTER_OTLP_COMPRESSION")
  }).pipe(
    Config.mapEffect(({ base, specific }) => {
      const value = (specific ?? base ?? "none").toLowerCase()
      if (value === "gzip" || value === "none") return Effect.succeed(value)
      return fail(`OTEL_EXPORTER_OTLP_${specific !== undefined ? `${upper(signal)}_` : ""}COMPRESSION: unsupported "${value}"; supported: gzip, none`)
    })
  )

const millis = (name: string): Config.Config<number | undefined> =>
  optional(name).pipe(
    Config.mapEffect((raw) => {
      if (raw === undefined) return Effect.succeed(undefined)
      const n = Number(raw)
      return Number.isInteger(n) && n >= 0 ? Effect.succeed(n) : fail(`${name}: expected a whole number of milliseconds`)
    })
  )

const intervalVariable: Record<Signal, string> = {
  traces: "OTEL_BSP_SCHEDULE_DELAY",
  metrics: "OTEL_METRIC_EXPORT_INTERVAL",
  logs: "OTEL_BLRP_SCHEDULE_DELAY"
}

const exporter = (signal: Signal): Config.Config<Exporter | undefined> =>
  Config.all({ wanted: wantsOtlp(signal), url: endpoint(signal) }).pipe(
    Config.mapEffect(({ url, wanted }) =>
      !wanted || url === undefined
        ? Effect.succeed(undefined)
        : Config.all({
          protocol: protocol(signal),
          headers: headers(signal),
          compression: compression(signal),
          exportIntervalMillis: millis(intervalVariable[signal]),
          specificTimeout: millis(`OTEL_EXPORTER_OTLP_${upper(signal)}_TIMEOUT`),
          baseTimeout: millis("OTEL_EXPORTER_OTLP_TIMEOUT")
        }).pipe(
          Effect.map(({ baseTimeout, specificTimeout, ...rest }): Exporter => ({
            url,
            ...rest,
            timeoutMillis: specificTimeout ?? baseTimeout
          }))
        )
    )
  )

const resource = (options: Options): Config.Config<Resource> =>
  Config.all({
    name: optional("OTEL_SERVICE_NAME"),
    version: optional("OTEL_SERVICE_VERSION"),
    attributes: optional("OTEL_RESOURCE_ATTRIBUTES")
  }).pipe(
    Config.mapEffect(({ attributes, name, version }) =>
      Effect.map(
        attributes === undefined ? Effect.succeed<Record<string, string>>({}) : parseAttributes("OTEL_RESOURCE_ATTRIBUTES", attributes),
        (parsed): Resource => {
          const { ["service.name"]: attrName, ["service.version"]: attrVersion, ...rest } = parsed
          return {
            serviceName: name ?? attrName ?? options.serviceName ?? "refract",
            serviceVersion: version ?? attrVersion,
            attributes: rest
          }
        }
      )
    )
  )

const disabledSettings = (r: Resource): Settings => ({ traces: undefined, metrics: undefined, logs: undefined, resource: r })

/** The `OTEL_*` variables as {@link Settings}. `OTEL_SDK_DISABLED=true` turns every signal off. */
export const config = (options: Options = {}): Config.Config<Settings> =>
  Config.Boolean("OTEL_SDK_DISABLED").pipe(
    Config.withDefault(false),
    Config.mapEffect((disabled) =>
      disabled
        ? Effect.succeed(disabledSettings({ serviceName: options.serviceName ?? "refract", serviceVersion: undefined, attributes: {} }))
        : Config.all({ resource: resource(options), traces: exporter("traces"), metrics: exporter("metrics"), logs: exporter("logs") }).pipe(
          Effect.map((s): Settings => {
            const excluded = new Set(options.exclude ?? [])
            return {
              resource: s.resource,
              traces: excluded.has("traces") ? undefined : s.traces,
              metrics: excluded.has("metrics") ? undefined : s.metrics,
              logs: excluded.has("logs") ? undefined : s.logs
            }
          })
        )
    )
  )

/** Whether anything is exported. */
export const isEnabled = (settings: Settings): boolean =>
  settings.traces !== undefined || settings.metrics !== undefined || settings.logs !== undefined

/** One line per enabled signal (`traces → http://collector:4318/v1/traces (http/protobuf)`), without credentials or header values. */
export const describe = (settings: Settings): ReadonlyArray<string> =>
  signals.flatMap((signal) => {
    const e = settings[signal]
    if (e === undefined) return []
    const url = new URL(e.url)
    url.username = ""
    url.password = ""
    const names = e.headers.map(([name]) => name)
    return [`${signal} → ${url.toString()} (${e.protocol}${names.length > 0 ? `, headers: ${names.join(", ")}` : ""})`]
  })

const serialization = (protocol: Protocol) => (protocol === "http/json" ? OtlpSerialization.layerJson : OtlpSerialization.layerProtobuf)

/**
 * The application's `HttpClient` with the exporter's headers added per request (unwrapped there
 * and nowhere else), and their names redacted wherever a request is printed.
 */
const exporterClient = (e: Exporter) =>
  Layer.mergeAll(
    Layer.effect(
      HttpClient.HttpClient,
      Effect.map(HttpClient.HttpClient, (client) =>
        e.headers.length === 0
          ? client
          : HttpClient.mapRequest(client, (request) =>
            HttpClientRequest.setHeaders(request, Object.fromEntries(e.headers.map(([name, value]) => [name, Redacted.value(value)])))))
    ),
    Layer.effect(
      Headers.CurrentRedactedNames,
      Effect.map(Headers.CurrentRedactedNames, (names) => [...names, ...e.headers.map(([name]) => name)])
    )
  )

/** One signal's exporter layer with its serialization and its client. */
const wire = <A>(e: Exporter, l: Layer.Layer<A, never, HttpClient.HttpClient | OtlpSerialization.OtlpSerialization>) =>
  l.pipe(Layer.provide(serialization(e.protocol)), Layer.provide(exporterClient(e)))

/**
 * Installs the exporters in {@link Settings}: the tracer, the metrics exporter and the logger
 * (added to the existing loggers). Provides effect's `OtlpExporter.Flusher` (a no-op when nothing is
 * exported); closing the layer's scope flushes what is buffered.
 */
export const layer = (settings: Settings): Layer.Layer<OtlpExporter.Flusher, never, HttpClient.HttpClient> => {
  const resource = {
    serviceName: settings.resource.serviceName,
    serviceVersion: settings.resource.serviceVersion,
    attributes: settings.resource.attributes
  }
  const common = (e: Exporter) => ({
    url: e.url,
    resource,
    compression: e.compression,
    ...(e.exportIntervalMillis !== undefined ? { exportInterval: e.exportIntervalMillis } : {}),
    ...(e.timeoutMillis !== undefined ? { shutdownTimeout: e.timeoutMillis } : {})
  })
  const layers: Array<Layer.Layer<OtlpExporter.Flusher, never, HttpClient.HttpClient>> = [OtlpExporter.layerFlusher]
  if (settings.traces !== undefined) layers.push(wire(settings.traces, OtlpTracer.layer(common(settings.traces))))
  if (settings.metrics !== undefined) layers.push(wire(settings.metrics, OtlpMetrics.layer(common(settings.metrics))))
  if (settings.logs !== undefined) {
    layers.push(wire(settings.logs, OtlpLogger.layer({ ...common(settings.logs), mergeWithExisting: true })))
  }
  return Layer.mergeAll(...(layers as [Layer.Layer<OtlpExporter.Flusher, never, HttpClient.HttpClient>]))
}

/** {@link layer} from the `OTEL_*` variables ({@link config}); a malformed variable fails with a `ConfigError` naming it. */
export const layerConfig = (
  options: Options = {}
): Layer.Layer<OtlpExporter.Flusher, Config.ConfigError, HttpClient.HttpClient> =>
  Layer.unwrap(Effect.map(config(options), layer))
