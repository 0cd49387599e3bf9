/**
 * What can go wrong in a command, the one-line message it prints, and its exit code:
 *
 *   0  success
 *   1  the processor (or an emulator, or a demo step) did not behave: processor errors, network
 *   2  usage or configuration: bad flags, unknown connector, missing credentials, malformed input
 *   130 interrupted (Ctrl-C) outside `refract emulator`
 */
import { RefundClient, RefundError, WebhookError } from "@refract/core"
import { Data } from "effect"
import { CliError } from "effect/cli"
import { scrub } from "./secrets.ts"

export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  interrupted: 130
} as const

/** Bad input or configuration detected before anything was sent. */
export class UsageError extends Data.TaggedError("UsageError")<{ readonly message: string }> {}

/** A demo step or a runtime check did not behave as described. */
export class StepFailed extends Data.TaggedError("StepFailed")<{ readonly message: string }> {}

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
}

/** The message (undefined when already shown, e.g. by the CLI parser) and exit code of a failure. */
export const render = (error: unknown): Rendered => {
  if (error instanceof UsageError) return { message: error.message, exitCode: ExitCode.usage }
  if (error instanceof StepFailed) return { message: error.message, exitCode: ExitCode.failure }
  if (error instanceof RefundError) {
    return { message: describeRefundError(error), exitCode: refundErrorExitCode(error) }
  }
  if (error instanceof RefundClient.RefundNotSettled) return { message: error.message, exitCode: ExitCode.failure }
  if (error instanceof WebhookError.WebhookError) return { message: error.message, exitCode: ExitCode.failure }
  if (CliError.isCliError(error)) {
    // ShowHelp was presented already (help on stdout, the problem on stderr).
    if (error._tag === "ShowHelp") return { message: undefined, exitCode: error.errors.length > 0 ? ExitCode.usage : ExitCode.ok }
    return { message: error.message, exitCode: ExitCode.usage }
  }
  if (isTagged(error) && error._tag === "ConfigError") return { message: String((error as { message?: unknown }).message), exitCode: ExitCode.usage }
  const message = error instanceof Error ? error.message : String(error)
  return { message: `internal error: ${message}`, exitCode: ExitCode.failure }
}

/** The line written to stderr for a failure: `refract: <message>`, secrets scrubbed. */
export const errorLine = (message: string): string => `refract: ${scrub(oneLine(message))}`
