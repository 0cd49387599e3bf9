/**
 * What the Mollie emulator accepts on the wire, and how it refuses the rest.
 *
 * Sources (facts only; no code was copied):
 * - Error bodies: https://docs.mollie.com/overview/handling-errors (mollie/api-documentation
 *   `source/guides/handling-errors.rst`): `application/hal+json` problem objects
 *   `{ status, title, detail, field?, _links: { documentation: { href, type } } }`; the 401 body
 *   "Missing authentication, or failed to authenticate"; 404 "No payment exists with token tr_…"; 422 with `field`.
 *   @mollie/api-client 4.6.0 `ApiError.createFromResponse` reads exactly `detail`, `title`, `status`, `field`, `_links`.
 * - Create refund parameters (`amount {currency, value}` required, value a string with the currency's exact
 *   decimals, "Non-string values are not accepted"; `description`; `metadata` "up to approximately 1kB";
 *   `reverseRouting`, `routingReversals` (Connect); `testmode` only with organization tokens):
 *   mollie/api-documentation `source/reference/v2/refunds-api/create-refund.rst`, SDK 4.6.0
 *   `binders/payments/refunds/parameters.d.ts`.
 * - The wording of validation details is the emulator's where Mollie publishes none (marked [emulator wording]).
 *
 * @since 0.1.0
 */
import { HttpServerResponse } from "effect/http"
import type { EmulatorRequest } from "../emulator/Http.ts"
import { json, parseForm } from "../emulator/Http.ts"

/** The body parameters `POST /v2/payments/:id/refunds` accepts (SDK 4.6.0 CreateParameters, docs). */
export const refundParameters = ["amount", "description", "metadata", "reverseRouting", "routingReversals", "testmode"] as const

/**
 * `description`: the create-refund reference once said "Max. 140 characters"; the current reference (and notes
 * drawn from it) say 255. The emulator enforces 255, the larger documented bound; connectors should keep to 140.
 */
export const maxDescriptionLength = 255
/** `metadata`: "You can use up to approximately 1kB": enforced as 1024 bytes of JSON [derived]. */
export const maxMetadataBytes = 1024
/** `limit` of the list endpoints: 1 to 250, default 50 (docs list-all-refunds). */
export const maxLimit = 250
export const defaultLimit = 50

const titles: Readonly<Record<number, string>> = {
  400: "Bad Request",
  401: "Unauthorized Request",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  409: "Conflict",
  410: "Gone",
  415: "Unsupported Media Type",
  422: "Unprocessable Entity",
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout"
}

/** The documentation link Mollie puts in error bodies. */
export const errorDocumentation = "https://docs.mollie.com/overview/handling-errors"

/** A Mollie error: `{ status, title, detail, field?, _links.documentation }` as `application/hal+json`. */
export const errorResponse = (
  status: number,
  detail: string,
  options: { readonly field?: string | undefined; readonly headers?: Readonly<Record<string, string>> } = {}
): HttpServerResponse.HttpServerResponse =>
  json(
    status,
    {
      status,
      title: titles[status] ?? "Error",
      detail,
      ...(options.field === undefined ? {} : { field: options.field }),
      _links: { documentation: { href: errorDocumentation, type: "text/html" } }
    },
    { contentType: "application/hal+json", ...(options.headers === undefined ? {} : { headers: options.headers }) }
  )

/** 422 naming the field. */
export const unprocessable = (detail: string, field?: string): HttpServerResponse.HttpServerResponse =>
  errorResponse(422, detail, { field })

export const isResponse = (u: unknown): u is HttpServerResponse.HttpServerResponse => HttpServerResponse.isHttpServerResponse(u)

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

const mediaType = (request: EmulatorRequest): string | undefined => {
  const header = request.headers["content-type"]
  return header === undefined ? undefined : header.split(";")[0]!.trim().toLowerCase()
}

/**
 * The body as parameters: JSON (what @mollie/api-client sends) or a form with bracket keys (the docs' curl
 * examples: `amount[currency]=EUR`). Anything else is 415 ("Please always use JSON"). A JSON body that does not
 * parse, or is not an object, is 400 [emulator wording].
 */
