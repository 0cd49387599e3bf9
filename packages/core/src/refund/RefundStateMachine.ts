/**
 * The refund state machine: a pure function from (what is known, one observation) to a transition.
 *
 * Observations arrive from three sources (the create response, status reads, webhooks), in any
 * order, more than once, and concurrently. Arrival order says nothing about the refund, so the
 * state machine never uses it. It keeps, for each kind of status, the latest observation of that
 * kind (its {@link Evidence}), and derives the status from that evidence alone. Merging evidence is
 * commutative, associative and idempotent, so the same observations give the same state in every
 * arrival order, duplicates included. The rules:
 *
 * 1. Every observation carries a time (`at`, epoch ms): the processor's event time for webhooks, the
 *    processor's update time for reads that have one, otherwise the time Refract read or received it
 *    (a create answer is stamped with the first attempt's time, because an idempotent replay returns
 *    the original, older answer).
 * 2. Times are compared by whole second: processors stamp events in seconds (Stripe, Razorpay,
 *    Adyen, PayPal), so a read made later within the same second must not beat the event of that
 *    second. Within one second, precedence decides: RequiresAction over Pending, Failed over
 *    Cancelled (the status further along); then the exact time; then the raw status text, then the
 *    failure details, so that even a tie has one answer.
 * 3. Progress only moves forward. In flight (Pending, RequiresAction) < settled: once the processor
 *    has decided, no in-flight observation, however new its time, moves the refund back. Between
 *    the two in-flight statuses, and between Failed and Cancelled, the later time wins.
 * 4. Success is never hidden. Once any observation shows the refund succeeded, its status is
 *    Succeeded or Reversed from then on. A Cancelled observation then contradicts the evidence and is
 *    Rejected (a processor only cancels refunds that have not succeeded).
 * 5. Success and failure together are a reversal. A refund seen Succeeded and seen Failed, in either
 *    order, succeeded and then failed (Failed is final at every processor), so it is Reversed. A
 *    connector whose processor says so itself (Stripe's `previous_attributes.status: succeeded`,
 *    Adyen's REFUND_FAILED) reports Reversed directly.
 * 6. An Unknown status (one the connector does not recognise) changes nothing and is reported as
 *    Unrecognised.
 *
 * The transition's tag says what an observation did: Applied (the status changed), Unchanged (it
 * agrees with the status), Stale (older or already superseded evidence), Rejected (it contradicts
 * rule 4), Unrecognised (rule 6).
 */
import { Data } from "effect"
import type { ObservedStatus, RefundStatus } from "./RefundStatus.ts"

/** Where an observation came from; `reconcile` is a processor listing or report read by the Reconciler. */
export type ObservationSource = "create" | "poll" | "webhook" | "reconcile"

export interface Failure {
  readonly code?: string | undefined
  readonly message?: string | undefined
}

export interface Observation {
  readonly status: ObservedStatus
  /** The processor's own status string, kept verbatim for support and reconciliation. */
  readonly rawStatus: string
  readonly source: ObservationSource
  /** When this status held, epoch ms (see rule 1). */
  readonly at: number
  /** Error details the processor attached to a failed refund. */
  readonly failure?: Failure | undefined
}

/** One observation as evidence: a status (never Unknown), its raw text and its time. */
export interface Mark {
  readonly status: RefundStatus
  readonly rawStatus: string
  readonly at: number
  readonly failure?: Failure | undefined
}

/** The latest observation of each kind of status. */
export interface Evidence {
  /** Pending or RequiresAction. */
  readonly inFlight?: Mark | undefined
  readonly succeeded?: Mark | undefined
  readonly failed?: Mark | undefined
  readonly cancelled?: Mark | undefined
  readonly reversed?: Mark | undefined
}

/** The derived state: the status with the observation it comes from, and the evidence behind it. */
export interface State {
  readonly status: RefundStatus
  readonly rawStatus: string
  /** Time of the observation that set the status (epoch ms). */
  readonly occurredAt: number
  readonly failure?: Failure | undefined
  readonly evidence: Evidence
}

export type Transition = Data.TaggedEnum<{
  /** The status changed. `from` is undefined for the first observation of a refund. */
  Applied: { readonly from: RefundStatus | undefined; readonly to: RefundStatus; readonly state: State }
  /** The observation agrees with the status (it may carry a newer time). */
  Unchanged: { readonly state: State }
  /** The observation is older than, or superseded by, what is known: the status is kept. */
  Stale: { readonly state: State; readonly observed: RefundStatus }
  /** The processor reported a status the connector does not know: the state is kept. */
  Unrecognised: { readonly state: State | undefined; readonly rawStatus: string }
  /** The observation contradicts the evidence (Cancelled after a success): the status is kept. */
  Rejected: { readonly state: State; readonly observed: RefundStatus }
}>
export const Transition = Data.taggedEnum<Transition>()

