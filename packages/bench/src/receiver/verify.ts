/**
 * Verifying a receiver run: what the store holds for each refund (its status, the event ids of its
 * history) against what the workload must have led to.
 */
import type { RefundStore } from "@refract/core"
import { Effect, Option } from "effect"
import type { Row } from "./ipc.ts"
import type { Expected } from "./workload.ts"

export interface Verification {
  readonly ok: boolean
  /** The first problems found (empty when ok). */
  readonly problems: ReadonlyArray<string>
  /** Refunds checked and history entries found, over warm-up and measured deliveries. */
  readonly refunds: number
  readonly historyEntries: number
}

/** What a store holds for these refunds: status and the event ids of the history. */
export const dump = (store: RefundStore.Store, refundIds: ReadonlyArray<string>) =>
  Effect.forEach(refundIds, (connectorRefundId) =>
    Effect.gen(function*() {
      const key = { connector: "stripe", connectorRefundId }
      const refund = yield* store.get(key)
      const history = yield* store.history(key)
      return { refundId: connectorRefundId, status: Option.isSome(refund) ? refund.value.status : undefined, eventIds: history.map((h) => h.eventId) }
    }), { concurrency: 8 })

const sameEvents = (actual: ReadonlyArray<string | undefined>, expected: ReadonlyArray<string>): boolean =>
  actual.length === expected.length && actual.toSorted().join("\n") === expected.toSorted().join("\n")

/** Compares what a store holds with what the workload must have led to. */
export const check = (
  rows: ReadonlyArray<Row>,
  expected: ReadonlyArray<Expected>,
  extra: ReadonlyArray<string> = []
): Verification => {
  const problems: Array<string> = [...extra]
  const byId = new Map(rows.map((r) => [r.refundId, r]))
  let historyEntries = 0
  let wrong = 0
  for (const e of expected) {
    const row = byId.get(e.refundId)
    historyEntries += row?.eventIds.length ?? 0
    const problem = row === undefined || row.status === undefined
      ? `${e.refundId}: missing from the store`
      : row.status !== e.status
      ? `${e.refundId}: status ${row.status}, expected ${e.status}`
      : !sameEvents(row.eventIds, e.eventIds)
      ? `${e.refundId}: history holds events ${JSON.stringify(row.eventIds)}, expected each of ${JSON.stringify(e.eventIds)} once`
      : undefined
    if (problem !== undefined) {
      wrong++
      if (problems.length < 10) problems.push(problem)
    }
  }
  if (wrong > 0) problems.push(`${wrong} of ${expected.length} refunds wrong`)
  return { ok: problems.length === 0, problems, refunds: expected.length, historyEntries }
}

