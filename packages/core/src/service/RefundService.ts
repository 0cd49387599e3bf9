/**
 * The generic refund service for Effect programs: pick a connector by id, create, read, cancel, poll.
 *
 * Like `SqlClient` in effect/sql, generic code depends on `RefundService` while the connector
 * packages stay available for processor-specific needs (`StripeRefunds`, `AdyenRefunds`).
 */
import { Context, Effect, Layer, Option } from "effect"
import type { HttpClient } from "effect/http"
import type { Capabilities, LookupRequest } from "../connector/Connector.ts"
import type { RefundError } from "../error/RefundError.ts"
import type { Refund } from "../refund/Refund.ts"
import { RefundStore } from "../store/RefundStore.ts"
import { ConnectorRegistry } from "./ConnectorRegistry.ts"
import type { CreateRefundInput, PollOptions, RecoverOptions, ReferenceInput, RefundClient, RefundNotSettled } from "./RefundClient.ts"
import * as RefundClientModule from "./RefundClient.ts"

export interface ConnectorInfo {
  readonly id: string
  readonly displayName: string
  readonly environment: string
  readonly baseUrl: string
  readonly capabilities: Capabilities
}

export interface Service {
  /** The client for one connector (cached). */
  readonly client: (connector: string) => Effect.Effect<RefundClient, RefundError>
  readonly create: (connector: string, input: CreateRefundInput) => Effect.Effect<Refund, RefundError>
  readonly get: (connector: string, reference: ReferenceInput, previous?: Refund) => Effect.Effect<Refund, RefundError>
  readonly lookup: (connector: string, input: LookupRequest) => Effect.Effect<Option.Option<Refund>, RefundError>
  /** Cancels a refund where the connector can (`capabilities.cancelRefund`); `Unsupported` otherwise, before any request. */
  readonly cancel: (connector: string, reference: ReferenceInput, previous?: Refund) => Effect.Effect<Refund, RefundError>
  readonly recover: (connector: string, input: CreateRefundInput, options?: RecoverOptions) => Effect.Effect<Refund, RefundError>
  readonly pollUntilSettled: (
    connector: string,
    reference: ReferenceInput | Refund,
    options?: PollOptions
  ) => Effect.Effect<Refund, RefundError | RefundNotSettled>
  readonly connectors: Effect.Effect<ReadonlyArray<ConnectorInfo>>
}

/**
 * When a `RefundStore` is in the context the service is built in, every client uses it: `create`
 * returns a refund the store already has, records its intent before sending and the created refund
 * after (see `RefundClient.ClientOptions`).
 */
export class RefundService extends Context.Service<RefundService, Service>()("@refract/core/RefundService") {
  static readonly make: Effect.Effect<Service, never, ConnectorRegistry | HttpClient.HttpClient> = Effect.gen(function*() {
    const registry = yield* ConnectorRegistry
    const services = yield* Effect.context<HttpClient.HttpClient>()
    const store = Option.getOrUndefined(yield* Effect.serviceOption(RefundStore))
    const clients = new Map<string, RefundClient>()
    const client = (connector: string) =>
      Effect.gen(function*() {
        const cached = clients.get(connector)
        if (cached !== undefined) return cached
        const bound = yield* registry.get(connector)
        const made = yield* RefundClientModule.make(bound, { store }).pipe(Effect.provideContext(services))
        clients.set(connector, made)
        return made
      })
    /** With the connector's client: straight away once it is built (the common case), else after building it. */
    const withClient = <A, E>(connector: string, f: (client: RefundClient) => Effect.Effect<A, E>): Effect.Effect<A, E | RefundError> => {
      const cached = clients.get(connector)
      return cached !== undefined ? f(cached) : Effect.flatMap(client(connector), f)
    }
    return {
      client,
      create: (connector, input) => withClient(connector, (c) => c.create(input)),
      get: (connector, reference, previous) => withClient(connector, (c) => c.get(reference, previous)),
      lookup: (connector, input) => withClient(connector, (c) => c.lookup(input)),
      cancel: (connector, reference, previous) => withClient(connector, (c) => c.cancel(reference, previous)),
      recover: (connector, input, options) => withClient(connector, (c) => c.recover(input, options)),
      pollUntilSettled: (connector, reference, options) => withClient(connector, (c) => c.pollUntilSettled(reference, options)),
      connectors: Effect.map(registry.list, (all) =>
        all.map((b) => ({
          id: b.id,
          displayName: b.connector.displayName,
          environment: b.environment,
          baseUrl: b.baseUrl,
          capabilities: b.connector.capabilities
        })))
    }
  })

  static readonly layer: Layer.Layer<RefundService, never, ConnectorRegistry | HttpClient.HttpClient> = Layer.effect(
    RefundService,
    RefundService.make
  )
}

/**
 * Everything an application needs in one layer: the registry, the given connector layers and
 * `RefundService`. Still requires an `HttpClient`: `FetchHttpClient.layer` (from "effect/http", any runtime),
 * or `NodeHttpClient.layerUndici` from @effect/platform-node on Node >= 22.19.
 *
 *   Refract.layer(StripeConnector.layerConfig(), AdyenConnector.layer({ ... }))
 */
export const layer = <const Ls extends ReadonlyArray<Layer.Any>>(...connectors: Ls): Layer.Layer<
  RefundService | ConnectorRegistry | Layer.Success<Ls[number]>,
  Layer.Error<Ls[number]>,
  Exclude<Layer.Services<Ls[number]>, ConnectorRegistry> | HttpClient.HttpClient
> =>
  Layer.mergeAll(RefundService.layer, ...(connectors as unknown as [Layer.Layer<any, any, any>])).pipe(
    Layer.provideMerge(ConnectorRegistry.layer)
  ) as never
