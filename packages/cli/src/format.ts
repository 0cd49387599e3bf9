/**
 * How refunds, statuses and tables look on the terminal, and their JSON form.
 */
import { Money, Refund } from "@refract/core"
import { Schema } from "effect"

/** `SUCCEEDED (Succeeded, raw "succeeded")`: the simple status, then the detailed one. */
export const statusLine = (refund: Refund.Refund): string => {
  const unrecognised = refund.unrecognisedStatus !== undefined
    ? `; processor said ${JSON.stringify(refund.unrecognisedStatus)}, not recognised, kept the last known status`
    : ""
  return `${refund.simpleStatus} (${refund.status}, raw ${JSON.stringify(refund.rawStatus)}${unrecognised})`
}

export const amountText = (amount: Money.Money | undefined): string | undefined =>
  amount === undefined ? undefined : `${Money.toDecimalString(amount)} ${amount.currency}`

const isoTime = (millis: number | undefined): string | undefined =>
  millis === undefined || !Number.isFinite(millis) ? undefined : new Date(millis).toISOString()

/** Rows of `label  value`, skipping undefined values. */
export const table = (rows: ReadonlyArray<readonly [string, string | undefined]>, indent = "  "): string => {
  const present = rows.filter((r): r is readonly [string, string] => r[1] !== undefined)
  const width = Math.max(0, ...present.map(([label]) => label.length))
  return present.map(([label, value]) => `${indent}${label.padEnd(width)}  ${value}`).join("\n")
}

export const refundText = (refund: Refund.Refund): string => {
  const failure = refund.failure === undefined
    ? undefined
    : [refund.failure.code, refund.failure.message].filter((s) => s !== undefined && s !== "").join(": ") || "(no details)"
  return [
    `Refund ${refund.connectorRefundId} (${refund.connector})`,
    table([
      ["status", refund.simpleStatus],
      ["detailed status", refund.status],
      ["raw status", JSON.stringify(refund.rawStatus)],
      ["unrecognised", refund.unrecognisedStatus === undefined ? undefined : JSON.stringify(refund.unrecognisedStatus)],
      ["amount", amountText(refund.amount)],
      ["refund id", refund.connectorRefundId],
      ["payment id", refund.connectorTransactionId],
      ["merchant refund id", refund.merchantRefundId],
      ["reason", refund.reason],
      ["failure", failure],
      ["status at", isoTime(refund.statusAt)],
      ["created", isoTime(refund.createdAt)]
    ])
  ].join("\n")
}

const encodeRefund = Schema.encodeSync(Refund.Refund)

/**
 * The refund as JSON: the library's own encoded form (`Schema.encode(Refund.Refund)`: money as
 * `{ amount, currency }` in minor units, times as epoch milliseconds), which
 * `Schema.decodeUnknown(Refund.Refund)` reads back, plus `simpleStatus` (PENDING, SUCCEEDED or
 * FAILED) for scripts; decoding ignores it.
 */
export const refundJson = (refund: Refund.Refund): Record<string, unknown> => ({
  ...(encodeRefund(refund) as Record<string, unknown>),
  simpleStatus: refund.simpleStatus
})

export const json = (value: unknown): string => JSON.stringify(value, null, 2)
