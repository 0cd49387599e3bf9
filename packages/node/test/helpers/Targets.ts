/**
 * The two receivers of this package as running servers on loopback, for tests that talk to them
 * over raw TCP: the Effect server (`NodeWebhookServer.layer`, what `refract serve` runs) and the
 * Promise receiver's `nodeListener` on Node's own `http.createServer`.
 */
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { Effect, Layer, ManagedRuntime, Option } from "effect"
import { RefundStore } from "@refract/core"
import { NodeWebhookHandler, NodeWebhookServer } from "@refract/node"
import * as HookPay from "./HookPay.ts"

export interface Running {
  readonly port: number
  /** The refund's status in the receiver's store, if stored. */
  readonly statusOf: (connector: string, connectorRefundId: string) => Promise<string | undefined>
  readonly close: () => Promise<void>
}

export interface TargetOptions {
  readonly maxBodyBytes?: number | undefined
  readonly limits?: NodeWebhookServer.Limits | undefined
}

export interface Target {
  readonly name: string
  readonly start: (options?: TargetOptions) => Promise<Running>
}

export const effectServer: Target = {
  name: "NodeWebhookServer (refract serve)",
  start: async (options = {}) => {
    const processor = HookPay.processor()
    const layer = NodeWebhookServer.layer({
      port: 0,
      host: "127.0.0.1",
      maxBodyBytes: options.maxBodyBytes,
      limits: options.limits,
      shutdownTimeoutMillis: 0
    }).pipe(Layer.provide(Layer.mergeAll(HookPay.registryLayer(), processor.layer)))
    const runtime = ManagedRuntime.make(layer)
    const info = await runtime.runPromise(NodeWebhookServer.NodeWebhookServer)
    return {
      port: Number(new URL(info.url).port),
      statusOf: (connector, connectorRefundId) =>
        runtime.runPromise(Effect.gen(function*() {
          const store = yield* RefundStore.RefundStore
          return Option.getOrUndefined(yield* store.get({ connector, connectorRefundId }))?.status
        })),
      close: () => runtime.dispose()
    }
  }
}

export const promiseListener: Target = {
  name: "NodeWebhookHandler.nodeListener",
  start: async (options = {}) => {
    const webhooks = NodeWebhookHandler.make({
      connectors: [
        { connector: HookPay.hookpay, options: HookPay.options() },
        { connector: HookPay.hookonly, options: HookPay.options() }
      ],
      maxBodyBytes: options.maxBodyBytes
    })
    const server = createServer(NodeWebhookHandler.serverOptions(options.limits), webhooks.nodeListener)
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    return {
      port: (server.address() as AddressInfo).port,
      statusOf: async (connector, id) => (await webhooks.refund(connector, id))?.status,
      close: async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve())
          server.closeAllConnections()
        })
        await webhooks.close()
      }
    }
  }
}

export const targets: ReadonlyArray<Target> = [effectServer, promiseListener]
