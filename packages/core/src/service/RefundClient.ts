/**
 * A refund client bound to one connector: create, get, lookup, cancel, recover, poll until settled.
 * `RefundService` hands these out by connector id; connector packages expose one as their
 * specific service (`StripeRefunds`), like `PgClient` next to the generic `SqlClient`.
 */
import { Clock, Duration, Effect, Option, Random, Result, Schedule, Schema } from "effect"
import { HttpClient } from "effect/http"
import type { BoundConnector } from "../connector/BoundConnector.ts"
import { type Capabilities, type Connector, type IdempotencyKeyRules, type ListPage, type ListRequest, type LookupRequest, replaysKeys } from "../connector/Connector.ts"
import { IdempotencyExpired, InvalidRequest, OutcomeUnknown, RefundError, UnexpectedResponse, Unsupported } from "../error/RefundError.ts"
import * as Money from "../money/Money.ts"
import * as Idempotency from "../pipeline/Idempotency.ts"
import * as Executor from "../pipeline/Executor.ts"
import { observe } from "../refund/Observe.ts"
import type { RefundReason, RefundSnapshot } from "../refund/Refund.ts"
import { CreateRefundRequest, Refund, RefundReference } from "../refund/Refund.ts"
import type { ObservationSource } from "../refund/RefundStateMachine.ts"
import { isSettled } from "../refund/RefundStatus.ts"
import type { Store } from "../store/RefundStore.ts"
import { CreateIntent, createdObservation, keyOf } from "../store/RefundStore.ts"

/** Plain input for a refund; validated into a {@link CreateRefundRequest}. */
export interface CreateRefundInput {
  readonly merchantRefundId: string
  /** The processor's id of the payment to refund. */
  readonly connectorTransactionId: string
  /**
   * Minor units with the currency: `{ amount: 1050, currency: "USD" }` is $10.50. Leave it out to
   * refund the whole remaining amount, where the connector declares `capabilities.fullRefundWithoutAmount`
   * (others fail with `Unsupported` before anything is sent); the refund's amount is then the processor's.
   */
  readonly amount?: Money.Money | { readonly amount: number; readonly currency: string } | undefined
  readonly reason?: RefundReason | undefined
  /** String to string; sent where the processor takes metadata (see the connector's docs) and read back on `refund.metadata`. */
  readonly metadata?: Readonly<Record<string, string>> | undefined
  /**
   * Your own idempotency key for this refund. Default: derived from `merchantRefundId`. Every attempt
   * Refract makes (retries, and `recover` or a repeated `create` of the same input) sends this key, so
   * pass the same one each time for the same refund, and never one key for two merchant refund ids.
   * It must fit the connector's rules (length, characters; see `connector.idempotencyKey`) and be
   * visible ASCII without spaces.
   */
  readonly idempotencyKey?: string | undefined
}

/** A refund id string, or the full reference. */
export type ReferenceInput =
  | string
  | RefundReference
  | { readonly connectorRefundId: string; readonly connectorTransactionId?: string | undefined; readonly merchantRefundId?: string | undefined }

export interface PollOptions {
  /** Delays between reads. Default: exponential from 500 ms (x1.5), jittered, at most 15 s apart. */
  readonly schedule?: Schedule.Schedule<unknown, unknown> | undefined
  /**
   * Give up after this long. Default 10 minutes. Reads that fail for a retryable reason (a 503, a
   * rate limit, a dropped connection) do not end the wait: the next read is tried on schedule.
   */
  readonly deadline?: Duration.Input | undefined
}

export interface RecoverOptions {
  /**
   * When the first attempt under the refund's idempotency key was sent (epoch ms): the
   * `firstAttemptAt` of the OutcomeUnknown being resolved. Needed, for a connector that cannot look
   * refunds up, when neither a RefundStore nor this process remembers it.
   */
  readonly firstAttemptAt?: number | undefined
}

