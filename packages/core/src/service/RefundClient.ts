/**
 * A refund client bound to one connector: create, get, lookup, recover, poll until settled.
 * `RefundService` hands these out by connector id; connector packages expose one as their
 * specific service (`StripeRefunds`), like `PgClient` next to the generic `SqlClient`.
 */
import { Clock, Duration, Effect, Option, Result, Schedule, Schema } from "effect"
import type { HttpClient } from "effect/http"
import type { BoundConnector } from "../connector/BoundConnector.ts"
import type { Capabilities, LookupRequest } from "../connector/Connector.ts"
import { InvalidRequest, RefundError, UnexpectedResponse, Unsupported } from "../error/RefundError.ts"
import * as Money from "../money/Money.ts"
import * as Idempotency from "../pipeline/Idempotency.ts"
import * as Executor from "../pipeline/Executor.ts"
import { observe } from "../refund/Observe.ts"
import type { RefundReason, RefundSnapshot } from "../refund/Refund.ts"
import { CreateRefundRequest, Refund, RefundReference } from "../refund/Refund.ts"
import type { ObservationSource } from "../refund/RefundStateMachine.ts"
import { isSettled } from "../refund/RefundStatus.ts"

/** Plain input for a refund; validated into a {@link CreateRefundRequest}. */
export interface CreateRefundInput {
  readonly merchantRefundId: string
  /** The processor's id of the payment to refund. */
  readonly connectorTransactionId: string
  /** Minor units with the currency: `{ amount: 1050, currency: "USD" }` is $10.50. */
  readonly amount: Money.Money | { readonly amount: number; readonly currency: string }
  readonly reason?: RefundReason | undefined
  readonly metadata?: Readonly<Record<string, string>> | undefined
}

/** A refund id string, or the full reference. */
export type ReferenceInput =
  | string
  | RefundReference
  | { readonly connectorRefundId: string; readonly connectorTransactionId?: string | undefined; readonly merchantRefundId?: string | undefined }

export interface PollOptions {
  /** Delays between reads. Default: exponential from 500 ms (x1.5), jittered, at most 15 s apart. */
  readonly schedule?: Schedule.Schedule<unknown, unknown> | undefined
  /** Give up after this long. Default 10 minutes. */
  readonly deadline?: Duration.Input | undefined
}

/** Polling gave up before the processor decided. `lastKnown` is the latest state read. */
export class RefundNotSettled extends Schema.TaggedError<RefundNotSettled>()("RefundNotSettled", {
  connector: Schema.String,
  lastKnown: Refund,
  waitedMillis: Schema.Number
}) {
  override get message(): string {
    return `${this.connector} refund ${this.lastKnown.connectorRefundId} still ${this.lastKnown.status} after ${this.waitedMillis} ms`
  }
}

export interface RefundClient {
  readonly connector: string
  readonly capabilities: Capabilities
  /** Initiates a refund. The idempotency key is derived from `merchantRefundId`: retrying the same input is safe. */
  readonly create: (input: CreateRefundInput) => Effect.Effect<Refund, RefundError>
  /** Reads the refund's status; with `previous`, folds the read through the state machine (no regression). */
  readonly get: (reference: ReferenceInput, previous?: Refund) => Effect.Effect<Refund, RefundError>
  /** Finds a refund by the merchant refund id (connectors with the `lookup` capability). */
  readonly lookup: (input: LookupRequest) => Effect.Effect<Option.Option<Refund>, RefundError>
  /**
   * Resolves an OutcomeUnknown without risking a second refund: looks the refund up where the
   * processor allows it, otherwise replays the create with the same idempotency key.
   */
  readonly recover: (input: CreateRefundInput) => Effect.Effect<Refund, RefundError>
  /** Reads until the refund is settled (Succeeded, Failed, Cancelled, Reversed) or the deadline passes. */
  readonly pollUntilSettled: (
    reference: ReferenceInput | Refund,
    options?: PollOptions
  ) => Effect.Effect<Refund, RefundError | RefundNotSettled>
}

const invalid = (connector: string, operation: "create" | "get" | "lookup", message: string, field?: string) =>
  new RefundError({
    connector,
    operation,
    reason: new InvalidRequest({ message, ...(field !== undefined ? { field } : {}) }),
    attempts: 0
  })

const schemaMessage = (error: Schema.SchemaError): string => error.message.replace(/\s+/g, " ").trim()

/** Validates create input: ids, amount (integer minor units, positive, known currency). */
export const decodeCreate = (connector: string, input: CreateRefundInput): Result.Result<CreateRefundRequest, RefundError> => {
  const amountInput = input.amount as { amount?: unknown; currency?: unknown } | undefined
  if (amountInput === undefined || typeof amountInput !== "object") {
    return Result.fail(invalid(connector, "create", "amount is required: { amount: <minor units>, currency: <ISO 4217> }", "amount"))
  }
  const money = Money.fromMinor(amountInput.amount as number, String(amountInput.currency))
  if (Result.isFailure(money)) return Result.fail(invalid(connector, "create", Money.describeProblem(money.failure), "amount"))
  if (money.success.amount === 0) return Result.fail(invalid(connector, "create", "amount must be greater than zero", "amount"))
  const decoded = Schema.decodeUnknownResult(CreateRefundRequest)({ ...input, amount: money.success })
  if (Result.isFailure(decoded)) return Result.fail(invalid(connector, "create", schemaMessage(decoded.failure)))
  return Result.succeed(decoded.success)
}

export const decodeReference = (connector: string, input: ReferenceInput): Result.Result<RefundReference, RefundError> => {
  if (input instanceof RefundReference) return Result.succeed(input)
  const raw = typeof input === "string" ? { connectorRefundId: input } : input
  const decoded = Schema.decodeUnknownResult(RefundReference)(raw)
  return Result.isFailure(decoded)
    ? Result.fail(invalid(connector, "get", schemaMessage(decoded.failure), "connectorRefundId"))
    : Result.succeed(decoded.success)
}

