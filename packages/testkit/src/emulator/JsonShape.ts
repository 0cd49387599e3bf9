/**
 * Closed JSON shapes for strict emulators: a processor's request body, written down from its API reference, and a
 * checker that lists every way a parsed body departs from it. Emulators turn the issues into the processor's own
 * error answers (PayPal `details[]`, Checkout `error_codes`), so the shape says *what* is accepted and the
 * emulator says *how* the rest is refused.
 *
 * Objects are closed: a member the shape does not declare is an issue, never ignored. Only own keys are read,
 * so `__proto__`, `constructor` and friends are ordinary (unknown) member names. A member whose value is `null`
 * counts as absent. The checker recurses along the shape, never along the input, so deep input cannot make it
 * recurse deeply.
 *
 * @since 0.1.0
 */

/** A string, optionally bounded (in code points), matched against a pattern or limited to a list. */
export interface StringShape {
  readonly kind: "string"
  readonly minLength?: number
  readonly maxLength?: number
  readonly pattern?: RegExp
  readonly oneOf?: ReadonlyArray<string>
}

/** A JSON number that is a safe integer, optionally bounded. */
export interface IntegerShape {
  readonly kind: "integer"
  readonly minimum?: number
  readonly maximum?: number
}

/** Any finite JSON number, optionally bounded. */
export interface NumberShape {
  readonly kind: "number"
  readonly minimum?: number
  readonly maximum?: number
}

export interface BooleanShape {
  readonly kind: "boolean"
}

/** An object with exactly these members (some required); anything else is `Unknown`. */
export interface ObjectShape {
  readonly kind: "object"
  readonly fields: Readonly<Record<string, Shape>>
  readonly required?: ReadonlyArray<string>
}

/** An object with free keys (metadata), every value of one shape. */
export interface RecordShape {
  readonly kind: "record"
  readonly values: Shape
}

export interface ArrayShape {
  readonly kind: "array"
  readonly items: Shape
  readonly minItems?: number
  readonly maxItems?: number
}

/** A string, number or boolean (a "primitive" metadata value). */
export interface ScalarShape {
  readonly kind: "scalar"
}

export type Shape = StringShape | IntegerShape | NumberShape | BooleanShape | ObjectShape | RecordShape | ArrayShape | ScalarShape

/** A path into the body: member names and array indexes. */
export type Path = ReadonlyArray<string | number>

/** One departure from the shape. */
export type Issue =
  /** A member the shape does not declare. */
  | { readonly _tag: "Unknown"; readonly path: Path }
  /** A value of another JSON type than the shape's (an array where an object belongs, a number for a string). */
  | { readonly _tag: "WrongType"; readonly path: Path; readonly expected: Shape["kind"] }
  | { readonly _tag: "Missing"; readonly path: Path }
  /** A string too short or too long, or an array with too few or too many items. */
  | { readonly _tag: "Length"; readonly path: Path }
  /** A number outside its bounds, or not a safe integer where an integer belongs. */
  | { readonly _tag: "Range"; readonly path: Path }
  | { readonly _tag: "Pattern"; readonly path: Path }
  | { readonly _tag: "NotOneOf"; readonly path: Path }

/** Issues that mean the JSON does not map onto the shape at all (as opposed to a value failing a constraint). */
export const isStructural = (issue: Issue): boolean => issue._tag === "Unknown" || issue._tag === "WrongType"

const isObject = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

const typeIssue = (path: Path, expected: Shape["kind"]): Issue => ({ _tag: "WrongType", path, expected })

const codePoints = (s: string): number => {
  let n = 0
  for (const _ of s) n++
  return n
}

const checkNumber = (shape: IntegerShape | NumberShape, value: unknown, path: Path): ReadonlyArray<Issue> => {
  if (typeof value !== "number") return [typeIssue(path, shape.kind)]
  if (!Number.isFinite(value)) return [{ _tag: "Range", path }]
  if (shape.kind === "integer" && !Number.isSafeInteger(value)) return [{ _tag: "Range", path }]
  if (shape.minimum !== undefined && value < shape.minimum) return [{ _tag: "Range", path }]
  if (shape.maximum !== undefined && value > shape.maximum) return [{ _tag: "Range", path }]
  return []
}

const checkString = (shape: StringShape, value: unknown, path: Path): ReadonlyArray<Issue> => {
  if (typeof value !== "string") return [typeIssue(path, "string")]
  const length = codePoints(value)
  if ((shape.minLength !== undefined && length < shape.minLength) || (shape.maxLength !== undefined && length > shape.maxLength)) {
    return [{ _tag: "Length", path }]
  }
  if (shape.oneOf !== undefined && !shape.oneOf.includes(value)) return [{ _tag: "NotOneOf", path }]
  if (shape.pattern !== undefined && !shape.pattern.test(value)) return [{ _tag: "Pattern", path }]
  return []
}

const checkObject = (shape: ObjectShape, value: unknown, path: Path): ReadonlyArray<Issue> => {
  if (!isObject(value)) return [typeIssue(path, "object")]
  const issues: Array<Issue> = []
  for (const key of Object.keys(value)) {
    if (!Object.hasOwn(shape.fields, key)) issues.push({ _tag: "Unknown", path: [...path, key] })
  }
  for (const [key, field] of Object.entries(shape.fields)) {
    const member = Object.hasOwn(value, key) ? value[key] : undefined
    if (member === undefined || member === null) {
      if (shape.required?.includes(key) === true) issues.push({ _tag: "Missing", path: [...path, key] })
      continue
    }
    issues.push(...check(field, member, [...path, key]))
  }
  return issues
}

/** Every way `value` departs from `shape`, in document order (unknown members of an object first). */
export const check = (shape: Shape, value: unknown, path: Path = []): ReadonlyArray<Issue> => {
  switch (shape.kind) {
    case "string":
      return checkString(shape, value, path)
    case "integer":
    case "number":
      return checkNumber(shape, value, path)
    case "boolean":
      return typeof value === "boolean" ? [] : [typeIssue(path, "boolean")]
    case "scalar":
      return typeof value === "string" || typeof value === "boolean" || (typeof value === "number" && Number.isFinite(value))
        ? []
        : [typeIssue(path, "scalar")]
    case "object":
      return checkObject(shape, value, path)
    case "record": {
      if (!isObject(value)) return [typeIssue(path, "record")]
      return Object.keys(value).flatMap((key) => value[key] === null ? [] : check(shape.values, value[key], [...path, key]))
    }
    case "array": {
      if (!Array.isArray(value)) return [typeIssue(path, "array")]
      if ((shape.minItems !== undefined && value.length < shape.minItems) || (shape.maxItems !== undefined && value.length > shape.maxItems)) {
        return [{ _tag: "Length", path }]
      }
      return value.flatMap((item, index) => check(shape.items, item, [...path, index]))
    }
  }
}

/** The path as a JSON pointer (RFC 6901): `["amount", "value"]` → `/amount/value`. */
export const pointer = (path: Path): string =>
  path.map((segment) => `/${String(segment).replace(/~/g, "~0").replace(/\//g, "~1")}`).join("")

/** The value at a path in a parsed body (own members only); undefined when absent. */
export const valueAt = (root: unknown, path: Path): unknown => {
  let current: unknown = root
  for (const segment of path) {
    if (Array.isArray(current) && typeof segment === "number") current = current[segment]
    else if (isObject(current) && typeof segment === "string" && Object.hasOwn(current, segment)) current = current[segment]
    else return undefined
  }
  return current
}
