/**
 * Metrics every connector gets for free. Attributes: connector, operation, outcome (the error
 * reason tag, or "ok"). Never a secret, never an amount-bearing identifier.
 */
import { Metric } from "effect"

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

/** The metrics of one connector's operation, with their attributes set. */
export interface OperationMetrics {
  readonly attempts: Metric.Metric<number, unknown>
  readonly duration: Metric.Metric<number, unknown>
  readonly requests: (outcome: string) => Metric.Metric<number, unknown>
  readonly retries: (reason: string) => Metric.Metric<number, unknown>
}

/**
 * `Metric.withAttributes`, made once per attribute set: it builds a new metric (and its key) on every
 * call, which was a visible share of each refund call and each webhook delivery for a handful of
 * distinct values. Bounded: connectors and outcome or reason tags are few, and a pathological value
 * must not grow the cache.
 */
export const withAttributesCached = <M extends Metric.Metric<any, any>>(metric: M) => {
  const cache = new Map<string, M>()
  return (attributes: Readonly<Record<string, string>>): M => {
    let key = ""
    for (const name in attributes) key += `${name}\u0000${attributes[name]}\u0000`
    let tagged = cache.get(key)
    if (tagged === undefined) {
      tagged = Metric.withAttributes(metric, attributes) as M
      if (cache.size < 1_000) cache.set(key, tagged)
    }
    return tagged
  }
}

const requestsFor = withAttributesCached(requests)
const retriesFor = withAttributesCached(retries)
const byOperation = new Map<string, OperationMetrics>()

/** Built once per connector and operation; outcomes and retry reasons through {@link withAttributesCached}. */
export const forOperation = (connector: string, operation: string): OperationMetrics => {
  const key = `${connector}\u0000${operation}`
  let found = byOperation.get(key)
  if (found === undefined) {
    const attributes = { connector, operation }
    found = {
      attempts: Metric.withAttributes(attempts, attributes),
      duration: Metric.withAttributes(duration, attributes),
      requests: (outcome) => requestsFor({ connector, operation, outcome }),
      retries: (reason) => retriesFor({ connector, operation, reason })
    }
    byOperation.set(key, found)
  }
  return found
}