const defaultSchedule = Schedule.min([
  Schedule.exponential("500 millis", 1.5).pipe(Schedule.jittered),
  Schedule.spaced("15 seconds")
])

/** Builds the client. It captures the `HttpClient` it is built with. */
export const make = (bound: BoundConnector): Effect.Effect<RefundClient, never, HttpClient.HttpClient> =>
  Effect.gen(function*() {
    const services = yield* Effect.context<HttpClient.HttpClient>()
    const connector = bound.connector
    const id = bound.id
    const context = { credentials: bound.credentials, environment: bound.environment }

    const unsupported = (operation: "get" | "lookup", capability: string) =>
      new RefundError({
        connector: id,
        operation,
        reason: new Unsupported({
          message: `${connector.displayName} has no ${capability}; refund outcomes arrive by webhook`,
          capability
        }),
        attempts: 0
      })

    const fold = (snapshot: RefundSnapshot, source: ObservationSource, previous: Refund | undefined, request?: CreateRefundRequest) =>
      Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        const result = observe({ connector: id, previous, snapshot, source, now, request })
        if (Result.isFailure(result)) {
          return yield* new RefundError({
            connector: id,
            operation: source === "create" ? "create" : "get",
            reason: new UnexpectedResponse({ message: `unrecognised refund status ${JSON.stringify(result.failure.rawStatus)} and no previous state to keep` }),
            processorCode: result.failure.rawStatus
          })
        }
        const { refund, transition } = result.success
        if (transition._tag !== "Applied" && transition._tag !== "Unchanged") {
          yield* Effect.logWarning(`refract: ${transition._tag} observation ignored`, {
            connector: id,
            refund: refund.connectorRefundId,
            status: refund.status,
            observed: snapshot.status,
            rawStatus: snapshot.rawStatus
          })
        }
        return refund
      })

    const createRequest = (request: CreateRefundRequest) =>
      Effect.gen(function*() {
        const key = Idempotency.derive(request.merchantRefundId, connector.idempotencyKey)
        const snapshot = yield* Executor.run(bound, {
          operation: "create",
          flow: connector.create,
          input: request,
          context: { ...context, idempotencyKey: key },
          idempotency: { key, merchantRefundId: request.merchantRefundId }
        })
        return yield* fold(snapshot, "create", undefined, request)
      })

    const create = (input: CreateRefundInput) =>
      Effect.suspend(() => {
        const request = decodeCreate(id, input)
        return Result.isFailure(request) ? Effect.fail(request.failure) : createRequest(request.success)
      }).pipe(Effect.provideContext(services))

    const get = (reference: ReferenceInput, previous?: Refund) =>
      Effect.gen(function*() {
        const flow = connector.get
        if (flow === undefined || !connector.capabilities.get) return yield* unsupported("get", "refund-status endpoint")
        const decoded = decodeReference(id, reference)
        if (Result.isFailure(decoded)) return yield* decoded.failure
        const snapshot = yield* Executor.run(bound, { operation: "get", flow, input: decoded.success, context })
        return yield* fold(snapshot, "poll", previous)
      }).pipe(Effect.provideContext(services))

    const lookup = (input: LookupRequest) =>
      Effect.gen(function*() {
        const flow = connector.lookup
        if (flow === undefined || !connector.capabilities.lookup) return yield* unsupported("lookup", "lookup by merchant refund id")
        const found = yield* Executor.run(bound, { operation: "lookup", flow, input, context })
        if (Option.isNone(found)) return Option.none<Refund>()
        return Option.some(yield* fold(found.value, "poll", undefined))
      }).pipe(Effect.provideContext(services))

    const recover = (input: CreateRefundInput) =>
      Effect.gen(function*() {
        const request = decodeCreate(id, input)
        if (Result.isFailure(request)) return yield* request.failure
        if (connector.lookup !== undefined && connector.capabilities.lookup) {
          const found = yield* lookup({
            merchantRefundId: request.success.merchantRefundId,
            connectorTransactionId: request.success.connectorTransactionId
          })
          if (Option.isSome(found)) return found.value
        }
        // Not found, or no lookup: the same idempotency key makes this a replay, never a second refund.
        return yield* createRequest(request.success).pipe(Effect.provideContext(services))
      })

    const pollUntilSettled = (reference: ReferenceInput | Refund, options?: PollOptions) =>
      Effect.gen(function*() {
        let last: Refund | undefined = reference instanceof Refund ? reference : undefined
        if (last !== undefined && isSettled(last.status)) return last
        const ref = reference instanceof Refund ? reference.reference : reference
        const started = yield* Clock.currentTimeMillis
        const read = Effect.suspend(() => get(ref, last)).pipe(Effect.tap((r) => Effect.sync(() => (last = r))))
        const settled = yield* read.pipe(
          Effect.repeat({ schedule: options?.schedule ?? defaultSchedule, until: (r: Refund) => isSettled(r.status) }),
          Effect.timeoutOption(options?.deadline ?? Duration.minutes(10))
        )
        if (Option.isSome(settled) && last !== undefined && isSettled(last.status)) return last
        const waited = (yield* Clock.currentTimeMillis) - started
        if (last === undefined) {
          return yield* new RefundError({
            connector: id,
            operation: "get",
            reason: new UnexpectedResponse({ message: `no status read completed within ${waited} ms` })
          })
        }
        return yield* new RefundNotSettled({ connector: id, lastKnown: last, waitedMillis: waited })
      })

    return { connector: id, capabilities: connector.capabilities, create, get, lookup, recover, pollUntilSettled }
  })
