/**
 * What the Square emulator accepts on the wire, and how it refuses the rest, per Square's OpenAPI spec
 * (square/connect-api-specification `api.json`, commit 5733f662, Square-Version 2025-08-20):
 *
 * - `POST /v2/refunds` takes exactly the properties of `RefundPaymentRequest` (required `idempotency_key`,
 *   `amount_money`; optional `app_fee_money`, `payment_id`, `destination_id`, `unlinked`, `location_id` ≤ 50,
 *   `customer_id`, `reason` ≤ 192, `payment_version_token`, `team_member_id` ≤ 192, `cash_details`,
 *   `external_details`), with `Money` = `{ amount: int64, currency: Currency }`,
 *   `DestinationDetailsCashRefundDetails` and `DestinationDetailsExternalRefundDetails` as nested objects.
 * - `GET /v2/refunds` takes exactly the query parameters of `ListPaymentRefunds`.
 * - Every refusal uses a code of the spec's `ErrorCode` enum, chosen by its description: `UNKNOWN_BODY_PARAMETER`
 *   ("The body parameter is not recognized by the requested endpoint"), `UNKNOWN_QUERY_PARAMETER`,
 *   `EXPECTED_JSON_BODY` ("The request body is not a JSON object"), `INVALID_CONTENT_TYPE`, `EXPECTED_OBJECT`,
 *   `EXPECTED_STRING`, `EXPECTED_INTEGER`, `EXPECTED_BOOLEAN`, `MISSING_REQUIRED_PARAMETER`, `VALUE_TOO_SHORT`,
 *   `VALUE_TOO_LONG`, `VALUE_TOO_LOW`, `INVALID_ENUM_VALUE`, `INVALID_TIME`, `INVALID_TIME_RANGE`,
 *   `INVALID_SORT_ORDER`, `INVALID_CURSOR`, `CONFLICTING_PARAMETERS`. The `detail` texts are the emulator's own
 *   wording (Square publishes none for these codes).
 *
 * Structural problems are all reported at once, in the `errors` array, as Square's error shape allows.
 *
 * @since 0.1.0
 */
import type { HttpServerResponse } from "effect/http"
import type { EmulatorRequest } from "../emulator/Http.ts"
import { json } from "../emulator/Http.ts"

/** Square error categories (`ErrorCategory`). */
export type ErrorCategory =
  | "API_ERROR"
  | "AUTHENTICATION_ERROR"
  | "INVALID_REQUEST_ERROR"
  | "RATE_LIMIT_ERROR"
  | "PAYMENT_METHOD_ERROR"
  | "REFUND_ERROR"

/** One entry of Square's `errors` array (`Error`). */
export interface SquareError {
  readonly category: ErrorCategory
  readonly code: string
  readonly detail: string
  readonly field?: string
}

const entry = (error: SquareError) => ({
  category: error.category,
  code: error.code,
  detail: error.detail,
  ...(error.field === undefined ? {} : { field: error.field })
})

/** A Square error response: `{"errors":[{category,code,detail,field?}, ...]}`. */
export const errorsResponse = (
  status: number,
  errors: ReadonlyArray<SquareError>,
  headers?: Readonly<Record<string, string>>
): HttpServerResponse.HttpServerResponse =>
  json(status, { errors: errors.map(entry) }, headers === undefined ? {} : { headers })

/** A Square error response with one error. */
export const errorResponse = (
  status: number,
  error: SquareError,
  headers?: Readonly<Record<string, string>>
): HttpServerResponse.HttpServerResponse => errorsResponse(status, [error], headers)

/** An `INVALID_REQUEST_ERROR`. */
export const invalidRequest = (code: string, detail: string, field?: string): SquareError => ({
  category: "INVALID_REQUEST_ERROR",
  code,
  detail,
  ...(field === undefined ? {} : { field })
})

// ---------------------------------------------------------------------------------------------------------------
// Schemas (from api.json)
// ---------------------------------------------------------------------------------------------------------------

