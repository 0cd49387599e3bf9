/**
 * What the Razorpay emulator accepts on the wire, and how it refuses the rest.
 *
 * Sources (facts only; no code was copied):
 * - Parameters of `POST /v1/payments/:id/refund`: razorpay-node 2.9.8 `dist/types/refunds.d.ts`
 *   (`RazorpayRefundCreateRequestBody`: `amount`, `speed` 'normal' | 'optimum', `notes`, `receipt`) and
 *   `dist/types/payments.d.ts` (`RazorpayRefundPaymentLinkAccountCreateRequestBody`: `reverse_all`
 *   boolean | 0 | 1); https://razorpay.com/docs/api/refunds/create-normal, …/create-instant and
 *   https://razorpay.com/docs/api/payments/route/transfers/refund-payments-and-reverse-transfer.
 * - How Razorpay validates them: Razorpay's API server as published in the history of
 *   github.com/razorpay/opencensus-php (`app/Models/Payment/Refund/Validator.php` `$createRules`:
 *   `amount` sometimes|integer, `notes` sometimes|notes, `receipt` sometimes|string|max:40,
 *   `reverse_all` sometimes|boolean, `speed` sometimes|filled|in:optimum,normal; the create validators
 *   run in the order payment status, fully refunded, refund amount, minimum amount;
 *   `app/Exception/ExtraFieldsException.php`: unknown keys, joined with ", ", give
 *   "<keys> is/are not required and should not be sent" without a `field`;
 *   `app/Error/PublicErrorDescription.php` for the descriptions). The messages of the validation rules
 *   are Laravel's (`The amount must be an integer.`, `The selected speed is invalid.`, ...).
 * - That server also knows an undocumented `reversals` array. No reference (docs, SDK types) documents it
 *   for this endpoint, so the emulator refuses it like any other unknown parameter.
 *
 * @since 0.1.0
 */
import { HttpServerResponse } from "effect/http"
import type { EmulatorRequest } from "../emulator/Http.ts"
import { json, parseForm } from "../emulator/Http.ts"

/** The body parameters `POST /v1/payments/:id/refund` accepts, in the order Razorpay validates them. */
export const refundParameters = ["amount", "notes", "receipt", "reverse_all", "speed"] as const

/** The query parameters of the refund collections (`GET /v1/refunds`, `GET /v1/payments/:id/refunds`). */
export const collectionParameters = ["from", "to", "count", "skip"] as const

/** Notes are at most 15 pairs (docs, SDK types, server `BAD_REQUEST_NOTES_TOO_MANY_KEYS`). */
export const maxNotes = 15
/** Server `BAD_REQUEST_NOTES_KEY_TOO_LARGE`. */
export const maxNoteKeyLength = 255
/**
 * What Razorpay enforces per note value. The API pages and razorpay-node's types say "256 characters";
 * Razorpay's server answers `Notes value cannot be greater 512 characters` (PublicErrorDescription, and the
 * same text reported from live answers), so 512 is what a request meets. Connectors should stay within 256.
 */
export const maxNoteValueLength = 512
/** `receipt` max:40 (server `$createRules`). */
export const maxReceiptLength = 40

/** Fields of a Razorpay error body. */
export interface RazorpayErrorFields {
  readonly code?: "BAD_REQUEST_ERROR" | "GATEWAY_ERROR" | "SERVER_ERROR"
  readonly description: string
  readonly source?: string
  readonly step?: string
  readonly reason?: string
  readonly field?: string
}

/** A Razorpay error: `{"error":{code,description,source,step,reason,metadata,field?}}`. */
export const errorResponse = (
  status: number,
  fields: RazorpayErrorFields,
  headers?: Readonly<Record<string, string>>
): HttpServerResponse.HttpServerResponse =>
  json(
    status,
    {
      error: {
        code: fields.code ?? "BAD_REQUEST_ERROR",
        description: fields.description,
        source: fields.source ?? "NA",
        step: fields.step ?? "NA",
        reason: fields.reason ?? "NA",
        metadata: {},
        ...(fields.field === undefined ? {} : { field: fields.field })
      }
    },
    headers === undefined ? {} : { headers }
  )

/**
 * A request refused by validation: `source: business`, `step: payment_initiation`, `reason:
 * input_validation_failed` (the values of Razorpay's documented "amount must be at least" example). `field`
 * only where Razorpay names one (rule failures do; extra fields and refund-state errors do not).
 */
export const invalid = (description: string, field?: string): HttpServerResponse.HttpServerResponse =>
  errorResponse(400, {
    description,
    source: "business",
    step: "payment_initiation",
    reason: "input_validation_failed",
    ...(field === undefined ? {} : { field })
  })

export const isResponse = (u: unknown): u is HttpServerResponse.HttpServerResponse => HttpServerResponse.isHttpServerResponse(u)

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

