/**
 * Stripe's request parameters: how the API reads a form body or query string, and how it refuses what an
 * endpoint does not accept. Every route of the Stripe emulator declares the exact parameter set of its
 * operation (from stripe-node 23.1.0's `*Params` interfaces, generated from Stripe's OpenAPI spec) and
 * validates against it, nested hashes included, so an unknown name anywhere is refused the way Stripe
 * refuses it: 400 `invalid_request_error`, code `parameter_unknown`, "Received unknown parameter: <name>",
 * `param` the full bracketed name (stripe/stripe-node#1804 shows that body for `currency`).
 *
 * Parsing follows Rack's nested-query rules, which Stripe's API reads: `a[b]=1` is a hash, `a[]=1` appends
 * to a list, `a[0]=1` is a hash keyed "0" that a list parameter reads as a list (stripe-node sends lists as
 * `expand[0]=…`). Hashes have no prototype, so `__proto__` or `constructor` are plain names like any other
 * and end up refused as unknown parameters.
 *
 * @since 0.1.0
 */
import type { HttpServerResponse } from "effect/http"
import { json } from "../emulator/Http.ts"

/** A parsed parameter value: a string, a list, or a hash. */
export type Param = string | ParamList | ParamHash
/** A list parameter (`expand[]=a&expand[]=b`). */
export interface ParamList extends ReadonlyArray<Param> {}
/** A hash parameter (`metadata[k]=v`). Created without a prototype: every own key is data. */
export interface ParamHash {
  readonly [name: string]: Param
}

/** Deeper keys than this are not parsed into hashes (Rack stops at a depth limit too); they stay literal names. */
const maxDepth = 16

const emptyHash = (): Record<string, Param> => Object.create(null) as Record<string, Param>

/** Decodes `a=1&b[c]=2` into a hash tree. Later values win, as in Rack. Never throws. */
export const parse = (encoded: string): ParamHash => {
  const root = emptyHash()
  for (const [key, value] of new URLSearchParams(encoded)) {
    const path = keyPath(key)
    if (path === undefined) root[key] = value
    else assign(root, path, value)
  }
  return root
}

/** `a[b][]` → ["a", "b", ""]; undefined for a name that is not a well-formed bracket path. */
const keyPath = (key: string): ReadonlyArray<string> | undefined => {
  const match = /^([^[\]]+)((?:\[[^[\]]*\])*)$/.exec(key)
  if (match === null) return undefined
  const rest = [...match[2]!.matchAll(/\[([^[\]]*)\]/g)].map((m) => m[1]!)
  return rest.length > maxDepth ? undefined : [match[1]!, ...rest]
}

const assign = (target: Record<string, Param>, path: ReadonlyArray<string>, value: string): void => {
  const [head, ...rest] = path
  if (head === undefined) return
  if (rest.length === 0) {
    target[head] = value
    return
  }
  if (rest[0] === "") {
    // `a[]=v`: append to a list (a list of hashes for `a[][k]=v`, one hash per value, as in Rack).
    const existing = Object.hasOwn(target, head) ? target[head] : undefined
    const list: Array<Param> = Array.isArray(existing) ? [...existing] : []
    if (rest.length === 1) list.push(value)
    else {
      const item = emptyHash()
      assign(item, rest.slice(1), value)
      list.push(item)
    }
    target[head] = list
    return
  }
  const existing = Object.hasOwn(target, head) ? target[head] : undefined
  const child = isHash(existing) ? existing as Record<string, Param> : emptyHash()
  target[head] = child
  assign(child, rest, value)
}

/** Whether a value is a hash (not a string or list). */
export const isHash = (value: Param | undefined): value is ParamHash =>
  typeof value === "object" && value !== null && !Array.isArray(value)

// ---------------------------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------------------------

/** Fields of a Stripe error body. */
export interface StripeErrorFields {
  readonly type: "invalid_request_error" | "api_error" | "idempotency_error" | "card_error"
  readonly message: string
  readonly code?: string
  readonly param?: string
}

/** A Stripe error response: `{"error":{...}}`, pretty-printed like Stripe's. */
export const errorResponse = (
  status: number,
  fields: StripeErrorFields,
  headers?: Readonly<Record<string, string>>
): HttpServerResponse.HttpServerResponse =>
  json(
    status,
    {
      error: {
        ...(fields.code === undefined ? {} : { code: fields.code }),
        ...(fields.code === undefined ? {} : { doc_url: `https://stripe.com/docs/error-codes/${fields.code.replace(/_/g, "-")}` }),
        message: fields.message,
        ...(fields.param === undefined ? {} : { param: fields.param }),
        type: fields.type
      }
    },
    { pretty: true, ...(headers === undefined ? {} : { headers }) }
  )

