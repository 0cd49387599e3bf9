/**
 * Plain data for the HTTP exchanges a connector describes.
 *
 * Connectors build a {@link ProcessorRequest} and read a {@link ProcessorResponse} with pure
 * functions; only the core performs I/O. That keeps every connector testable without a network
 * and lets the core own timeouts, retries, idempotency, rate limits, tracing and redaction.
 */
import { Redacted } from "effect"

/** A header value; secrets stay `Redacted` until the core writes them on the wire. */
export type HeaderValue = string | Redacted.Redacted<string>

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE"

export type RequestBody =
  | { readonly _tag: "Json"; readonly value: unknown }
  /** `application/x-www-form-urlencoded`, in order; repeated keys allowed (Stripe `expand[]`). */
  | { readonly _tag: "Form"; readonly fields: ReadonlyArray<readonly [string, string]> }
  | { readonly _tag: "Text"; readonly contentType: string; readonly text: string }

export interface ProcessorRequest {
  readonly method: HttpMethod
  /** Path relative to the connector's base URL, starting with "/". Path segments must already be encoded. */
  readonly path: string
  readonly query?: Readonly<Record<string, string>> | undefined
  readonly headers?: Readonly<Record<string, HeaderValue>> | undefined
  readonly body?: RequestBody | undefined
  /**
   * An absolute URL, for the rare request that leaves the base URL (an OAuth token host).
   * When set, `path` is ignored.
   */
  readonly absoluteUrl?: string | undefined
}

export interface ProcessorResponse {
  readonly status: number
  /** Header names are lower case. */
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
}

export const json = (value: unknown): RequestBody => ({ _tag: "Json", value })
export const form = (fields: ReadonlyArray<readonly [string, string]>): RequestBody => ({ _tag: "Form", fields })

/** Encodes one path segment (processor ids are validated, but never trust them in a URL). */
export const segment = (value: string): string => encodeURIComponent(value)

export const isSuccess = (response: ProcessorResponse): boolean => response.status >= 200 && response.status < 300

/** Header lookup, case-insensitive. */
export const header = (response: { readonly headers: Readonly<Record<string, string>> }, name: string): string | undefined =>
  response.headers[name.toLowerCase()]

/** Parses the body as JSON, or undefined when it is not JSON. */
export const parseJson = (body: string): unknown => {
  try {
    return JSON.parse(body)
  } catch {
    return undefined
  }
}

/** Unwraps a header value; only the core calls this, when writing the request on the wire. */
export const revealHeader = (value: HeaderValue): string => (Redacted.isRedacted(value) ? Redacted.value(value) : value)

/** Encodes form fields the way processors expect (`a[b]=c&d=e`, spaces as `+`). */
export const encodeForm = (fields: ReadonlyArray<readonly [string, string]>): string =>
  new URLSearchParams(fields.map(([k, v]): [string, string] => [k, v])).toString()

/** A request body as the core writes it on the wire: its text and its content type. */
export const encodeBody = (body: RequestBody): { readonly text: string; readonly contentType: string } => {
  switch (body._tag) {
    case "Json":
      return { text: JSON.stringify(body.value), contentType: "application/json" }
    case "Form":
      return { text: encodeForm(body.fields), contentType: "application/x-www-form-urlencoded" }
    case "Text":
      return { text: body.text, contentType: body.contentType }
  }
}