/** ISO 4217 codes of the spec's `Currency` enum (plus its `UNKNOWN_CURRENCY`, `BTC` and `XUS`). */
export const currencies: ReadonlySet<string> = new Set(
  ("UNKNOWN_CURRENCY AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD BTN BWP " +
    "BYR BZD CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP " +
    "GEL GHS GIP GMD GNF GTQ GYD HKD HNL HRK HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD " +
    "KYD KZT LAK LBP LKR LRD LSL LTL LVL LYD MAD MDL MGA MKD MMK MNT MOP MRO MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO " +
    "NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLL SLE SOS SRD SSP " +
    "STD SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD USN USS UYI UYU UZS VEF VND VUV WST XAF XAG XAU " +
    "XBA XBB XBC XBD XCD XDR XOF XPD XPF XPT XTS XXX YER ZAR ZMK ZMW BTC XUS").split(" ")
)

/** How one property is validated. */
type Field =
  | { readonly type: "string"; readonly minLength?: number; readonly maxLength?: number; readonly maxBytes?: number }
  | { readonly type: "boolean" }
  | { readonly type: "int64" }
  | { readonly type: "currency" }
  | { readonly type: "object"; readonly properties: ObjectSchema }

/** An object's properties, in the spec's order, and which are required. */
interface ObjectSchema {
  readonly fields: Readonly<Record<string, Field>>
  readonly required?: ReadonlyArray<string>
}

/** `Money`. Both members are `nullable` in the spec, but a refund's money needs both: they are required here. */
const money: Field = {
  type: "object",
  properties: { fields: { amount: { type: "int64" }, currency: { type: "currency" } }, required: ["amount", "currency"] }
}

/** `RefundPaymentRequest` (api.json, 2025-08-20). */
export const refundPaymentRequest: ObjectSchema = {
  fields: {
    // "Keys are limited to a max of 45 characters - however, the number of allowed characters might be less
    // than 45, if multi-byte characters are used": 45 UTF-8 bytes.
    idempotency_key: { type: "string", minLength: 1, maxBytes: 45 },
    amount_money: money,
    app_fee_money: money,
    payment_id: { type: "string" },
    destination_id: { type: "string" },
    unlinked: { type: "boolean" },
    location_id: { type: "string", maxLength: 50 },
    customer_id: { type: "string" },
    reason: { type: "string", maxLength: 192 },
    payment_version_token: { type: "string" },
    team_member_id: { type: "string", maxLength: 192 },
    cash_details: {
      type: "object",
      properties: { fields: { seller_supplied_money: money, change_back_money: money }, required: ["seller_supplied_money"] }
    },
    external_details: {
      type: "object",
      properties: {
        fields: {
          type: { type: "string", maxLength: 50 },
          source: { type: "string", maxLength: 255 },
          source_id: { type: "string", maxLength: 255 }
        },
        required: ["type", "source"]
      }
    }
  },
  required: ["idempotency_key", "amount_money"]
}

/** The query parameters of `ListPaymentRefunds` (api.json, 2025-08-20). */
export const listRefundsParameters = [
  "begin_time",
  "end_time",
  "sort_order",
  "cursor",
  "location_id",
  "status",
  "source_type",
  "limit",
  "updated_at_begin_time",
  "updated_at_end_time",
  "sort_field"
] as const

// ---------------------------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------------------------

export const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

/** JSON Schema lengths count characters (code points), not UTF-16 units. */
const characters = (text: string): number => [...text].length

/** int64: a JSON number beyond ±2^63 cannot be one. */
const int64Limit = 2 ** 63

const own = (object: Readonly<Record<string, unknown>>, key: string): unknown => Object.hasOwn(object, key) ? object[key] : undefined

const validateField = (value: unknown, field: Field, path: string): ReadonlyArray<SquareError> => {
  switch (field.type) {
    case "string": {
      if (typeof value !== "string") return [invalidRequest("EXPECTED_STRING", `Expected \`${path}\` to be a string.`, path)]
      if (field.minLength !== undefined && characters(value) < field.minLength) {
        return [invalidRequest("VALUE_TOO_SHORT", `\`${path}\` must have a length of at least ${field.minLength}.`, path)]
      }
      if (field.maxLength !== undefined && characters(value) > field.maxLength) {
        return [invalidRequest("VALUE_TOO_LONG", `\`${path}\` must not be longer than ${field.maxLength} characters.`, path)]
      }
      if (field.maxBytes !== undefined && Buffer.byteLength(value, "utf8") > field.maxBytes) {
        return [invalidRequest("VALUE_TOO_LONG", `\`${path}\` must not be longer than ${field.maxBytes} bytes.`, path)]
      }
      return []
    }
    case "boolean":
      return typeof value === "boolean" ? [] : [invalidRequest("EXPECTED_BOOLEAN", `Expected \`${path}\` to be a boolean.`, path)]
    case "int64":
      return typeof value === "number" && Number.isInteger(value) && Math.abs(value) < int64Limit
        ? []
        : [invalidRequest("EXPECTED_INTEGER", `Expected \`${path}\` to be an integer.`, path)]
    case "currency":
      if (typeof value !== "string") return [invalidRequest("EXPECTED_STRING", `Expected \`${path}\` to be a string.`, path)]
      return currencies.has(value)
        ? []
        : [invalidRequest("INVALID_ENUM_VALUE", `\`${value.slice(0, 32)}\` is not a valid enum value for \`${path}\`.`, path)]
    case "object":
      return isRecord(value) ? validateObject(value, field.properties, `${path}.`) : [invalidRequest("EXPECTED_OBJECT", `Expected \`${path}\` to be an object.`, path)]
  }
}