type Kind = keyof Evidence

const kindOf = (status: RefundStatus): Kind => {
  switch (status) {
    case "Pending":
    case "RequiresAction":
      return "inFlight"
    case "Succeeded":
      return "succeeded"
    case "Failed":
      return "failed"
    case "Cancelled":
      return "cancelled"
    case "Reversed":
      return "reversed"
  }
}

/** Within one second, the status further along wins (rule 2). */
const precedence = (status: RefundStatus): number => (status === "RequiresAction" || status === "Failed" ? 1 : 0)

const second = (at: number): number => Math.floor(at / 1000)

/** Orders two optional texts: absent first, then by UTF-16 code units. */
const compareText = (a: string | undefined, b: string | undefined): number =>
  a === undefined || b === undefined ? Number(a !== undefined) - Number(b !== undefined) : Number(a > b) - Number(a < b)

/**
 * Orders two marks by (second, precedence, exact time, raw status, failure details): positive when
 * `a` is later. The failure details (present after absent, then code, then message) only decide
 * between marks equal in everything else, so that the kept details never depend on arrival order.
 */
export const compareMarks = (a: Mark, b: Mark): number =>
  second(a.at) - second(b.at) ||
  precedence(a.status) - precedence(b.status) ||
  a.at - b.at ||
  compareText(a.rawStatus, b.rawStatus) ||
  Number(a.failure !== undefined) - Number(b.failure !== undefined) ||
  compareText(a.failure?.code, b.failure?.code) ||
  compareText(a.failure?.message, b.failure?.message)

/** The later of two marks (either may be missing). */
const later = (a: Mark | undefined, b: Mark | undefined): Mark | undefined =>
  a === undefined ? b : b === undefined ? a : compareMarks(b, a) > 0 ? b : a

const markOf = (status: RefundStatus, observation: Observation): Mark => ({
  status,
  rawStatus: observation.rawStatus,
  at: observation.at,
  ...(observation.failure !== undefined ? { failure: observation.failure } : {})
})

/** Adds one observation of a known status to the evidence. */
export const merge = (evidence: Evidence | undefined, status: RefundStatus, observation: Observation): Evidence => {
  const kind = kindOf(status)
  return { ...evidence, [kind]: later(evidence?.[kind], markOf(status, observation)) }
}

/** The state the evidence stands for (rules 3 to 5); undefined when there is none. */
export const derive = (evidence: Evidence): State | undefined => {
  const failure = later(evidence.reversed, evidence.failed)
  let mark: Mark | undefined
  if ((evidence.succeeded !== undefined || evidence.reversed !== undefined) && failure !== undefined) {
    mark = { ...failure, status: "Reversed" }
  } else {
    mark = evidence.succeeded ?? later(evidence.failed, evidence.cancelled) ?? evidence.inFlight
  }
  if (mark === undefined) return undefined
  return {
    status: mark.status,
    rawStatus: mark.rawStatus,
    occurredAt: mark.at,
    ...(mark.failure !== undefined ? { failure: mark.failure } : {}),
    evidence
  }
}

/** Evidence for a refund known only by its current status (records kept before evidence existed). */
export const evidenceOf = (state: { readonly status: RefundStatus; readonly rawStatus: string; readonly at: number; readonly failure?: Failure | undefined }): Evidence => ({
  [kindOf(state.status)]: {
    status: state.status,
    rawStatus: state.rawStatus,
    at: state.at,
    ...(state.failure !== undefined ? { failure: state.failure } : {})
  }
})

const succeededOrReversed = (status: RefundStatus): boolean => status === "Succeeded" || status === "Reversed"

/** What one observation does to the evidence known so far (undefined when none). */
export const transition = (evidence: Evidence | undefined, observation: Observation): Transition => {
  const before = evidence === undefined ? undefined : derive(evidence)
  const observed = observation.status
  if (observed === "Unknown") return Transition.Unrecognised({ state: before, rawStatus: observation.rawStatus })
  const after = derive(merge(evidence, observed, observation))!
  if (before === undefined || after.status !== before.status) {
    return Transition.Applied({ from: before?.status, to: after.status, state: after })
  }
  if (observed === after.status || (observed === "Failed" && after.status === "Reversed")) return Transition.Unchanged({ state: after })
  if (observed === "Cancelled" && succeededOrReversed(after.status)) return Transition.Rejected({ state: after, observed })
  return Transition.Stale({ state: after, observed })
}

/** Folds many observations; the result does not depend on their order. */
export const replay = (observations: Iterable<Observation>, initial?: Evidence): State | undefined => {
  let evidence = initial
  for (const o of observations) evidence = transition(evidence, o).state?.evidence ?? evidence
  return evidence === undefined ? undefined : derive(evidence)
}