const invalid = (message: string, param: string, code?: string) =>
  errorResponse(400, { type: "invalid_request_error", message, param, ...(code === undefined ? {} : { code }) })

/** stripe/stripe-node#1804: `{"code":"parameter_unknown","message":"Received unknown parameter: currency","param":"currency",…}`. */
export const unknownParameter = (name: string) => invalid(`Received unknown parameter: ${name}`, name, "parameter_unknown")

/** Stripe's answer to an empty value for a parameter that cannot be unset (code `parameter_invalid_empty`). */
export const emptyParameter = (name: string) =>
  invalid(
    `You passed an empty string for '${name}'. We assume empty values are an attempt to unset a parameter; however '${name}' cannot be unset. You should remove '${name}' from your request or supply a non-empty value.`,
    name,
    "parameter_invalid_empty"
  )

/** `Missing required param: <name>.` (code `parameter_missing`). */
export const missingParameter = (name: string) => invalid(`Missing required param: ${name}.`, name, "parameter_missing")

/** A value shown in an error message: strings as sent, lists and hashes as JSON (bounded, so a huge body never echoes back whole). */
const shown = (value: Param): string => {
  const text = typeof value === "string" ? value : JSON.stringify(value)
  return text.length > 120 ? `${text.slice(0, 117)}...` : text
}

// ---------------------------------------------------------------------------------------------------------------
// Specs
// ---------------------------------------------------------------------------------------------------------------

/** What one parameter accepts. */
export type Spec =
  | { readonly kind: "string" }
  | { readonly kind: "integer"; readonly min?: number; readonly max?: number }
  | { readonly kind: "boolean" }
  | { readonly kind: "enum"; readonly values: ReadonlyArray<string> }
  /** `metadata[k]=v`: up to 50 keys of at most 40 characters, values of at most 500; `metadata=` unsets all. */
  | { readonly kind: "metadata" }
  /** A list of strings (`expand[]`, `types[]`). */
  | { readonly kind: "strings"; readonly maxItems?: number }
  /** An integer, or a hash of `gt`, `gte`, `lt`, `lte` integers (`created`). */
  | { readonly kind: "range" }

/** The parameters an operation accepts, by name. */
export type Specs = Readonly<Record<string, Spec>>

/** A validated value. */
export type Value =
  | string
  | number
  | boolean
  | ReadonlyArray<string>
  | Readonly<Record<string, string>>
  | Range

/** A `created` filter: exact second or bounds. */
export interface Range {
  readonly gt?: number
  readonly gte?: number
  readonly lt?: number
  readonly lte?: number
}

/** Validated parameters: only names that were sent. Metadata `""` (unset all) is the empty record. */
export type Values = ReadonlyMap<string, Value>

/** The outcome of {@link validate}: the values, or Stripe's error for the first problem. */
export type Validated =
  | { readonly _tag: "Valid"; readonly values: Values }
  | { readonly _tag: "Invalid"; readonly response: HttpServerResponse.HttpServerResponse }

/** Metadata limits from https://docs.stripe.com/api/metadata: 50 keys, keys up to 40 characters, values up to 500. */
export const metadataLimits = { keys: 50, keyLength: 40, valueLength: 500 } as const

/**
 * Checks `params` against an operation's `specs`: every name must be declared (nested names too), and every
 * value of the declared kind. Unknown names are reported before malformed values, in the order sent.
 */
export const validate = (params: ParamHash, specs: Specs): Validated => {
  for (const name of Object.keys(params)) {
    if (!Object.hasOwn(specs, name)) return { _tag: "Invalid", response: unknownParameter(name) }
    const nested = unknownNested(name, params[name]!, specs[name]!)
    if (nested !== undefined) return { _tag: "Invalid", response: unknownParameter(nested) }
  }
  const values = new Map<string, Value>()
  for (const name of Object.keys(params)) {
    const checked = check(name, params[name]!, specs[name]!)
    if (checked._tag === "Invalid") return checked
    values.set(name, checked.value)
  }
  return { _tag: "Valid", values }
}

const rangeKeys = ["gt", "gte", "lt", "lte"] as const

/** The first nested name a spec does not declare (`created[foo]`), if any. */
const unknownNested = (name: string, value: Param, spec: Spec): string | undefined => {
  if (spec.kind === "range" && isHash(value)) {
    const extra = Object.keys(value).find((k) => !(rangeKeys as ReadonlyArray<string>).includes(k))
    return extra === undefined ? undefined : `${name}[${extra}]`
  }
  return undefined
}