/**
 * Every problem of an object against its schema: each known property in the spec's order (`null` counts as
 * absent: the spec marks the optional ones `nullable`), then each unknown property in the order sent.
 */
export const validateObject = (
  value: Readonly<Record<string, unknown>>,
  schema: ObjectSchema,
  prefix = ""
): ReadonlyArray<SquareError> => {
  const errors: Array<SquareError> = []
  for (const [name, field] of Object.entries(schema.fields)) {
    const v = own(value, name)
    if (v === undefined || v === null) {
      if (schema.required?.includes(name) === true) {
        errors.push(invalidRequest("MISSING_REQUIRED_PARAMETER", `Field \`${prefix}${name}\` must be set.`, `${prefix}${name}`))
      }
      continue
    }
    errors.push(...validateField(v, field, `${prefix}${name}`))
  }
  for (const name of Object.keys(value)) {
    if (!Object.hasOwn(schema.fields, name)) {
      errors.push(invalidRequest("UNKNOWN_BODY_PARAMETER", `Unknown body parameter \`${prefix}${name}\`.`, `${prefix}${name}`))
    }
  }
  return errors
}

const mediaType = (request: EmulatorRequest): string | undefined =>
  request.headers["content-type"]?.split(";")[0]!.trim().toLowerCase()

/** The JSON object of a `POST`, or the errors refusing it (content type, not JSON, not an object). */
export const readJsonBody = (request: EmulatorRequest): Record<string, unknown> | ReadonlyArray<SquareError> => {
  const type = mediaType(request)
  if (type !== "application/json") {
    return [invalidRequest("INVALID_CONTENT_TYPE", "Content-Type must be application/json.")]
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(request.body)
  } catch {
    return [invalidRequest("EXPECTED_JSON_BODY", "The request body is not a JSON object.")]
  }
  return isRecord(parsed) ? parsed : [invalidRequest("EXPECTED_JSON_BODY", "The request body is not a JSON object.")]
}

/** Query parameters outside `allowed` (`UNKNOWN_QUERY_PARAMETER`, one error each, in the order sent). */
export const unknownQueryParameters = (query: URLSearchParams, allowed: ReadonlyArray<string>): ReadonlyArray<SquareError> =>
  [...new Set(query.keys())]
    .filter((name) => !allowed.includes(name))
    .map((name) => invalidRequest("UNKNOWN_QUERY_PARAMETER", `Unknown query parameter \`${name}\`.`, name))

/** Epoch ms of an RFC 3339 time (`2025-01-02T03:04:05Z`, `…+05:30`, fractions allowed), or undefined. */
export const parseRfc3339 = (text: string): number | undefined => {
  const match = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/.exec(text)
  if (match === null) return undefined
  const [, y, mo, d, h, mi, s] = match.map(Number) as unknown as [unknown, number, number, number, number, number, number]
  const calendar = new Date(Date.UTC(y, mo - 1, d))
  if (calendar.getUTCFullYear() !== y || calendar.getUTCMonth() !== mo - 1 || calendar.getUTCDate() !== d) return undefined
  if (h > 23 || mi > 59 || s > 59) return undefined
  const millis = Date.parse(text.toUpperCase())
  return Number.isNaN(millis) ? undefined : millis
}

/** A `YYYY-MM-DD` that is a real calendar date. */
export const isVersionDate = (text: string): boolean => {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text)
  if (match === null) return false
  const [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])]
  const date = new Date(Date.UTC(y, m - 1, d))
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d
}
