/**
 * The refund state machine: a pure function from (current state, observation) to a transition.
 *
 * Observations arrive from three sources (the create response, status reads, webhooks), in any
 * order and possibly more than once. The rules that keep the state honest:
 * - progress only moves forward: Pending/RequiresAction -> Succeeded -> Reversed, or to Failed/Cancelled;
 * - a stale observation (a PENDING read after SUCCEEDED) never moves the state back and is reported as Stale;
 * - re-applying the same status is idempotent (Unchanged);
 * - a Failed observation on a Succeeded refund is a reversal (the refund succeeded, then failed);
 * - an Unknown processor status keeps the previous state and is reported as Unrecognised;
 * - terminal states (Failed, Cancelled, Reversed) absorb everything after them;
 * - between Pending and RequiresAction (same rank) the processor's event time decides, when both have one.
 */
import { Data } from "effect"
import type { ObservedStatus, RefundStatus } from "./RefundStatus.ts"
import { isTerminal } from "./RefundStatus.ts"

export type ObservationSource = "create" | "poll" | "webhook"

export interface Observation {
  readonly status: ObservedStatus
  /** The processor's own status string, kept verbatim for support and reconciliation. */
  readonly rawStatus: string
  readonly source: ObservationSource
  /** When the processor says the change happened (epoch ms), if it says. */
  readonly occurredAt?: number | undefined
}

/** The part of a refund the state machine needs. */
export interface State {
  readonly status: RefundStatus
  /** Processor time of the observation that set `status`, when known (epoch ms). */
  readonly occurredAt?: number | undefined
}

export type Transition = Data.TaggedEnum<{
  /** The state changed. `from` is undefined for the first observation of a refund. */
  Applied: { readonly from: RefundStatus | undefined; readonly to: RefundStatus; readonly state: State }
  /** The observation repeats the current status: nothing to do. */
  Unchanged: { readonly state: State }
  /** The observation is older than the current state (it would move it backwards): ignored. */
  Stale: { readonly state: State; readonly observed: RefundStatus }
  /** The processor reported a status the connector does not know: the state is kept. */
  Unrecognised: { readonly state: State | undefined; readonly rawStatus: string }
  /** The observation contradicts the state (e.g. Cancelled after Succeeded): ignored and reported. */
  Rejected: { readonly state: State; readonly observed: RefundStatus }
}>
export const Transition = Data.taggedEnum<Transition>()

/** 0: in flight, 1: succeeded, 2: final. */
const rank = (status: RefundStatus): 0 | 1 | 2 =>
  status === "Pending" || status === "RequiresAction" ? 0 : status === "Succeeded" ? 1 : 2

const stateOf = (status: RefundStatus, observation: Observation): State => ({
  status,
  occurredAt: observation.occurredAt
})

/** The next state of a refund, given its current state (undefined when none yet) and an observation. */
export const transition = (current: State | undefined, observation: Observation): Transition => {
  const observed = observation.status
  if (observed === "Unknown") return Transition.Unrecognised({ state: current, rawStatus: observation.rawStatus })
  if (current === undefined) {
    return Transition.Applied({ from: undefined, to: observed, state: stateOf(observed, observation) })
  }
  const from = current.status
  if (observed === from) return Transition.Unchanged({ state: current })
  if (isTerminal(from)) return Transition.Stale({ state: current, observed })

  if (from === "Succeeded") {
    switch (observed) {
      case "Failed":
      case "Reversed":
        return Transition.Applied({ from, to: "Reversed", state: stateOf("Reversed", observation) })
      case "Cancelled":
        return Transition.Rejected({ state: current, observed })
      default:
        return Transition.Stale({ state: current, observed })
    }
  }

  // from is Pending or RequiresAction
  if (rank(observed) > 0) return Transition.Applied({ from, to: observed, state: stateOf(observed, observation) })
  const isOlder = observation.occurredAt !== undefined && current.occurredAt !== undefined &&
    observation.occurredAt < current.occurredAt
  return isOlder
    ? Transition.Stale({ state: current, observed })
    : Transition.Applied({ from, to: observed, state: stateOf(observed, observation) })
}

/** The state after a transition (the previous one when nothing applied). */
export const stateAfter = (t: Transition): State | undefined => t.state

/** Folds many observations in order; handy for tests and replaying a history. */
export const replay = (observations: Iterable<Observation>, initial?: State): State | undefined => {
  let state = initial
  for (const o of observations) state = transition(state, o).state
  return state
}
