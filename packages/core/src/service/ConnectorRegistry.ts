/**
 * The connectors available to this program, keyed by id.
 *
 * Each installed connector package's layer binds itself (credentials, environment) and registers
 * here; generic code (`RefundService`, the webhook handler, the tracker) picks connectors by id.
 */
import { Context, Effect, Layer } from "effect"
import type { BoundConnector, ConnectorOptions } from "../connector/BoundConnector.ts"
import { bind } from "../connector/BoundConnector.ts"
import type { Connector } from "../connector/Connector.ts"
import { Configuration, RefundError } from "../error/RefundError.ts"

export interface Registry {
  readonly register: (bound: BoundConnector) => Effect.Effect<void>
  /** The bound connector, or a Configuration error naming the connectors that are registered. */
  readonly get: (id: string) => Effect.Effect<BoundConnector, RefundError>
  readonly list: Effect.Effect<ReadonlyArray<BoundConnector>>
}

const idPattern = /^[a-z][a-z0-9-]{0,31}$/

export class ConnectorRegistry extends Context.Service<ConnectorRegistry, Registry>()("@refract/core/ConnectorRegistry") {
  static readonly make: Effect.Effect<Registry> = Effect.sync(() => {
    const entries = new Map<string, BoundConnector>()
    return {
      register: (bound) => Effect.sync(() => void entries.set(bound.id, bound)),
      get: (id) =>
        Effect.suspend(() => {
          const found = entries.get(id)
          if (found !== undefined) return Effect.succeed(found)
          const known = [...entries.keys()].toSorted()
          const message = !idPattern.test(id)
            ? `malformed connector id ${JSON.stringify(id)}: expected lower-case letters, digits and dashes`
            : `unknown connector "${id}"; registered: ${known.length > 0 ? known.join(", ") : "none"}. ` +
              `Install @refract/${id} and provide its layer`
          return Effect.fail(new RefundError({ connector: id, operation: "configure", reason: new Configuration({ message }) }))
        }),
      list: Effect.sync(() => [...entries.values()])
    }
  })

  static readonly layer: Layer.Layer<ConnectorRegistry> = Layer.effect(ConnectorRegistry, ConnectorRegistry.make)
}

/** Binds a connector with options and registers it: what a connector package's `layer` does. */
export const register = (connector: Connector, options: ConnectorOptions): Layer.Layer<never, RefundError, ConnectorRegistry> =>
  Layer.effectDiscard(Effect.gen(function*() {
    const registry = yield* ConnectorRegistry
    yield* registry.register(yield* bind(connector, options))
  }))
