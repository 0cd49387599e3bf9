/**
 * What `POST /v2/payments/captures/{capture_id}/refund` accepts, and how PayPal refuses the rest.
 *
 * The accepted body is `refund_request` of paypal/paypal-rest-api-specifications @ ec4d8f36 (2024-02-03)
 * `openapi/payments_payment_v2.json` (API version 2.5), cross-checked against the official SDK
 * `@paypal/paypal-server-sdk` 2.5.0 `src/models/refundRequest.ts` and PayPal's current reference page
 * (https://developer.paypal.com/api/payments/v2/#captures_refund):
 *
 * - `amount` (`money`: `currency_code` 3 characters, `value` ≤ 32 characters matching
 *   `^((-?[0-9]+)|(-?([0-9]+)?[.][0-9]+))$`, both required);
 * - `invoice_id`, `custom_id` (1..127), `note_to_payer` (1..255), each `^.*$` (one line);
 * - `payment_instruction.platform_fees` (at most one item: `amount` (money, required) and `payee`
 *   (`email_address` 3..254 with an unquoted `@`, `merchant_id` `^[2-9A-HJ-NP-Z]{13}$`)).
 *
 * Sources disagree on `payee`: the spec (`platform_fee`) and the reference page list it, the SDK's
 * `RefundPlatformFee` has `amount` only. The SDK is a client and may send less than the API takes; the spec
 * describes what the server accepts, so `payee` is accepted.
 *
 * How the rest is refused (all 400 `INVALID_REQUEST`, "Request is not well-formed, syntactically incorrect, or
 * violates schema."):
 *
 * - JSON that does not parse: one detail `MALFORMED_REQUEST_JSON` ("The request JSON is not well formed."), no
 *   field (observed answers quoted in PayPal integrations; issue listed on
 *   https://developer.paypal.com/api/payment-tokens/v3/errors/malformed_request_json).
 * - JSON that does not map onto the schema (a value of the wrong JSON type, an array where an object belongs,
 *   a member the schema does not define): `MALFORMED_REQUEST_JSON` with the member's JSON pointer and
 *   `location: "body"`. Observed for wrong types (an object where `/payment_source/apple_pay/name` takes a
 *   string, numbers where Orders v2 takes strings); PayPal's responses guide lists "The API cannot convert the
 *   payload data to the underlying data type" as a 400 cause (https://developer.paypal.com/api/rest/responses/).
 *   PayPal documents no separate issue for unknown members; Payments v1 refused them as `MALFORMED_REQUEST`
 *   "Incoming JSON request does not map to API request" (paypal/PayPal-node-SDK issues #183, #332), and
 *   v2's counterpart is `MALFORMED_REQUEST_JSON` [derived].
 * - Constraint failures, per `captures.refund-400`: `MISSING_REQUIRED_PARAMETER`, `INVALID_STRING_LENGTH`,
 *   `INVALID_PARAMETER_SYNTAX`; too many `platform_fees` items: `INVALID_ARRAY_MAX_ITEMS` (the issue PayPal's
 *   Orders v2 uses for arrays, `orders.patch-400`).
 *
 * @since 0.1.0
 */
import * as JsonShape from "../emulator/JsonShape.ts"

/** PayPal's `money.value` pattern. */
export const valuePattern = /^((-?[0-9]+)|(-?([0-9]+)?[.][0-9]+))$/

/** `^.*$` as PayPal's free-text fields declare it: any single line. */
const oneLine = /^.*$/

const money: JsonShape.ObjectShape = {
  kind: "object",
  fields: {
    currency_code: { kind: "string", minLength: 3, maxLength: 3, pattern: /^[A-Z]{3}$/ },
    value: { kind: "string", maxLength: 32, pattern: valuePattern }
  },
  required: ["currency_code", "value"]
}

const payee: JsonShape.ObjectShape = {
  kind: "object",
  fields: {
    email_address: { kind: "string", minLength: 3, maxLength: 254, pattern: /^[^@\s]+@[^@\s]+$/ },
    merchant_id: { kind: "string", minLength: 13, maxLength: 13, pattern: /^[2-9A-HJ-NP-Z]{13}$/ }
  }
}

