/**
 * Declarative credential specs.
 *
 * A connector lists its credential fields (which are secret, what they look like, which
 * environment variable the CLI reads them from). The core decodes user input against the spec:
 * secrets become `Redacted` immediately, and error messages name the field and the expected shape
 * but never echo a value. The same spec documents the connector in the generated docs.
 */
import { Redacted, Result } from "effect"
import { Configuration } from "../error/RefundError.ts"

export interface CredentialField {
  /** A secret is held as `Redacted` from decoding to the wire. */
  readonly secret: boolean
  readonly optional?: boolean | undefined
  /** A shape check; failures say `expected <description>`, never the value. */
  readonly pattern?: RegExp | undefined
  readonly description: string
  /** Environment variable the CLI and `layerConfig` read it from. */
  readonly env: string
  /** Multi-line values (a PEM certificate): surrounding whitespace is trimmed instead of refused. */
  readonly multiline?: boolean | undefined
}

export type CredentialSpec = Readonly<Record<string, CredentialField>>

type ValueOf<F extends CredentialField> = F["secret"] extends true ? Redacted.Redacted<string> : string

type RequiredKeys<S extends CredentialSpec> = { [K in keyof S]: S[K]["optional"] extends true ? never : K }[keyof S]
type OptionalKeys<S extends CredentialSpec> = Exclude<keyof S, RequiredKeys<S>>

/** The decoded credentials type of a spec (`any` for the erased `Connector<any>`). */
export type Decoded<S extends CredentialSpec> = 0 extends (1 & S) ? any :
  & { readonly [K in RequiredKeys<S>]: ValueOf<S[K]> }
  & { readonly [K in OptionalKeys<S>]?: ValueOf<S[K]> | undefined }

/** What users may pass: plain strings or `Redacted` for any field. */
export type Input<S extends CredentialSpec> =
  & { readonly [K in RequiredKeys<S>]: string | Redacted.Redacted<string> }
  & { readonly [K in OptionalKeys<S>]?: string | Redacted.Redacted<string> | undefined }

const reveal = (v: unknown): string | undefined =>
  typeof v === "string" ? v : Redacted.isRedacted(v) ? String(Redacted.value(v as Redacted.Redacted<unknown>)) : undefined

/** Decodes user input against a spec. `what` names it in messages ("stripe credentials"). */
export const decode = <S extends CredentialSpec>(
  spec: S,
  input: unknown,
  what: string
): Result.Result<Decoded<S>, Configuration> => {
  const record = (typeof input === "object" && input !== null ? input : {}) as Record<string, unknown>
  const problems: Array<string> = []
  const out: Record<string, unknown> = {}
  for (const [name, field] of Object.entries(spec)) {
    const raw = record[name]
    const revealed = reveal(raw)
    const value = field.multiline === true ? revealed?.trim() : revealed
    if (raw !== undefined && value === undefined) {
      problems.push(`${name} must be a string`)
      continue
    }
    if (value === undefined || value.trim() === "") {
      if (!field.optional) problems.push(`${name} is missing (${field.description}; env ${field.env})`)
      continue
    }
    if (value !== value.trim()) {
      problems.push(`${name} has leading or trailing whitespace`)
      continue
    }
    if (field.pattern !== undefined && !field.pattern.test(value)) {
      problems.push(`${name} is malformed: expected ${field.description}`)
      continue
    }
    out[name] = field.secret ? Redacted.make(value, { label: name }) : value
  }
  return problems.length > 0
    ? Result.fail(new Configuration({ message: `invalid ${what}: ${problems.join("; ")}` }))
    : Result.succeed(out as Decoded<S>)
}

/** Reads every field from environment-like input (the CLI), by each field's `env` name. */
export const fromEnv = (spec: CredentialSpec, env: Readonly<Record<string, string | undefined>>): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const [name, field] of Object.entries(spec)) {
    const v = env[field.env]
    if (v !== undefined) out[name] = v
  }
  return out
}
