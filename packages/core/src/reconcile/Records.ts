/**
 * How the Reconciler writes ledger rows and processor refunds into its workspace: one JSON array per
 * line, fields by position. Arrays of plain values are what `JSON.stringify` and `JSON.parse` do
 * fastest, and a million of them are written and read once each.
 *
 * A processor refund keeps every field of its snapshot but the raw object and the metadata (the
 * store keeps those it already has; a report does not need them).
 */
import * as Money from "../money/Money.ts"
import { FailureDetails, Settlement, makeSnapshot } from "../refund/Refund.ts"
import type { RefundSnapshot } from "../refund/Refund.ts"
import type { ObservedStatus } from "../refund/RefundStatus.ts"
import { trusted } from "../refund/Trusted.ts"
import type { LedgerEntry } from "./Ledger.ts"

/** A processor refund as the workspace holds it. */
export interface TruthRecord {
  readonly connectorRefundId: string
  readonly connectorTransactionId: string | undefined
  readonly merchantRefundId: string | undefined
  readonly amount: number | undefined
  readonly currency: string | undefined
  readonly status: ObservedStatus
  readonly rawStatus: string
  readonly createdAt: number | undefined
  readonly occurredAt: number | undefined
  readonly reason: string | undefined
  readonly failureCode: string | undefined
  readonly failureMessage: string | undefined
  readonly traceReference: string | undefined
  readonly traceReferenceType: string | undefined
  readonly settledAt: number | undefined
  readonly batchId: string | undefined
}

const orNull = <A>(value: A | undefined): A | null => (value === undefined ? null : value)
const orUndefined = <A>(value: A | null): A | undefined => (value === null ? undefined : value)

/** One line: the key the refund joins by, then the snapshot's fields. */
export const encodeTruth = (key: string, s: RefundSnapshot): string =>
  JSON.stringify([
    key,
    s.connectorRefundId,
    orNull(s.connectorTransactionId),
    orNull(s.merchantRefundId),
    s.amount === undefined ? null : s.amount.amount,
    s.amount === undefined ? null : s.amount.currency,
    s.status,
    s.rawStatus,
    orNull(s.createdAt),
    orNull(s.occurredAt),
    orNull(s.reason),
    orNull(s.failure?.code),
    orNull(s.failure?.message),
    orNull(s.settlement?.traceReference),
    orNull(s.settlement?.traceReferenceType),
    orNull(s.settlement?.settledAt),
    orNull(s.settlement?.batchId)
  ])

type TruthArray = [
  string,
  string,
  string | null,
  string | null,
  number | null,
  string | null,
  ObservedStatus,
  string,
  number | null,
  number | null,
  string | null,
  string | null,
  string | null,
  string | null,
  string | null,
  number | null,
  string | null
]

export const decodeTruth = (line: string): { readonly key: string; readonly record: TruthRecord } => {
  const a = JSON.parse(line) as TruthArray
  return {
    key: a[0],
    record: {
      connectorRefundId: a[1],
      connectorTransactionId: orUndefined(a[2]),
      merchantRefundId: orUndefined(a[3]),
      amount: orUndefined(a[4]),
      currency: orUndefined(a[5]),
      status: a[6],
      rawStatus: a[7],
      createdAt: orUndefined(a[8]),
      occurredAt: orUndefined(a[9]),
      reason: orUndefined(a[10]),
      failureCode: orUndefined(a[11]),
      failureMessage: orUndefined(a[12]),
      traceReference: orUndefined(a[13]),
      traceReferenceType: orUndefined(a[14]),
      settledAt: orUndefined(a[15]),
      batchId: orUndefined(a[16])
    }
  }
}

/** The same line under another key (an anonymous refund adopted by the ledger row that claims it). */
export const rekeyTruth = (line: string, key: string): string => {
  const a = JSON.parse(line) as TruthArray
  a[0] = key
  return JSON.stringify(a)
}

/** The record's settlement evidence (written from a checked snapshot, so rebuilt without checking again). */
export const settlementOf = (r: TruthRecord): Settlement | undefined =>
  r.traceReference === undefined && r.traceReferenceType === undefined && r.settledAt === undefined && r.batchId === undefined
    ? undefined
    : trusted(Settlement, {
      ...(r.traceReference !== undefined ? { traceReference: r.traceReference } : {}),
      ...(r.traceReferenceType !== undefined ? { traceReferenceType: r.traceReferenceType } : {}),
      ...(r.settledAt !== undefined ? { settledAt: r.settledAt } : {}),
      ...(r.batchId !== undefined ? { batchId: r.batchId } : {})
    })

/** The snapshot a record was written from (without raw and metadata), checked again as it is rebuilt. */
export const snapshotOf = (r: TruthRecord): RefundSnapshot =>
  makeSnapshot({
    connectorRefundId: r.connectorRefundId,
    connectorTransactionId: r.connectorTransactionId,
    merchantRefundId: r.merchantRefundId,
    amount: r.amount === undefined || r.currency === undefined ? undefined : Money.make(r.amount, r.currency),
    status: r.status,
    rawStatus: r.rawStatus,
    reason: r.reason,
    failure: r.failureCode === undefined && r.failureMessage === undefined
      ? undefined
      : new FailureDetails({
        ...(r.failureCode !== undefined ? { code: r.failureCode } : {}),
        ...(r.failureMessage !== undefined ? { message: r.failureMessage } : {})
      }),
    occurredAt: r.occurredAt,
    createdAt: r.createdAt,
    settlement: settlementOf(r)
  })

type LedgerArray = [string, number, string, LedgerEntry["expectedStatus"], string | null, number | null, string | null, number]

export const encodeLedger = (e: LedgerEntry): string =>
  JSON.stringify([e.merchantRefundId, e.amount, e.currency, e.expectedStatus, orNull(e.connectorRefundId), orNull(e.createdAt), orNull(e.connector), e.line])

export const decodeLedger = (line: string): LedgerEntry => {
  const a = JSON.parse(line) as LedgerArray
  return {
    merchantRefundId: a[0],
    amount: a[1],
    currency: a[2],
    expectedStatus: a[3],
    connectorRefundId: orUndefined(a[4]),
    createdAt: orUndefined(a[5]),
    connector: orUndefined(a[6]),
    line: a[7]
  }
}