export const readBody = (request: EmulatorRequest): Record<string, unknown> | HttpServerResponse.HttpServerResponse => {
  if (request.body.trim() === "") return {}
  const type = mediaType(request)
  if (type === "application/json" || (type !== undefined && type.endsWith("+json")) || (type === undefined && /^\s*[[{]/.test(request.body))) {
    let parsed: unknown
    try {
      parsed = JSON.parse(request.body)
    } catch {
      return errorResponse(400, "The request body is not valid JSON")
    }
    return isRecord(parsed) ? parsed : errorResponse(400, "The request body must be a JSON object")
  }
  if (type === undefined || type === "application/x-www-form-urlencoded") return parseForm(request.body)
  return errorResponse(415, "Your request's encoding is not supported. Please always use JSON")
}

/** The first parameter outside `allowed`, refused as 422 naming it [emulator wording]. */
export const onlyAllowed = (
  body: Readonly<Record<string, unknown>>,
  allowed: ReadonlyArray<string>
): HttpServerResponse.HttpServerResponse | undefined => {
  const extra = Object.keys(body).find((key) => !allowed.includes(key))
  return extra === undefined ? undefined : unprocessable(`The parameter '${extra}' is not supported by this endpoint`, extra)
}

const exponents: Readonly<Record<string, number>> = {
  BIF: 0, CLP: 0, DJF: 0, GNF: 0, ISK: 0, JPY: 0, KMF: 0, KRW: 0, MGA: 0, PYG: 0, RWF: 0, UGX: 0, VND: 0, VUV: 0,
  XAF: 0, XOF: 0, XPF: 0, BHD: 3, IQD: 3, JOD: 3, KWD: 3, LYD: 3, OMR: 3, TND: 3
}
/** ISO 4217 minor-unit exponent (2 unless listed). */
export const currencyExponent = (currency: string): number => exponents[currency.toUpperCase()] ?? 2

/** Minor units as Mollie's decimal string with the currency's exact decimals ("10.00", "1234", "1.234"). */
export const formatValue = (minor: number, currency: string): string => {
  const exponent = currencyExponent(currency)
  const sign = minor < 0 ? "-" : ""
  const digits = String(Math.abs(minor)).padStart(exponent + 1, "0")
  return exponent === 0 ? `${sign}${digits}` : `${sign}${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`
}

/** An amount object `{ currency, value }`. */
export const amountObject = (minor: number, currency: string) => ({ currency, value: formatValue(minor, currency) })

/**
 * Reads `amount`: an object with a 3-letter `currency` and a string `value` carrying exactly the currency's
 * decimals ("Make sure to send the right amount of decimals. Non-string values are not accepted.").
 */
export const amountParam = (value: unknown): { readonly minor: number; readonly currency: string } | HttpServerResponse.HttpServerResponse => {
  if (value === undefined || value === null) return unprocessable("The amount is required for refunds", "amount")
  if (!isRecord(value)) return unprocessable("The amount must be an object with a currency and a value", "amount")
  const extra = Object.keys(value).find((k) => k !== "currency" && k !== "value")
  if (extra !== undefined) return unprocessable(`The parameter 'amount.${extra}' is not supported`, `amount.${extra}`)
  const currency = value["currency"]
  if (typeof currency !== "string" || !/^[A-Z]{3}$/.test(currency)) {
    return unprocessable("The amount currency is invalid", "amount.currency")
  }
  const raw = value["value"]
  if (typeof raw !== "string") return unprocessable("The amount value must be a string", "amount.value")
  const exponent = currencyExponent(currency)
  const pattern = exponent === 0 ? /^(\d{1,12})$/ : new RegExp(`^(\\d{1,12})\\.(\\d{${exponent}})$`)
  const match = pattern.exec(raw)
  if (match === null) {
    return unprocessable(
      `The amount value '${raw.slice(0, 32)}' is invalid: ${currency} amounts have ${exponent} decimals`,
      "amount.value"
    )
  }
  const minor = Number(`${match[1]}${match[2] ?? ""}`)
  if (!Number.isSafeInteger(minor) || minor <= 0) return unprocessable("The amount must be higher than zero", "amount.value")
  return { minor, currency }
}

/** `description`: a string of at most {@link maxDescriptionLength} characters; absent is "". */
export const descriptionParam = (value: unknown): string | HttpServerResponse.HttpServerResponse => {
  if (value === undefined || value === null) return ""
  if (typeof value !== "string") return unprocessable("The description must be a string", "description")
  if ([...value].length > maxDescriptionLength) {
    return unprocessable(`The description is too long, it may contain at most ${maxDescriptionLength} characters`, "description")
  }
  return value
}

/** `metadata`: any JSON value up to about 1kB (stored and echoed as sent; `null` when absent). */
export const metadataParam = (value: unknown): unknown => {
  if (value === undefined || value === null) return null
  // A form body carries metadata as a JSON string (the docs' curl example): Mollie keeps what was sent.
  if (Buffer.byteLength(JSON.stringify(value), "utf8") > maxMetadataBytes) {
    return unprocessable("The metadata is too large, it may be at most about 1kB", "metadata")
  }
  return value
}

/** Query parameters of the list endpoints: `from` (a refund id, inclusive), `limit` 1..250, optional `sort`. */
export interface ListParams {
  readonly from: string | undefined
  readonly limit: number
  readonly sort: "asc" | "desc"
}

export const listParams = (
  query: URLSearchParams,
  allowed: ReadonlyArray<string>
): ListParams | HttpServerResponse.HttpServerResponse => {
  for (const key of query.keys()) {
    if (!allowed.includes(key)) return errorResponse(400, `The query parameter '${key}' is not supported by this endpoint`, { field: key })
  }
  const from = query.get("from") ?? undefined
  if (from !== undefined && !/^re_[A-Za-z0-9]+$/.test(from)) return errorResponse(400, "The from parameter must be a refund id", { field: "from" })
  const rawLimit = query.get("limit")
  let limit = defaultLimit
  if (rawLimit !== null) {
    if (!/^\d{1,4}$/.test(rawLimit) || Number(rawLimit) < 1 || Number(rawLimit) > maxLimit) {
      return errorResponse(400, `The limit must be between 1 and ${maxLimit}`, { field: "limit" })
    }
    limit = Number(rawLimit)
  }
  const sort = query.get("sort") ?? "desc"
  if (sort !== "asc" && sort !== "desc") return errorResponse(400, "The sort must be asc or desc", { field: "sort" })
  const embed = query.get("embed")
  if (embed !== null && embed !== "payment") return errorResponse(400, "The embed parameter is invalid", { field: "embed" })
  return { from, limit, sort }
}
