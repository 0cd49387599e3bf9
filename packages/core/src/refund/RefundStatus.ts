/**
 * The unified refund status model.
 *
 * Processors disagree on names (Stripe "succeeded", PayPal "COMPLETED", Razorpay "processed"),
 * so connectors map theirs onto these six. `Reversed` is a refund that had succeeded and later
 * failed or was reversed (Stripe refund.failed after success, Adyen REFUND_FAILED / REFUNDED_REVERSED):
 * the money went back to the merchant after the customer was told it was refunded.
 */
import { Schema } from "effect"

export const RefundStatus = Schema.Literals([
  "Pending",
  "RequiresAction",
  "Succeeded",
  "Failed",
  "Cancelled",
  "Reversed"
])
export type RefundStatus = typeof RefundStatus.Type

export const all: ReadonlyArray<RefundStatus> = RefundStatus.literals

/**
 * What an observation says about the status. `Unknown` is a processor status the connector does
 * not recognise: it keeps the previous state and is reported, never guessed as Pending or Succeeded.
 */
export const ObservedStatus = Schema.Literals([...RefundStatus.literals, "Unknown"])
export type ObservedStatus = typeof ObservedStatus.Type

/** The three-value view refund services commonly expose. */
export const SimpleStatus = Schema.Literals(["PENDING", "SUCCEEDED", "FAILED"])
export type SimpleStatus = typeof SimpleStatus.Type

export const toSimple = (status: RefundStatus): SimpleStatus => {
  switch (status) {
    case "Pending":
    case "RequiresAction":
      return "PENDING"
    case "Succeeded":
      return "SUCCEEDED"
    case "Failed":
    case "Cancelled":
    case "Reversed":
      return "FAILED"
  }
}

/** No further change is possible: Failed, Cancelled, Reversed. */
export const isTerminal = (status: RefundStatus): boolean =>
  status === "Failed" || status === "Cancelled" || status === "Reversed"

/** The processor has decided (success or failure); a Succeeded refund may still be reversed later. */
export const isSettled = (status: RefundStatus): boolean => status !== "Pending" && status !== "RequiresAction"
