/**
 * Folds a processor snapshot into a refund through the state machine.
 * Used for create responses, status reads and webhooks alike, so the three can never disagree.
 *
 * Besides the status (derived by `RefundStateMachine` from the evidence), the refund's other fields
 * follow these rules:
 * - the time of an observation is the snapshot's `occurredAt`, else `observedAt` (the read or
 *   receipt time, or the first attempt of a create), else `now`;
 * - ids: the merchant refund id and the processor's refund id are kept from the first observation
 *   that had them; the payment id, amount and reason take the newest snapshot's value when it has one;
 * - `createdAt` is the earliest creation time any snapshot reported, else when Refract first saw it;
 * - `updatedAt` moves only when the status changes (or on the first observation);
 * - `unrecognisedStatus` is set by an observation with a status the connector does not know and
 *   cleared by the next recognised one;
 * - `metadata` and `raw` take the newest snapshot's value when it has one (metadata else the request's);
 * - `settlement` accumulates field by field, the newest snapshot's value where it has one.
 */
import { Result } from "effect"
import type { CreateRefundRequest, RefundSnapshot } from "./Refund.ts"
import { FailureDetails, Refund, mergeSettlement } from "./Refund.ts"
import type { Evidence, ObservationSource, State, Transition } from "./RefundStateMachine.ts"
import { evidenceOf, transition } from "./RefundStateMachine.ts"
import { trusted } from "./Trusted.ts"

export interface Observed {
  readonly refund: Refund
  readonly transition: Transition
}

export interface ObserveInput {
  readonly connector: string
  readonly previous: Refund | undefined
  readonly snapshot: RefundSnapshot
  readonly source: ObservationSource
  /** Now, epoch ms: becomes `updatedAt` when the status changes. */
  readonly now: number
  /** When the observation was made, epoch ms (see the module header). Default `now`. */
  readonly observedAt?: number | undefined
  /** The create request, when observing its response. */
  readonly request?: CreateRefundRequest | undefined
}

/** The evidence a stored refund stands for (older records have only their status). */
export const evidenceOfRefund = (refund: Refund): Evidence =>
  refund.evidence ?? evidenceOf({
    status: refund.status,
    rawStatus: refund.rawStatus,
    at: refund.statusAt ?? refund.updatedAt,
    failure: refund.failure
  })

const earliest = (a: number, b: number | undefined): number => (b === undefined ? a : Math.min(a, b))

/**
 * The refund after an observation. Fails (with the raw status) only when the processor's status is
 * unknown and there is no previous state to keep; a create response is the exception: the processor
 * accepted the refund, so it is in flight (Pending) and `unrecognisedStatus` says what it answered.
 */
export const observe = (input: ObserveInput): Result.Result<Observed, { readonly rawStatus: string }> => {
  const { previous, snapshot, source, now, request } = input
  const at = snapshot.occurredAt ?? input.observedAt ?? now
  const evidence = previous === undefined ? undefined : evidenceOfRefund(previous)
  const t = transition(evidence, {
    status: snapshot.status,
    rawStatus: snapshot.rawStatus,
    source,
    at,
    failure: snapshot.failure
  })
  let state: State | undefined = t.state
  if (state === undefined) {
    if (source !== "create") return Result.fail({ rawStatus: snapshot.rawStatus })
    const pending = transition(undefined, { status: "Pending", rawStatus: snapshot.rawStatus, source, at })
    state = pending.state!
  }
  const changed = previous === undefined || state.status !== previous.status
  const refund = trusted(Refund, {
    connector: input.connector,
    merchantRefundId: previous?.merchantRefundId ?? request?.merchantRefundId ?? snapshot.merchantRefundId,
    connectorRefundId: previous?.connectorRefundId ?? snapshot.connectorRefundId,
    connectorTransactionId: snapshot.connectorTransactionId ?? previous?.connectorTransactionId ?? request?.connectorTransactionId,
    amount: snapshot.amount ?? previous?.amount ?? request?.amount,
    status: state.status,
    rawStatus: state.rawStatus,
    reason: snapshot.reason ?? previous?.reason ?? request?.reason,
    failure: state.failure === undefined
      ? undefined
      : state.failure instanceof FailureDetails
      ? state.failure
      : trusted(FailureDetails, state.failure),
    statusAt: state.occurredAt,
    unrecognisedStatus: t._tag === "Unrecognised" ? snapshot.rawStatus : undefined,
    createdAt: previous === undefined
      ? snapshot.createdAt ?? now
      : earliest(previous.createdAt, snapshot.createdAt),
    updatedAt: changed ? now : previous.updatedAt,
    evidence: state.evidence,
    metadata: snapshot.metadata ?? previous?.metadata ?? request?.metadata,
    settlement: mergeSettlement(previous?.settlement, snapshot.settlement),
    raw: snapshot.raw ?? previous?.raw
  })
  return Result.succeed({ refund, transition: t })
}
