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

const byOperation = new Map<string, OperationMetrics>()

const memo = (cache: Map<string, Metric.Metric<number, unknown>>, make: () => Metric.Metric<number, unknown>, value: string) => {
  let metric = cache.get(value)
  if (metric === undefined) {
    metric = make()
    cache.set(value, metric)
  }
  return metric
}

/**
 * Built once per connector and operation (and outcome, and retry reason): building a metric's key on
 * every update was a visible share of each call. Connectors × operations × outcomes is small.
 */
export const forOperation = (connector: string, operation: string): OperationMetrics => {
  const key = `${connector}\u0000${operation}`
  let found = byOperation.get(key)
  if (found === undefined) {
    const attributes = { connector, operation }
    const outcomes = new Map<string, Metric.Metric<number, unknown>>()
    const reasons = new Map<string, Metric.Metric<number, unknown>>()
    found = {
      attempts: Metric.withAttributes(attempts, attributes),
      duration: Metric.withAttributes(duration, attributes),
      requests: (outcome) => memo(outcomes, () => Metric.withAttributes(requests, { ...attributes, outcome }), outcome),
      retries: (reason) => memo(reasons, () => Metric.withAttributes(retries, { ...attributes, reason }), reason)
    }
    byOperation.set(key, found)
  }
  return found
}