type Checked = { readonly _tag: "Ok"; readonly value: Value } | { readonly _tag: "Invalid"; readonly response: HttpServerResponse.HttpServerResponse }

const ok = (value: Value): Checked => ({ _tag: "Ok", value })
const fail = (response: HttpServerResponse.HttpServerResponse): Checked => ({ _tag: "Invalid", response })

const integerPattern = /^-?\d+$/

const parseInteger = (name: string, value: Param): Checked => {
  if (typeof value !== "string" || !integerPattern.test(value.trim())) {
    return fail(invalid(`Invalid integer: ${shown(value)}`, name, "parameter_invalid_integer"))
  }
  const number = Number(value.trim())
  // Beyond 2^53 the value cannot be an exact amount or time; Stripe's integers are 64-bit, so the emulator refuses these.
  if (!Number.isSafeInteger(number)) return fail(invalid(`Invalid integer: ${shown(value)}`, name, "parameter_invalid_integer"))
  return ok(number)
}

const check = (name: string, value: Param, spec: Spec): Checked => {
  switch (spec.kind) {
    case "string":
      if (typeof value !== "string") return fail(invalid(`Invalid string: ${shown(value)}`, name))
      if (value === "") return fail(emptyParameter(name))
      return ok(value)
    case "integer": {
      if (value === "") return fail(emptyParameter(name))
      const parsed = parseInteger(name, value)
      if (parsed._tag === "Invalid") return parsed
      const number = parsed.value as number
      if ((spec.min !== undefined && number < spec.min) || (spec.max !== undefined && number > spec.max)) {
        return fail(invalid(boundsMessage(spec.min, spec.max), name))
      }
      return parsed
    }
    case "boolean":
      if (value === "true") return ok(true)
      if (value === "false") return ok(false)
      if (value === "") return fail(emptyParameter(name))
      return fail(invalid(`Invalid boolean: ${shown(value)}`, name))
    case "enum":
      if (value === "") return fail(emptyParameter(name))
      if (typeof value !== "string" || !spec.values.includes(value)) {
        return fail(invalid(`Invalid ${name}: must be ${oneOf(spec.values)}`, name))
      }
      return ok(value)
    case "metadata":
      return metadata(name, value)
    case "strings": {
      const list = asList(value)
      if (list === undefined || list.some((item) => typeof item !== "string")) return fail(invalid("Invalid array", name))
      if (spec.maxItems !== undefined && list.length > spec.maxItems) {
        return fail(invalid(`Invalid array: ${name} can have at most ${spec.maxItems} items`, name))
      }
      return ok(list as ReadonlyArray<string>)
    }
    case "range": {
      if (!isHash(value)) {
        const exact = parseInteger(name, value)
        return exact._tag === "Invalid" ? exact : ok({ gte: exact.value as number, lte: exact.value as number })
      }
      const range: { gt?: number; gte?: number; lt?: number; lte?: number } = {}
      for (const key of rangeKeys) {
        if (!Object.hasOwn(value, key)) continue
        const bound = parseInteger(`${name}[${key}]`, value[key]!)
        if (bound._tag === "Invalid") return bound
        range[key] = bound.value as number
      }
      return ok(range)
    }
  }
}

const boundsMessage = (min: number | undefined, max: number | undefined): string =>
  min !== undefined && max !== undefined
    ? `This value must be greater than or equal to ${min} and less than or equal to ${max}.`
    : min !== undefined
    ? `This value must be greater than or equal to ${min}.`
    : `This value must be less than or equal to ${max}.`

const oneOf = (values: ReadonlyArray<string>): string =>
  values.length === 1 ? values[0]! : `one of ${values.slice(0, -1).join(", ")}, or ${values.at(-1)!}`

/** A list, or a hash keyed 0..n-1 (stripe-node's `expand[0]=…`), in index order; undefined otherwise. */
const asList = (value: Param): ReadonlyArray<Param> | undefined => {
  if (Array.isArray(value)) return value as ReadonlyArray<Param>
  if (!isHash(value)) return undefined
  const keys = Object.keys(value)
  if (!keys.every((k) => /^(?:0|[1-9]\d{0,5})$/.test(k))) return undefined
  return keys.map(Number).toSorted((a, b) => a - b).map((k) => value[String(k)]!)
}

