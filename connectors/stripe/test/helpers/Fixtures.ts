/**
 * Test helpers: fixture loading, a scripted HttpClient that records requests, and core inputs.
 */
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { RefundClient } from "@refract/core"
import type { Refund } from "@refract/core"
import { Effect, Layer, Result } from "effect"
import { HttpClient, HttpClientRequest, HttpClientResponse } from "effect/http"

export const fixturePath = (name: string): string => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url))

/** The raw bytes of a fixture. */
export const fixtureBytes = (name: string): Uint8Array => new Uint8Array(readFileSync(fixturePath(name)))

export const fixtureText = (name: string): string => readFileSync(fixturePath(name), "utf8")

export const fixtureJson = (name: string): any => JSON.parse(fixtureText(name))

/** A 2xx/4xx/5xx answer as the connector sees it (header names lower case). */
export const response = (status: number, body: unknown, headers: Record<string, string> = {}) => ({
  status,
  headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])),
  body: typeof body === "string" ? body : JSON.stringify(body)
})

export const createRequest = (input: RefundClient.CreateRefundInput): Refund.CreateRefundRequest => {
  const decoded = RefundClient.decodeCreate("stripe", input)
  if (Result.isFailure(decoded)) throw new Error(decoded.failure.message)
  return decoded.success
}

export const reference = (input: RefundClient.ReferenceInput): Refund.RefundReference => {
  const decoded = RefundClient.decodeReference("stripe", input)
  if (Result.isFailure(decoded)) throw new Error(decoded.failure.message)
  return decoded.success
}

export interface Recorded {
  readonly method: string
  readonly url: string
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
}

export interface Answer {
  readonly status: number
  readonly body?: unknown
  readonly headers?: Record<string, string>
}

export interface Script {
  readonly requests: Array<Recorded>
  readonly layer: Layer.Layer<HttpClient.HttpClient>
}

const bodyText = (request: HttpClientRequest.HttpClientRequest): string =>
  request.body._tag === "Uint8Array" ? new TextDecoder().decode(request.body.body) : ""

/** An HttpClient answering with `answer(request, index)` and recording every request. */
export const scripted = (answer: (request: Recorded, index: number) => Answer): Script => {
  const requests: Array<Recorded> = []
  const client = HttpClient.make((request, url) =>
    Effect.sync(() => {
      const recorded: Recorded = {
        method: request.method,
        url: url.toString(),
        headers: request.headers as Record<string, string>,
        body: bodyText(request)
      }
      const index = requests.length
      requests.push(recorded)
      const a = answer(recorded, index)
      const text = a.body === undefined ? "" : typeof a.body === "string" ? a.body : JSON.stringify(a.body)
      return HttpClientResponse.fromWeb(request, new Response(text, { status: a.status, headers: a.headers ?? {} }))
    })
  )
  return { requests, layer: Layer.succeed(HttpClient.HttpClient, client) }
}
