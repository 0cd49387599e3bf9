/**
 * What can go wrong in a command, the one-line message it prints, and its exit code:
 *
 *   0  success
 *   1  the processor (or an emulator, or a demo step) did not behave: processor errors, network
 *   2  usage or configuration: bad flags, unknown connector, missing credentials, malformed input
 *   3  `refract reconcile` ran and found discrepancies (the report says which)
 *   130 interrupted (Ctrl-C) outside `refract emulator`
 */
import type { RefundClient, RefundError, WebhookError } from "@refract/core"
import { Data } from "effect"
import { CliError } from "effect/cli"
import { scrub } from "./secrets.ts"

export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  discrepancies: 3,
  interrupted: 130
} as const

/** Bad input or configuration detected before anything was sent. */
export class UsageError extends Data.TaggedError("UsageError")<{ readonly message: string }> {}

/** A demo step or a runtime check did not behave as described. */
export class StepFailed extends Data.TaggedError("StepFailed")<{ readonly message: string }> {}

/** The command ran but the answer is not the one asked for (no such refund, not settled in time): exit 1, `reason._tag` = `reason`. */
/** A reconciliation that completed and found discrepancies: not a failure of the command, but not all well. */
export class DiscrepanciesFound extends Data.TaggedError("DiscrepanciesFound")<{ readonly message: string }> {}

export class Failed extends Data.TaggedError("Failed")<{ readonly message: string; readonly reason: string }> {}

const readableReason: Record<RefundError.RefundErrorReason["_tag"], string> = {
  InvalidRequest: "invalid request",
  Authentication: "authentication failed",
  NotFound: "not found",
  Configuration: "configuration problem",
  RateLimited: "rate limited",
  ProcessorUnavailable: "processor unavailable",
  Network: "network error",
  OutcomeUnknown: "outcome unknown",
  IdempotencyExpired: "idempotency key expired",
  RefundRejected: "refund declined",
  Unsupported: "not supported",
  UnexpectedResponse: "unexpected processor response"
}

const oneLine = (s: string): string => s.replace(/\s+/g, " ").trim()

/** `stripe get: NotFound (not found): No such refund: 're_1' [code resource_missing, request req_1, HTTP 404]` */
export const describeRefundError = (e: RefundError): string => {
  const reason = e.reason
  const extra: Array<string> = []
  if (e.processorCode !== undefined) extra.push(`code ${e.processorCode}`)
  if (e.requestId !== undefined) extra.push(`request ${e.requestId}`)
  if (e.httpStatus !== undefined) extra.push(`HTTP ${e.httpStatus}`)
  if (e.attempts !== undefined && e.attempts > 1) extra.push(`${e.attempts} attempts`)
  let detail = reason.message
  switch (reason._tag) {
    case "RateLimited":
      if (reason.retryAfterMillis !== undefined) detail += `; retry after ${Math.ceil(reason.retryAfterMillis / 1000)} s`
      break
    case "RefundRejected":
      detail += ` (${reason.kind})`
      break
    case "OutcomeUnknown":
      detail += `; run the same command again (same --merchant-refund-id ${reason.merchantRefundId}) to recover without a second refund`
      break
    case "Network":
      detail += reason.requestSent ? " (the request may have reached the processor)" : " (the request was not sent)"
      break
    case "InvalidRequest":
      if (reason.field !== undefined) detail += ` (field ${reason.field})`
      break
  }
  if (e.processorMessage !== undefined && !detail.includes(e.processorMessage)) detail += `: ${e.processorMessage}`
  const suffix = extra.length > 0 ? ` [${extra.join(", ")}]` : ""
  return oneLine(`${e.connector} ${e.operation}: ${reason._tag} (${readableReason[reason._tag]}): ${detail}${suffix}`)
}

/** Usage/configuration (2) when nothing reached the processor or the request can never work; else 1. */
export const refundErrorExitCode = (e: RefundError): number =>
  e.reason._tag === "Configuration" || e.reason._tag === "Unsupported" || e.attempts === 0 ? ExitCode.usage : ExitCode.failure

const isTagged = (u: unknown): u is { readonly _tag: string } =>
  typeof u === "object" && u !== null && typeof (u as { _tag?: unknown })._tag === "string"

export interface Rendered {
  readonly message: string | undefined
  readonly exitCode: number
  /** `{ _tag, ... }`: what `--json` prints as `error.reason` (core's reason for processor errors). */
  readonly reason: { readonly _tag: string; readonly [key: string]: unknown }
  /** Processor errors: connector, operation, HTTP status, processor code and request id (for `--json`). */
  readonly details?: Readonly<Record<string, unknown>> | undefined
}

