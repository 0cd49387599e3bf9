/**
 * Why a webhook delivery was refused. Every reason means the event did not touch any state:
 * verification happens before parsing, and parsing before applying.
 */
import { Schema } from "effect"

export class MissingSignature extends Schema.TaggedError<MissingSignature>()("MissingSignature", {
  message: Schema.String
}) {}

export class InvalidSignature extends Schema.TaggedError<InvalidSignature>()("InvalidSignature", {
  message: Schema.String
}) {}

/** The signed timestamp is outside the accepted tolerance (a replay, or a badly skewed clock). */
export class TimestampOutOfTolerance extends Schema.TaggedError<TimestampOutOfTolerance>()("TimestampOutOfTolerance", {
  message: Schema.String,
  toleranceSeconds: Schema.Number
}) {}

/** The body is not what this processor sends. */
export class MalformedPayload extends Schema.TaggedError<MalformedPayload>()("MalformedPayload", {
  message: Schema.String
}) {}

/** Webhook secrets were not configured, or the connector does not receive webhooks. */
export class NotConfigured extends Schema.TaggedError<NotConfigured>()("NotConfigured", {
  message: Schema.String
}) {}

/** Verification needed something that could not be fetched (PayPal's signing certificate). */
export class VerificationUnavailable extends Schema.TaggedError<VerificationUnavailable>()("VerificationUnavailable", {
  message: Schema.String
}) {}

export const WebhookErrorReason = Schema.Union([
  MissingSignature,
  InvalidSignature,
  TimestampOutOfTolerance,
  MalformedPayload,
  NotConfigured,
  VerificationUnavailable
])
export type WebhookErrorReason = typeof WebhookErrorReason.Type

export class WebhookError extends Schema.TaggedError<WebhookError>()("WebhookError", {
  connector: Schema.String,
  reason: WebhookErrorReason
}) {
  override get message(): string {
    return `${this.connector} webhook: ${this.reason._tag}: ${this.reason.message}`
  }
  /** The HTTP status a receiving endpoint should answer with. */
  get httpStatus(): number {
    switch (this.reason._tag) {
      case "MissingSignature":
      case "InvalidSignature":
      case "TimestampOutOfTolerance":
        return 401
      case "MalformedPayload":
        return 400
      case "NotConfigured":
        return 404
      case "VerificationUnavailable":
        return 503
    }
  }
}
