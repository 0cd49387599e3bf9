/**
 * How refunds, statuses and tables look on the terminal, and their JSON form.
 */
import { Money, Refund } from "@refract/core"
import { Effect, Schema } from "effect"
import { UsageError } from "./errors.ts"

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

/** `1500ms`, `90s`, `10m`, `1h`, `30d`, or a number of milliseconds: a positive duration flag, in milliseconds. */
export const durationFlag = (flag: string, value: string): Effect.Effect<number, UsageError> => {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/.exec(value.trim())
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[(m?.[2] ?? "ms") as "ms"]
  const millis = m === null ? Number.NaN : Math.round(Number(m[1]) * unit)
  return Number.isSafeInteger(millis) && millis > 0
    ? Effect.succeed(millis)
    : Effect.fail(new UsageError({ message: `${flag} must be a duration such as 500ms, 90s, 10m, 12h or 30d, got ${JSON.stringify(value.slice(0, 32))}` }))
}