export interface ClientOptions {
  /**
   * Where created refunds and create intents are kept. With a store, `create` first returns a refund
   * the store already has for the merchant refund id, records the intent (the idempotency key's first
   * use) before sending, and records the created refund; a recovery after a restart then knows
   * whether a same-key replay is still safe.
   */
  readonly store?: Store | undefined
}

/**
 * The reason of a {@link RefundNotSettled}: the processor has not decided yet. `lastKnown` is the
 * latest state read (still Pending or RequiresAction); waiting longer, or a webhook, will tell.
 */
export class NotSettled extends Schema.TaggedError<NotSettled>()("NotSettled", {
  message: Schema.String,
  lastKnown: Refund,
  waitedMillis: Schema.Number
}) {
  get isRetryable(): boolean {
    return true
  }
}

/**
 * Polling gave up before the processor decided. Like {@link RefundError} it has a `reason` with a
 * `_tag` (always `NotSettled`), so Promise code can `switch (error.reason._tag)` over every rejection
 * of `PaymentClient`, and Effect code can `Effect.catchTag("RefundNotSettled", ...)`.
 */
export class RefundNotSettled extends Schema.TaggedError<RefundNotSettled>()("RefundNotSettled", {
  connector: Schema.String,
  reason: NotSettled
}) {
  static readonly NotSettled = NotSettled

  static fromLastKnown(connector: string, lastKnown: Refund, waitedMillis: number): RefundNotSettled {
    return new RefundNotSettled({
      connector,
      reason: new NotSettled({
        message: `refund ${lastKnown.connectorRefundId} still ${lastKnown.status} after ${waitedMillis} ms`,
        lastKnown,
        waitedMillis
      })
    })
  }
  /** The latest state read (the reason's `lastKnown`). */
  get lastKnown(): Refund {
    return this.reason.lastKnown
  }
  get waitedMillis(): number {
    return this.reason.waitedMillis
  }
  /** Waiting longer may settle it. */
  get isRetryable(): boolean {
    return true
  }
  override get message(): string {
    return `${this.connector} ${this.reason.message}`
  }
}

export interface RefundClient {
  readonly connector: string
  readonly capabilities: Capabilities
  /** The connector this client runs (its listing limits, report parser, rate limit). */
  readonly definition: Connector
  /**
   * Initiates a refund. The idempotency key is derived from `merchantRefundId`: retrying the same input
   * is safe. A create whose earlier attempt's outcome is unknown resolves it first, as `recover` does.
   */
  readonly create: (input: CreateRefundInput) => Effect.Effect<Refund, RefundError>
  /** Reads the refund's status; with `previous`, folds the read through the state machine (no regression). */
  readonly get: (reference: ReferenceInput, previous?: Refund) => Effect.Effect<Refund, RefundError>
  /** Finds a refund by the merchant refund id (connectors with the `lookup` capability). */
  readonly lookup: (input: LookupRequest) => Effect.Effect<Option.Option<Refund>, RefundError>
  /**
   * Cancels a refund the processor still holds (connectors with the `cancelRefund` capability; others
   * fail with `Unsupported` before anything is sent). Returns the refund as the processor answers it,
   * folded through the state machine like a status read (with `previous`, or the store's refund) and
   * recorded in the store when there is one. A refund the processor will not cancel (Stripe: any but
   * `requires_action`, an already cancelled one included) fails with the processor's refusal.
   * Retries within one call send the same idempotency key; cancelling moves no money.
   */
  readonly cancel: (reference: ReferenceInput, previous?: Refund) => Effect.Effect<Refund, RefundError>
  /**
   * Resolves an OutcomeUnknown without risking a second refund: looks the refund up where the
   * processor allows it, otherwise replays the create with the same idempotency key, but only while
   * the processor still remembers the key (its window, from the first attempt): after that, or when
   * the first attempt's time is unknown, it fails with IdempotencyExpired instead of sending blind.
   */
  readonly recover: (input: CreateRefundInput, options?: RecoverOptions) => Effect.Effect<Refund, RefundError>
  /**
   * Reads one page of the processor's refund listing (connectors with the `list` capability; others
   * fail with `Unsupported` before anything is sent). A read: retried like `get`, never folded or
   * stored (the Reconciler decides what to do with what it lists). The window must fit the
   * connector's `maxWindowMillis` and the page size its `maxPageSize`.
   */
  readonly listPage: (request: ListRequest) => Effect.Effect<ListPage, RefundError>
  /** Reads until the refund is settled (Succeeded, Failed, Cancelled, Reversed) or the deadline passes. */
  readonly pollUntilSettled: (
    reference: ReferenceInput | Refund,
    options?: PollOptions
  ) => Effect.Effect<Refund, RefundError | RefundNotSettled>
}