/** Laravel's `max:n` counts characters (code points), not UTF-16 units. */
const characters = (text: string): number => [...text].length

/** The refused body text: not JSON although sent as JSON (the emulator's wording; Razorpay's is unknown). */
export const invalidJson = "The request body is not valid JSON."
/** A body that is neither JSON nor form-encoded (the emulator's wording). */
export const unsupportedBody = "The request body must be JSON (application/json) or form-encoded (application/x-www-form-urlencoded)."

const mediaType = (request: EmulatorRequest): string | undefined => {
  const header = request.headers["content-type"]
  if (header === undefined) return undefined
  return header.split(";")[0]!.trim().toLowerCase()
}

/**
 * The body as a dictionary of parameters. JSON (what razorpay-node sends) and form bodies (`notes[k]=v`, what
 * the curl examples' `-d` would send) are read. A JSON array is read the way PHP reads it, as a dictionary
 * keyed by index, so `[1]` meets the extra-fields rule ("0 is/are not required ...", as reported against
 * razorpay-python). Prototype keys (`__proto__`, `constructor`) stay plain data keys.
 */
export const readBody = (request: EmulatorRequest): Record<string, unknown> | HttpServerResponse.HttpServerResponse => {
  if (request.body.trim() === "") return {}
  const type = mediaType(request)
  const isJson = type === undefined ? /^\s*[[{]/.test(request.body) : type === "application/json" || type.endsWith("+json")
  if (isJson) {
    let parsed: unknown
    try {
      parsed = JSON.parse(request.body)
    } catch {
      return invalid(invalidJson)
    }
    if (Array.isArray(parsed)) return Object.fromEntries(parsed.map((value, index) => [String(index), value]))
    return isRecord(parsed) ? parsed : invalid(invalidJson)
  }
  if (type === undefined || type === "application/x-www-form-urlencoded") return parseForm(request.body)
  return invalid(unsupportedBody)
}

/** Keys that are not in `allowed`, in the order they were sent. */
const extraKeys = (body: Readonly<Record<string, unknown>>, allowed: ReadonlyArray<string>): ReadonlyArray<string> =>
  Object.keys(body).filter((key) => !allowed.includes(key))

/** `<keys> is/are not required and should not be sent` (ExtraFieldsException: no `field`). */
export const extraFields = (keys: ReadonlyArray<string>): HttpServerResponse.HttpServerResponse =>
  invalid(`${keys.join(", ")} is/are not required and should not be sent`)

/** Refuses parameters outside `allowed`. */
export const onlyAllowed = (
  body: Readonly<Record<string, unknown>>,
  allowed: ReadonlyArray<string>
): HttpServerResponse.HttpServerResponse | undefined => {
  const extra = extraKeys(body, allowed)
  return extra.length === 0 ? undefined : extraFields(extra)
}

/** A note value as Razorpay stores it (scalars only). */
export type NoteValue = string | number | boolean | null

/** Validates `notes`: a flat dictionary of at most 15 scalars (Razorpay's notes rule and messages). */
export const notesParam = (value: unknown): Record<string, NoteValue> | HttpServerResponse.HttpServerResponse => {
  if (value === undefined || value === null || value === "" || (Array.isArray(value) && value.length === 0)) return {}
  if (!isRecord(value)) return invalid("Notes should be provided as a dictionary", "notes")
  const entries = Object.entries(value)
  if (entries.length > maxNotes) return invalid(`Number of fields in notes should be less than or equal to ${maxNotes}`, "notes")
  for (const [key, v] of entries) {
    if (typeof v === "object" && v !== null) return invalid("Notes values themselves should not be an array", "notes")
    if (characters(key) > maxNoteKeyLength) return invalid(`Notes key cannot be greater ${maxNoteKeyLength} characters`, "notes")
    if (typeof v === "string" && characters(v) > maxNoteValueLength) {
      return invalid(`Notes value cannot be greater ${maxNoteValueLength} characters`, "notes")
    }
  }
  // fromEntries defines own properties: a `__proto__` note is a note, not a prototype.
  return Object.fromEntries(entries) as Record<string, NoteValue>
}

/**
 * `amount` as sent. Laravel's `integer` rule takes JSON integers and integer strings (razorpay-node's own
 * examples send `"100"`); the refund validator then wants digits only ("Amount should be in paise and only
 * have digits") and a non-empty value ("Amount cannot be blank"); those two run after the payment checks.
 */
export type AmountParam =
  | { readonly _tag: "Absent" }
  | { readonly _tag: "Blank" }
  | { readonly _tag: "NotDigits" }
  | { readonly _tag: "Value"; readonly value: number }

/** PHP's integer range: a JSON number beyond it is a float there, and fails the integer rule. */
const int64Limit = 2 ** 63

const notInteger = () => invalid("The amount must be an integer.", "amount")

const amountParam = (raw: unknown): AmountParam | HttpServerResponse.HttpServerResponse => {
  if (raw === undefined || raw === null) return { _tag: "Absent" }
  if (typeof raw === "number") {
    if (!Number.isInteger(raw) || Math.abs(raw) >= int64Limit) return notInteger()
    return raw === 0 ? { _tag: "Blank" } : { _tag: "Value", value: raw }
  }
  if (typeof raw !== "string") return notInteger()
  if (raw === "") return { _tag: "Blank" }
  const integer = /^\s*[+-]?\d+\s*$/.test(raw) && Math.abs(Number(raw)) < int64Limit
  if (!integer) return notInteger()
  if (!/^\d+$/.test(raw)) return { _tag: "NotDigits" }
  const value = Number(raw)
  return value === 0 ? { _tag: "Blank" } : { _tag: "Value", value }
}

/** Laravel's `boolean`: true, false, 1, 0, "1", "0". */
const booleanParam = (raw: unknown): boolean | undefined => {
  if (raw === true || raw === 1 || raw === "1") return true
  if (raw === false || raw === 0 || raw === "0") return false
  return undefined
}

/** The validated parameters of a refund request. */
export interface RefundParams {
  readonly amount: AmountParam
  readonly speed: "normal" | "optimum"
  readonly notes: Record<string, NoteValue>
  readonly receipt: string | null
  /** Route: reverse the payment's transfers first. Emulated payments have no transfers, so it changes nothing. */
  readonly reverseAll: boolean
}

/** The rules of `$createRules`, in Razorpay's order; the first failure is the answer. */
export const refundParams = (body: Readonly<Record<string, unknown>>): RefundParams | HttpServerResponse.HttpServerResponse => {
  const extra = onlyAllowed(body, refundParameters)
  if (extra !== undefined) return extra
  const amount = amountParam(body["amount"])
  if (isResponse(amount)) return amount
  const notes = notesParam(body["notes"])
  if (isResponse(notes)) return notes
  const rawReceipt = body["receipt"]
  // razorpay-node types `receipt?: string | null`: null (and an empty form value) mean "no receipt".
  const receipt = rawReceipt === undefined || rawReceipt === null || rawReceipt === "" ? null : rawReceipt
  if (receipt !== null && typeof receipt !== "string") return invalid("The receipt must be a string.", "receipt")
  if (receipt !== null && characters(receipt) > maxReceiptLength) {
    return invalid(`The receipt may not be greater than ${maxReceiptLength} characters.`, "receipt")
  }
  const rawReverseAll = body["reverse_all"]
  const reverseAll = rawReverseAll === undefined || rawReverseAll === null ? false : booleanParam(rawReverseAll)
  if (reverseAll === undefined) return invalid("The reverse all field must be true or false.", "reverse_all")
  const rawSpeed = body["speed"]
  if (rawSpeed !== undefined && (rawSpeed === null || rawSpeed === "")) return invalid("The speed field must have a value.", "speed")
  const speed = rawSpeed ?? "normal"
  if (speed !== "normal" && speed !== "optimum") return invalid("The selected speed is invalid.", "speed")
  return { amount, speed, notes, receipt, reverseAll }
}

/** Query parameters of a collection: `count` 1..100 (default 10), `skip` ≥ 0, `from` / `to` unix seconds. */
export interface CollectionParams {
  readonly count: number
  readonly skip: number
  readonly from: number | undefined
  readonly to: number | undefined
}

export const collectionParams = (query: URLSearchParams): CollectionParams | HttpServerResponse.HttpServerResponse => {
  const keys = [...new Set(query.keys())]
  const extra = keys.filter((key) => !(collectionParameters as ReadonlyArray<string>).includes(key))
  if (extra.length > 0) return extraFields(extra)
  const integer = (name: string, min?: number, max?: number): number | undefined | HttpServerResponse.HttpServerResponse => {
    const raw = query.get(name)
    if (raw === null || raw === "") return undefined
    if (!/^[+-]?\d+$/.test(raw) || !Number.isSafeInteger(Number(raw))) return invalid(`The ${name} must be an integer.`, name)
    const value = Number(raw)
    if (min !== undefined && value < min) return invalid(`The ${name} must be at least ${min}.`, name)
    if (max !== undefined && value > max) return invalid(`The ${name} may not be greater than ${max}.`, name)
    return value
  }
  const from = integer("from", 0)
  if (isResponse(from)) return from
  const to = integer("to", 0)
  if (isResponse(to)) return to
  const count = integer("count", 1, 100)
  if (isResponse(count)) return count
  const skip = integer("skip", 0)
  if (isResponse(skip)) return skip
  return { count: count ?? 10, skip: skip ?? 0, from, to }
}
