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