const invalid = (connector: string, operation: "create" | "get" | "lookup" | "cancel" | "list", message: string, field?: string) =>
  new RefundError({
    connector,
    operation,
    reason: new InvalidRequest({ message, ...(field !== undefined ? { field } : {}) }),
    attempts: 0
  })

const schemaMessage = (error: Schema.SchemaError): string => error.message.replace(/\s+/g, " ").trim()

const visibleAscii = /^[\x21-\x7E]+$/

/**
 * Checks a caller's idempotency key against the processor's rules (the same `IdempotencyKeyRules`
 * `Idempotency.derive` fits its keys to); a message when it does not fit.
 */
export const idempotencyKeyProblem = (key: string, rules: IdempotencyKeyRules): string | undefined => {
  if (key.length === 0 || key.length > rules.maxLength || key.length < (rules.minLength ?? 1)) {
    return `idempotencyKey must be ${rules.minLength ?? 1} to ${rules.maxLength} characters, got ${key.length}`
  }
  if (!visibleAscii.test(key)) return "idempotencyKey must be visible ASCII characters without spaces"
  if (rules.pattern !== undefined && !rules.pattern.test(key)) return `idempotencyKey must match ${rules.pattern.source}`
  return undefined
}

/** Validates create input: ids, amount when given (integer minor units, positive, known currency). */
export const decodeCreate = (connector: string, input: CreateRefundInput): Result.Result<CreateRefundRequest, RefundError> => {
  const amountInput = input.amount as { amount?: unknown; currency?: unknown } | undefined | null
  let amount: Money.Money | undefined
  if (amountInput !== undefined) {
    if (amountInput === null || typeof amountInput !== "object") {
      return Result.fail(invalid(connector, "create", "amount is { amount: <minor units>, currency: <ISO 4217> }, or left out for a full refund", "amount"))
    }
    const money = Money.fromMinor(amountInput.amount as number, String(amountInput.currency))
    if (Result.isFailure(money)) return Result.fail(invalid(connector, "create", Money.describeProblem(money.failure), "amount"))
    if (money.success.amount === 0) return Result.fail(invalid(connector, "create", "amount must be greater than zero", "amount"))
    amount = money.success
  }
  const { amount: _, ...rest } = input
  const decoded = Schema.decodeUnknownResult(CreateRefundRequest)(amount !== undefined ? { ...rest, amount } : rest)
  if (Result.isFailure(decoded)) return Result.fail(invalid(connector, "create", schemaMessage(decoded.failure)))
  return Result.succeed(decoded.success)
}

export const decodeReference = (
  connector: string,
  input: ReferenceInput,
  operation: "get" | "cancel" = "get"
): Result.Result<RefundReference, RefundError> => {
  if (input instanceof RefundReference) return Result.succeed(input)
  const raw = typeof input === "string" ? { connectorRefundId: input } : input
  const decoded = Schema.decodeUnknownResult(RefundReference)(raw)
  return Result.isFailure(decoded)
    ? Result.fail(invalid(connector, operation, schemaMessage(decoded.failure), "connectorRefundId"))
    : Result.succeed(decoded.success)
}

/** Why a listing request cannot be sent as it is, if it cannot. */
const listProblem = (request: ListRequest, maxPageSize: number, maxWindowMillis: number | undefined): string | undefined => {
  const { from, to } = request.window
  if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || from >= to) return "the window must be whole epoch milliseconds with from < to"
  if (maxWindowMillis !== undefined && to - from > maxWindowMillis) return `the window is longer than the processor allows (${maxWindowMillis} ms)`
  if (!Number.isSafeInteger(request.pageSize) || request.pageSize < 1 || request.pageSize > maxPageSize) {
    return `the page size must be 1 to ${maxPageSize}`
  }
  return undefined
}

