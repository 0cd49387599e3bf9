/**
 * The demo's output: one line per step, with the time since the first step (the first emulator
 * being up), so process start-up and module loading do not blur the refund's own timing.
 *
 *      +   12 ms  initiate    RefundService.create(10.00 USD) → re_123  PENDING (Pending, raw "pending")
 */
import { Clock, Console, Effect } from "effect"

export interface Timeline {
  readonly step: (label: string, text: string) => Effect.Effect<void>
  readonly elapsedMillis: Effect.Effect<number>
}

const LABEL_WIDTH = 11

export const make: Effect.Effect<Timeline> = Effect.sync(() => {
  let started: number | undefined
  const elapsedMillis = Effect.map(Clock.currentTimeMillis, (now) => {
    started ??= now
    return now - started
  })
  return {
    elapsedMillis,
    step: (label, text) =>
      Effect.flatMap(elapsedMillis, (ms) => Console.log(`  +${String(ms).padStart(5)} ms  ${label.padEnd(LABEL_WIDTH)} ${text}`))
  }
})
