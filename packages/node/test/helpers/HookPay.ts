/**
 * HookPay, the fake processor core's tests use (a signed-webhook connector with a status endpoint,
 * its variants and an in-memory processor), shared rather than copied: test helpers are not published.
 */
export * from "../../../core/test/events/HookPay.ts"