/** `refund_request`. */
export const shape: JsonShape.ObjectShape = {
  kind: "object",
  fields: {
    amount: money,
    custom_id: { kind: "string", minLength: 1, maxLength: 127, pattern: oneLine },
    invoice_id: { kind: "string", minLength: 1, maxLength: 127, pattern: oneLine },
    note_to_payer: { kind: "string", minLength: 1, maxLength: 255, pattern: oneLine },
    payment_instruction: {
      kind: "object",
      fields: {
        platform_fees: {
          kind: "array",
          minItems: 0,
          maxItems: 1,
          items: { kind: "object", fields: { amount: money, payee }, required: ["amount"] }
        }
      }
    }
  }
}

/** One entry of PayPal's `details[]`. */
export interface Detail {
  readonly field?: string
  readonly value?: string
  readonly location?: "body" | "path" | "query" | "header"
  readonly issue: string
  readonly description: string
}

export const malformedJson: Detail = { issue: "MALFORMED_REQUEST_JSON", description: "The request JSON is not well formed." }

const descriptions = {
  MISSING_REQUIRED_PARAMETER: "A required field / parameter is missing.",
  INVALID_STRING_LENGTH: "The value of a field is either too short or too long.",
  INVALID_PARAMETER_SYNTAX: "The value of a field does not conform to the expected format.",
  INVALID_ARRAY_MAX_ITEMS: "The number of items in an array parameter is too large."
} as const

const issueOf = (issue: JsonShape.Issue, value: unknown): keyof typeof descriptions | "MALFORMED_REQUEST_JSON" => {
  switch (issue._tag) {
    case "Unknown":
    case "WrongType":
      return "MALFORMED_REQUEST_JSON"
    case "Missing":
      return "MISSING_REQUIRED_PARAMETER"
    case "Length":
      return Array.isArray(value) ? "INVALID_ARRAY_MAX_ITEMS" : "INVALID_STRING_LENGTH"
    case "Range":
    case "Pattern":
    case "NotOneOf":
      return "INVALID_PARAMETER_SYNTAX"
  }
}

/** A detail for one issue: the member's pointer, its value when it is a string, `location: "body"`. */
const detailOf = (body: unknown, issue: JsonShape.Issue): Detail => {
  const value = JsonShape.valueAt(body, issue.path)
  const code = issueOf(issue, value)
  const field = JsonShape.pointer(issue.path)
  return {
    ...(field === "" ? {} : { field }),
    ...(typeof value === "string" && code !== "MALFORMED_REQUEST_JSON" ? { value } : {}),
    ...(field === "" ? {} : { location: "body" as const }),
    issue: code,
    description: code === "MALFORMED_REQUEST_JSON" ? malformedJson.description : descriptions[code]
  }
}

/**
 * The 400 details for a parsed body, or an empty list when it is a valid `refund_request`. JSON that does not
 * map onto the schema is reported alone (PayPal cannot validate what it could not read); otherwise every
 * constraint failure is listed.
 */
export const validate = (body: unknown): ReadonlyArray<Detail> => {
  const issues = JsonShape.check(shape, body)
  const structural = issues.filter(JsonShape.isStructural)
  return (structural.length > 0 ? structural : issues).map((issue) => detailOf(body, issue))
}

/** The parts of a valid `refund_request` the emulator uses. */
export interface RefundRequest {
  readonly amount: { readonly currency_code: string; readonly value: string } | undefined
  readonly invoice_id: string | undefined
  readonly custom_id: string | undefined
  readonly note_to_payer: string | undefined
  /** How many platform fees were asked for (the emulator's merchant is not a platform). */
  readonly platformFees: number
}

const stringAt = (body: unknown, path: JsonShape.Path): string | undefined => {
  const value = JsonShape.valueAt(body, path)
  return typeof value === "string" ? value : undefined
}

/** Reads a body that {@link validate} accepted. */
export const read = (body: unknown): RefundRequest => {
  const currency = stringAt(body, ["amount", "currency_code"])
  const value = stringAt(body, ["amount", "value"])
  const fees = JsonShape.valueAt(body, ["payment_instruction", "platform_fees"])
  return {
    amount: currency !== undefined && value !== undefined ? { currency_code: currency, value } : undefined,
    invoice_id: stringAt(body, ["invoice_id"]),
    custom_id: stringAt(body, ["custom_id"]),
    note_to_payer: stringAt(body, ["note_to_payer"]),
    platformFees: Array.isArray(fees) ? fees.length : 0
  }
}

/** The media type of a `Content-Type` header, lower-cased, without parameters. */
export const mediaType = (header: string | undefined): string | undefined =>
  header === undefined ? undefined : header.split(";")[0]!.trim().toLowerCase()