/**
 * Errors are recognised by their tag, not by `instanceof`, so that this module (loaded at every
 * start) does not pull in core's schemas; only the commands that talk to a processor load those.
 */
const isRefundError = (u: unknown): u is RefundError => isTagged(u) && u._tag === "RefundError" && "reason" in u
const isNotSettled = (u: unknown): u is RefundClient.RefundNotSettled => isTagged(u) && u._tag === "RefundNotSettled"
const isWebhookError = (u: unknown): u is WebhookError.WebhookError => isTagged(u) && u._tag === "WebhookError"

/** A reason as plain JSON: its own fields (never a secret: core's reasons carry ids, codes and messages). */
const plain = (reason: object): { readonly _tag: string; readonly [key: string]: unknown } =>
  JSON.parse(JSON.stringify(reason)) as { readonly _tag: string }

/** The message (undefined when already shown, e.g. by the CLI parser) and exit code of a failure. */
export const render = (error: unknown): Rendered => {
  if (error instanceof UsageError) return { message: error.message, exitCode: ExitCode.usage, reason: { _tag: "UsageError" } }
  if (error instanceof StepFailed) return { message: error.message, exitCode: ExitCode.failure, reason: { _tag: "StepFailed" } }
  if (error instanceof DiscrepanciesFound) return { message: error.message, exitCode: ExitCode.discrepancies, reason: { _tag: "DiscrepanciesFound" } }
  if (error instanceof Failed) return { message: error.message, exitCode: ExitCode.failure, reason: { _tag: error.reason } }
  if (isRefundError(error)) {
    return {
      message: describeRefundError(error),
      exitCode: refundErrorExitCode(error),
      reason: plain(error.reason),
      details: {
        connector: error.connector,
        operation: error.operation,
        httpStatus: error.httpStatus,
        processorCode: error.processorCode,
        processorMessage: error.processorMessage,
        requestId: error.requestId,
        attempts: error.attempts
      }
    }
  }
  if (isNotSettled(error)) return { message: error.message, exitCode: ExitCode.failure, reason: { _tag: "RefundNotSettled" } }
  if (isWebhookError(error)) return { message: error.message, exitCode: ExitCode.failure, reason: plain(error.reason) }
  if (CliError.isCliError(error)) {
    // ShowHelp was presented already (help on stdout, the problem on stderr).
    if (error._tag === "ShowHelp") {
      return { message: undefined, exitCode: error.errors.length > 0 ? ExitCode.usage : ExitCode.ok, reason: { _tag: "InvalidInvocation" } }
    }
    return { message: error.message, exitCode: ExitCode.usage, reason: { _tag: error._tag } }
  }
  if (isTagged(error) && error._tag === "ConfigError") {
    return { message: String((error as { message?: unknown }).message), exitCode: ExitCode.usage, reason: { _tag: "ConfigError" } }
  }
  const message = error instanceof Error ? error.message : String(error)
  return { message: `internal error: ${message}`, exitCode: ExitCode.failure, reason: { _tag: "InternalError" } }
}

/**
 * The `--json` form of a failure, printed on stdout (where the JSON answer would have been), so
 * `refract … --json | jq` always reads one document; the exit code says which kind it is:
 * `{ "error": { "reason": { "_tag": … }, "message": …, "exitCode": …, …details } }`. Secrets scrubbed.
 */
export const errorJson = (rendered: Rendered, message: string = rendered.message ?? ""): string =>
  scrub(JSON.stringify(
    {
      error: {
        reason: rendered.reason,
        message: oneLine(message),
        exitCode: rendered.exitCode,
        ...Object.fromEntries(Object.entries(rendered.details ?? {}).filter(([, v]) => v !== undefined))
      }
    },
    null,
    2
  ))

/**
 * Why a server could not listen, in words: a port in use (EADDRINUSE) says so and how to pick
 * another, instead of the raw system error.
 */
export const listenFailure = (host: string, port: number, cause: unknown): string => {
  const text = `${String(cause)} ${JSON.stringify(cause, Object.getOwnPropertyNames(cause ?? {})) ?? ""} ${
    cause instanceof Error && cause.cause !== undefined ? String(cause.cause) : ""
  }`
  if (text.includes("EADDRINUSE")) return `port ${port} is in use; pick another with --port`
  if (text.includes("EACCES")) return `not allowed to listen on port ${port}; pick one above 1023 with --port`
  if (text.includes("EADDRNOTAVAIL")) return `${host} is not an address of this machine; pick another with --host`
  return `could not listen on ${host}:${port}: ${String(cause)}`
}

/** The line written to stderr for a failure: `refract: <message>`, secrets scrubbed. */
export const errorLine = (message: string): string => `refract: ${scrub(oneLine(message))}`
