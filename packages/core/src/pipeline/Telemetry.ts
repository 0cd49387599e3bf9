/**
 * Metrics every connector gets for free. Attributes: connector, operation, outcome (the error
 * reason tag, or "ok"). Never a secret, never an amount-bearing identifier.
 */
import { Metric } from "effect"

const taggedCache = new WeakMap<object, Map<string, unknown>>()

/**
 * `Metric.withAttributes`, built once per metric and attribute set: building a metric's key on every
 * update was a visible share of each call. The set of attribute values is small (connectors ×
 * operations × outcomes), so the cache stays small.
 */
export const tagged = <M extends Metric.Metric<any, any>>(metric: M, attributes: Readonly<Record<string, string>>): M => {
  let byAttributes = taggedCache.get(metric)
  if (byAttributes === undefined) {
    byAttributes = new Map()
    taggedCache.set(metric, byAttributes)
  }
  let key = ""
  for (const name in attributes) key += `${name}=${attributes[name]}\u0000`
  let found = byAttributes.get(key) as M | undefined
  if (found === undefined) {
    found = Metric.withAttributes(metric, attributes) as M
    byAttributes.set(key, found)
  }
  return found
}

export const requests = Metric.counter("refract_requests_total", {
  description: "Refund operations by connector, operation and outcome"
})

export const attempts = Metric.counter("refract_http_attempts_total", {
  description: "HTTP attempts sent to processors, retries included"
})

export const retries = Metric.counter("refract_retries_total", {
  description: "Attempts that were retried, by reason"
})

export const duration = Metric.histogram("refract_operation_duration_ms", {
  description: "Wall time of a refund operation, retries and waits included",
  boundaries: Metric.exponentialBoundaries({ start: 5, factor: 2, count: 14 })
})