const metadata = (name: string, value: Param): Checked => {
  // "All keys can be unset by posting an empty value to `metadata`" (stripe-node RefundCreateParams.metadata).
  if (value === "") return ok({})
  if (!isHash(value)) return fail(invalid("Invalid hash", name))
  const entries = Object.entries(value)
  if (entries.length > metadataLimits.keys) {
    return fail(invalid(`Invalid metadata: metadata can have at most ${metadataLimits.keys} keys`, name))
  }
  // No prototype: a metadata key named `__proto__` is a key like any other (Stripe stores it as sent).
  const out: Record<string, string> = Object.create(null) as Record<string, string>
  for (const [key, v] of entries) {
    // stripe/stripe-php#246 (Stripe's own answer): "Invalid key: %{key} must be a string under %{limit} characters",
    // "Invalid val: %{value} must be a string under %{limit} characters", param `metadata`.
    if (key.length > metadataLimits.keyLength) {
      return fail(invalid(`Invalid key: ${shown(key)} must be a string under ${metadataLimits.keyLength} characters`, name))
    }
    if (typeof v !== "string" || v.length > metadataLimits.valueLength) {
      return fail(invalid(`Invalid val: ${shown(v)} must be a string under ${metadataLimits.valueLength} characters`, name))
    }
    out[key] = v
  }
  return ok(out)
}

// ---------------------------------------------------------------------------------------------------------------
// Reading validated values
// ---------------------------------------------------------------------------------------------------------------

export const string = (values: Values, name: string): string | undefined => {
  const v = values.get(name)
  return typeof v === "string" ? v : undefined
}

export const integer = (values: Values, name: string): number | undefined => {
  const v = values.get(name)
  return typeof v === "number" ? v : undefined
}

export const boolean = (values: Values, name: string): boolean | undefined => {
  const v = values.get(name)
  return typeof v === "boolean" ? v : undefined
}

export const strings = (values: Values, name: string): ReadonlyArray<string> => {
  const v = values.get(name)
  return Array.isArray(v) ? v as ReadonlyArray<string> : []
}

export const record = (values: Values, name: string): Readonly<Record<string, string>> | undefined => {
  const v = values.get(name)
  return typeof v === "object" && v !== null && !Array.isArray(v) ? v as Readonly<Record<string, string>> : undefined
}

export const range = (values: Values, name: string): Range | undefined => record(values, name) as Range | undefined

/** Whether `n` lies within a {@link Range}. */
export const inRange = (n: number, r: Range | undefined): boolean =>
  r === undefined ||
  ((r.gt === undefined || n > r.gt) && (r.gte === undefined || n >= r.gte) && (r.lt === undefined || n < r.lt) &&
    (r.lte === undefined || n <= r.lte))

// ---------------------------------------------------------------------------------------------------------------
// Operations
// ---------------------------------------------------------------------------------------------------------------

const expand: Spec = { kind: "strings" }
const pagination: Specs = {
  ending_before: { kind: "string" },
  limit: { kind: "integer", min: 1, max: 100 },
  starting_after: { kind: "string" }
}

/**
 * The parameter set of every operation the emulator serves, from stripe-node 23.1.0 (`RefundCreateParams`,
 * `RefundRetrieveParams`, `RefundUpdateParams`, `RefundCancelParams`, `RefundListParams`,
 * `ChargeRetrieveParams`, `PaymentIntentRetrieveParams`, `EventListParams`, `EventRetrieveParams`; `limit` is
 * "between 1 and 100" in `PaginationParams`). `currency` is declared for refunds because Stripe's spec lists it,
 * but the create route refuses it unless `origin=customer_balance` (see StripeEmulator).
 */
export const operations = {
  createRefund: {
    amount: { kind: "integer" },
    charge: { kind: "string" },
    currency: { kind: "string" },
    customer: { kind: "string" },
    expand,
    instructions_email: { kind: "string" },
    metadata: { kind: "metadata" },
    origin: { kind: "enum", values: ["customer_balance"] },
    payment_intent: { kind: "string" },
    reason: { kind: "enum", values: ["duplicate", "fraudulent", "requested_by_customer"] },
    refund_application_fee: { kind: "boolean" },
    reverse_transfer: { kind: "boolean" }
  },
  retrieveRefund: { expand },
  updateRefund: { expand, metadata: { kind: "metadata" } },
  cancelRefund: { expand },
  listRefunds: { ...pagination, charge: { kind: "string" }, created: { kind: "range" }, expand, payment_intent: { kind: "string" } },
  retrieveCharge: { expand },
  retrievePaymentIntent: { client_secret: { kind: "string" }, expand },
  listEvents: {
    ...pagination,
    created: { kind: "range" },
    delivery_success: { kind: "boolean" },
    expand,
    type: { kind: "string" },
    types: { kind: "strings", maxItems: 20 }
  },
  retrieveEvent: { expand }
} as const satisfies Record<string, Specs>