const defaultSchedule = Schedule.min([
  Schedule.exponential("500 millis", 1.5).pipe(Schedule.jittered),
  Schedule.spaced("15 seconds")
])

/** Builds the client. It captures the `HttpClient` it is built with. */
export const make = (bound: BoundConnector, options: ClientOptions = {}): Effect.Effect<RefundClient, never, HttpClient.HttpClient> =>
  Effect.gen(function*() {
    // Captured once: every call sends through it (providing a context per call cost more than the call's own work).
    const http = yield* HttpClient.HttpClient
    const connector = bound.connector
    const id = bound.id
    const store = options.store
    const context = { credentials: bound.credentials, environment: bound.environment }

    const unsupported = (operation: "get" | "lookup" | "list", capability: string) =>
      new RefundError({
        connector: id,
        operation,
        reason: new Unsupported({
          message: `${connector.displayName} has no ${capability}; refund outcomes arrive by webhook`,
          capability
        }),
        attempts: 0
      })

    const storeFailure = (operation: "create" | "get" | "cancel", message: string) =>
      new RefundError({ connector: id, operation, reason: new UnexpectedResponse({ message: `refund store: ${message}` }) })

    const fold = (
      snapshot: RefundSnapshot,
      source: ObservationSource,
      previous: Refund | undefined,
      request?: CreateRefundRequest,
      observedAt?: number,
      operation: "create" | "get" | "cancel" = source === "create" ? "create" : "get"
    ) =>
      Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        const result = observe({ connector: id, previous, snapshot, source, now, observedAt, request })
        if (Result.isFailure(result)) {
          return yield* new RefundError({
            connector: id,
            operation,
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

    const lookupFlow = (input: LookupRequest) =>
      Effect.gen(function*() {
        const flow = connector.lookup
        if (flow === undefined || !connector.capabilities.lookup) return yield* unsupported("lookup", "lookup by merchant refund id")
        const found = yield* Executor.runWith(http, bound, { operation: "lookup", flow, input, context })
        if (Option.isNone(found)) return Option.none<Refund>()
        return Option.some(yield* fold(found.value, "poll", undefined))
      })

    const keyMismatch = (mrid: string) =>
      new RefundError({
        connector: id,
        operation: "create",
        attempts: 0,
        reason: new InvalidRequest({
          message: `refund ${mrid} was first sent with another idempotency key: pass the same idempotencyKey (or none, if none was given) ` +
            `for every create and recover of one refund, or a replay could refund twice`,
          field: "idempotencyKey"
        })
      })

    const canLookup = connector.lookup !== undefined && connector.capabilities.lookup
    const windowMillis = connector.idempotencyKey.windowMillis

    /** Records a refund the processor has, and ends its create intent (best effort: the refund is real either way). */
    const remember = (refund: Refund, request: CreateRefundRequest, observedAt: number) =>
      Effect.gen(function*() {
        bound.firstAttempts.delete(request.merchantRefundId)
        bound.firstKeys.delete(request.merchantRefundId)
        if (store === undefined) return
        const now = yield* Clock.currentTimeMillis
        yield* store.apply({ ...createdObservation(refund, now, request), observedAt }).pipe(
          Effect.andThen(store.endCreate(id, request.merchantRefundId, { state: "Created", connectorRefundId: refund.connectorRefundId }, now)),
          Effect.catch((e) => Effect.logWarning("refract: the refund exists but could not be recorded in the store", { connector: id, error: e.message }))
        )
      })

    /**
     * Creates a refund, or resolves an earlier create of the same merchant refund id whose outcome is
     * unknown: the refund the store knows, else a lookup where the processor has one, else a replay
     * under the same key while the processor still remembers it. Never a blind second create.
     */
    const createOrRecover = (request: CreateRefundRequest, recovering: boolean, hint?: RecoverOptions) =>
      Effect.gen(function*() {
        const mrid = request.merchantRefundId
        const key = request.idempotencyKey ?? Idempotency.derive(mrid, connector.idempotencyKey)
        const now = yield* Clock.currentTimeMillis
        const firstKey = bound.firstKeys.get(mrid)
        if (firstKey !== undefined && firstKey !== key) return yield* keyMismatch(mrid)

        if (store !== undefined) {
          const known = yield* store.getByMerchantRefundId(mrid, id).pipe(Effect.mapError((e) => storeFailure("create", e.message)))
          if (Option.isSome(known)) return known.value
        }

        // When was the key first used, by an earlier create of this refund?
        let earlier = hint?.firstAttemptAt ?? bound.firstAttempts.get(mrid)
        if (store !== undefined) {
          const intent = yield* store.beginCreate(new CreateIntent({
            connector: id,
            merchantRefundId: mrid,
            idempotencyKey: key,
            firstAttemptAt: earlier ?? now,
            state: "Pending",
            request,
            updatedAt: now
          })).pipe(Effect.mapError((e) => storeFailure("create", e.message)))
          // The processor knows the refund by the key it was first sent with: another key would be a second refund.
          if (intent.idempotencyKey !== key && intent.state !== "Failed") return yield* keyMismatch(mrid)
          if (intent.firstAttemptAt < now || intent.state !== "Pending") earlier = Math.min(earlier ?? Infinity, intent.firstAttemptAt)
        }
        if (!bound.firstAttempts.has(mrid)) bound.firstAttempts.set(mrid, earlier ?? now)
        if (!bound.firstKeys.has(mrid)) bound.firstKeys.set(mrid, key)

        if (recovering || earlier !== undefined) {
          let absent = false
          if (canLookup) {
            // Until the lookup answers, the earlier create's outcome stays unknown, whatever went wrong.
            const found = yield* lookupFlow({ merchantRefundId: mrid, connectorTransactionId: request.connectorTransactionId }).pipe(
              Effect.mapError((error) =>
                Executor.isDefinitive(error.reason)
                  ? error
                  : new RefundError({
                    ...error,
                    operation: "create",
                    reason: new OutcomeUnknown({
                      message: `the earlier create's outcome is still unknown: the lookup failed (${error.reason._tag}: ${error.reason.message})`,
                      idempotencyKey: key,
                      merchantRefundId: mrid,
                      firstAttemptAt: earlier
                    })
                  })
              )
            )
            if (Option.isSome(found)) {
              yield* remember(found.value, request, now)
              return found.value
            }
            // Where a lookup also finds pending refunds, finding none proves there is none: a create (a
            // replay while the key lives, a new request after) is then safe.
            absent = connector.capabilities.lookupFindsPending
          }
          if (!absent) {
            const expires = earlier === undefined ? undefined : earlier + windowMillis
            if (expires === undefined || now + bound.timeouts.totalMillis >= expires) {
              return yield* new RefundError({
                connector: id,
                operation: "create",
                attempts: 0,
                reason: new IdempotencyExpired({
                  message: !replaysKeys(connector.idempotencyKey)
                    ? `${connector.displayName} does not de-duplicate creates and ${canLookup ? "its lookup did not find" : "cannot look up"} ` +
                      `the refund ${mrid}: sending it again could refund twice. Find it at ${connector.displayName}`
                    : earlier === undefined
                    ? `when the idempotency key of ${mrid} was first used is not known, and ${connector.displayName} cannot look refunds up: ` +
                      `a replay could refund twice. Pass firstAttemptAt from the OutcomeUnknown, or find the refund at ${connector.displayName}`
                    : `${connector.displayName} keeps idempotency keys for ${Math.round(windowMillis / 3_600_000)} h and the key of ${mrid} ` +
                      `was first used ${Math.round((now - earlier) / 60_000)} min ago: a replay would be a new refund. Find it at ${connector.displayName}`,
                  idempotencyKey: key,
                  merchantRefundId: mrid,
                  firstAttemptAt: earlier,
                  windowMillis
                })
              })
            }
          }
        }

        const sentAt = earlier ?? now
        const result = yield* Executor.runWith(http, bound, {
          operation: "create",
          flow: connector.create,
          input: request,
          context: { ...context, idempotencyKey: key },
          idempotency: { key, merchantRefundId: mrid, firstAttemptAt: earlier }
        }).pipe(Effect.result)
        if (Result.isFailure(result)) {
          const error = result.failure
          if (error.reason._tag !== "OutcomeUnknown" && Executor.isDefinitive(error.reason)) {
            bound.firstAttempts.delete(mrid)
            bound.firstKeys.delete(mrid)
            if (store !== undefined) {
              yield* store.endCreate(id, mrid, { state: "Failed" }, yield* Clock.currentTimeMillis).pipe(
                Effect.catch((e) => Effect.logWarning("refract: could not record a refused create", { connector: id, error: e.message }))
              )
            }
          }
          return yield* error
        }
        // A create answer reflects the state when the request was first processed (a replay returns it).
        const refund = yield* fold(result.success, "create", undefined, request, sentAt)
        const requested = request.amount
        if (
          requested !== undefined && refund.amount !== undefined &&
          (refund.amount.amount !== requested.amount || refund.amount.currency !== requested.currency)
        ) {
          yield* Effect.logWarning("refract: the processor refunded another amount than requested", {
            connector: id,
            refund: refund.connectorRefundId,
            requested: requested.toString(),
            refunded: refund.amount.toString()
          })
        }
        yield* remember(refund, request, sentAt)
        return refund
      })

    /** Input checks that need the connector: nothing is sent when they fail. */
    const decodeFor = (input: CreateRefundInput): Result.Result<CreateRefundRequest, RefundError> => {
      const request = decodeCreate(id, input)
      if (Result.isFailure(request)) return request
      if (request.success.amount === undefined && !connector.capabilities.fullRefundWithoutAmount) {
        return Result.fail(new RefundError({
          connector: id,
          operation: "create",
          attempts: 0,
          reason: new Unsupported({
            message: `${connector.displayName} needs the amount of every refund: pass amount (the payment's full amount for a full refund)`,
            capability: "fullRefundWithoutAmount"
          })
        }))
      }
      const key = request.success.idempotencyKey
      const problem = key === undefined ? undefined : idempotencyKeyProblem(key, connector.idempotencyKey)
      if (problem !== undefined) return Result.fail(invalid(id, "create", `${problem} (${connector.displayName})`, "idempotencyKey"))
      return request
    }

    const create = (input: CreateRefundInput) =>
      Effect.suspend(() => {
        const request = decodeFor(input)
        return Result.isFailure(request) ? Effect.fail(request.failure) : createOrRecover(request.success, false)
      })

    const get = (reference: ReferenceInput, previous?: Refund) =>
      Effect.gen(function*() {
        const flow = connector.get
        if (flow === undefined || !connector.capabilities.get) return yield* unsupported("get", "refund-status endpoint")
        const decoded = decodeReference(id, reference)
        if (Result.isFailure(decoded)) return yield* decoded.failure
        const snapshot = yield* Executor.runWith(http, bound, { operation: "get", flow, input: decoded.success, context })
        return yield* fold(snapshot, "poll", previous)
      })

    const lookup = (input: LookupRequest) => lookupFlow(input)

    const listPage = (request: ListRequest) =>
      Effect.suspend(() => {
        const listing = connector.list
        if (listing === undefined || !connector.capabilities.list) {
          return Effect.fail(
            new RefundError({
              connector: id,
              operation: "list",
              reason: new Unsupported({ message: `${connector.displayName} cannot list refunds; reconcile it from its reports`, capability: "list" }),
              attempts: 0
            })
          )
        }
        const problem = listProblem(request, listing.maxPageSize, listing.maxWindowMillis)
        if (problem !== undefined) return Effect.fail(invalid(id, "list", problem))
        return Executor.runWith(http, bound, { operation: "list", flow: listing.page, input: request, context })
      })

    const cancel = (reference: ReferenceInput, previous?: Refund) =>
      Effect.gen(function*() {
        const flow = connector.cancel
        if (flow === undefined || !connector.capabilities.cancelRefund) {
          return yield* new RefundError({
            connector: id,
            operation: "cancel",
            reason: new Unsupported({ message: `${connector.displayName} refunds cannot be cancelled through its API`, capability: "cancelRefund" }),
            attempts: 0
          })
        }
        const decoded = decodeReference(id, reference, "cancel")
        if (Result.isFailure(decoded)) return yield* decoded.failure
        // One key per call, the same on every attempt: a retry after a lost answer gets the first answer back.
        const nonce = (yield* Effect.forEach(Array.from({ length: 4 }), () => Random.nextIntBetween(0, 0xffffffff)))
          .map((n) => n.toString(16).padStart(8, "0")).join("")
        const idempotencyKey = Idempotency.derive(`cancel-${nonce}`, connector.idempotencyKey)
        const snapshot = yield* Executor.runWith(http, bound, { operation: "cancel", flow, input: decoded.success, context: { ...context, idempotencyKey } })
        let known = previous
        if (known === undefined && store !== undefined) {
          known = Option.getOrUndefined(
            yield* store.get(keyOf({ connector: id, connectorRefundId: decoded.success.connectorRefundId })).pipe(
              Effect.catch((e) => Effect.as(Effect.logWarning("refract: could not read the refund from the store", { connector: id, error: e.message }), Option.none()))
            )
          )
        }
        const refund = yield* fold(snapshot, "poll", known, undefined, undefined, "cancel")
        if (store !== undefined) {
          const receivedAt = yield* Clock.currentTimeMillis
          yield* store.apply({ connector: id, snapshot, source: "poll", receivedAt }).pipe(
            Effect.catch((e) => Effect.logWarning("refract: the cancelled refund could not be recorded in the store", { connector: id, error: e.message }))
          )
        }
        return refund
      })

    const recover = (input: CreateRefundInput, recoverOptions?: RecoverOptions) =>
      Effect.suspend(() => {
        const request = decodeFor(input)
        return Result.isFailure(request) ? Effect.fail(request.failure) : createOrRecover(request.success, true, recoverOptions)
      })

    const pollUntilSettled = (reference: ReferenceInput | Refund, pollOptions?: PollOptions) =>
      Effect.gen(function*() {
        let last: Refund | undefined = reference instanceof Refund ? reference : undefined
        if (last !== undefined && isSettled(last.status)) return last
        const ref = reference instanceof Refund ? reference.reference : reference
        const started = yield* Clock.currentTimeMillis
        let lastError: RefundError | undefined
        // A retryable failure is one more read that told nothing: the wait goes on until the deadline.
        const read = Effect.suspend(() => get(ref, last)).pipe(
          Effect.map((r) => {
            last = r
            lastError = undefined
            return isSettled(r.status)
          }),
          Effect.catchIf((e): e is RefundError => e.isRetryable, (e) => Effect.sync(() => {
            lastError = e
            return false
          }))
        )
        const settled = yield* read.pipe(
          Effect.repeat({ schedule: pollOptions?.schedule ?? defaultSchedule, until: (done: boolean) => done }),
          Effect.timeoutOption(pollOptions?.deadline ?? Duration.minutes(10))
        )
        if (Option.isSome(settled) && last !== undefined && isSettled(last.status)) return last
        const waited = (yield* Clock.currentTimeMillis) - started
        if (last === undefined) {
          if (lastError !== undefined) return yield* lastError
          return yield* new RefundError({
            connector: id,
            operation: "get",
            reason: new UnexpectedResponse({ message: `no status read completed within ${waited} ms` })
          })
        }
        return yield* RefundNotSettled.fromLastKnown(id, last, waited)
      })

    return { connector: id, capabilities: connector.capabilities, definition: connector, create, get, lookup, cancel, recover, listPage, pollUntilSettled }
  })
