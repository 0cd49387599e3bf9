/**
 * Folds a processor snapshot into a refund through the state machine.
 * Used for create responses, status reads and webhooks alike, so the three can never disagree.
 */
import { Result } from "effect"
import type { CreateRefundRequest, RefundSnapshot } from "./Refund.ts"
import { Refund } from "./Refund.ts"
import type { ObservationSource, Transition } from "./RefundStateMachine.ts"
import { transition } from "./RefundStateMachine.ts"

export interface Observed {
  readonly refund: Refund
  readonly transition: Transition
}

export interface ObserveInput {
  readonly connector: string
  readonly previous: Refund | undefined
  readonly snapshot: RefundSnapshot
  readonly source: ObservationSource
  /** Now, epoch ms. */
  readonly now: number
  /** The create request, when observing its response. */
  readonly request?: CreateRefundRequest | undefined
}

/**
 * The refund after an observation. Fails (with the raw status) only when the processor's status is
 * unknown and there is no previous state to keep; a create response is the exception: the processor
 * accepted the refund, so it is in flight (Pending) and `unrecognisedStatus` says what it answered.
 */
export const observe = (input: ObserveInput): Result.Result<Observed, { readonly rawStatus: string }> => {
  const { previous, snapshot, source, now, request } = input
  const t = transition(
    previous === undefined ? undefined : { status: previous.status, occurredAt: previous.statusAt },
    { status: snapshot.status, rawStatus: snapshot.rawStatus, source, occurredAt: snapshot.occurredAt }
  )
  let state = t.state
  if (state === undefined) {
    if (source !== "create") return Result.fail({ rawStatus: snapshot.rawStatus })
    state = { status: "Pending", occurredAt: snapshot.occurredAt }
  }
  const applied = t._tag === "Applied" || previous === undefined
  const refund = new Refund({
    connector: input.connector,
    merchantRefundId: previous?.merchantRefundId ?? request?.merchantRefundId ?? snapshot.merchantRefundId,
    connectorRefundId: previous?.connectorRefundId ?? snapshot.connectorRefundId,
    connectorTransactionId: snapshot.connectorTransactionId ?? previous?.connectorTransactionId ?? request?.connectorTransactionId,
    amount: snapshot.amount ?? previous?.amount ?? request?.amount,
    status: state.status,
    rawStatus: applied ? snapshot.rawStatus : previous!.rawStatus,
    reason: snapshot.reason ?? previous?.reason ?? request?.reason,
    failure: applied ? snapshot.failure ?? (state.status === previous?.status ? previous?.failure : undefined) : previous?.failure,
    statusAt: state.occurredAt,
    unrecognisedStatus: t._tag === "Unrecognised" ? snapshot.rawStatus : undefined,
    createdAt: previous?.createdAt ?? snapshot.createdAt ?? now,
    updatedAt: applied ? now : previous!.updatedAt
  }, { disableChecks: true })
  return Result.succeed({ refund, transition: t })
}
