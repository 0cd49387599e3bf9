/**
 * One time for everything in a campaign: Refract's Effect `Clock` backed by the emulators' manual
 * clock. Refract compares the processors' event times with the times it reads refunds at, so both
 * sides must read the same clock; and advancing that one clock fires emulator timers (settling,
 * webhook retries, held answers) and Refract's sleeps (retries, timeouts, tracker polls) in one
 * time order.
 */
import { Clock, Duration, Effect, Layer } from "effect"
import type { EmulatorClock } from "@refract/testkit"

export const fromEmulatorClock = (clock: EmulatorClock.EmulatorClock): Clock.Clock => {
  const nanos = () => BigInt(clock.now()) * 1_000_000n
  return {
    currentTimeMillisUnsafe: () => clock.now(),
    currentTimeMillis: Effect.sync(() => clock.now()),
    currentTimeNanosUnsafe: nanos,
    currentTimeNanos: Effect.sync(nanos),
    // Emulator time never goes back, so it is monotonic too.
    monotonicTimeNanosUnsafe: nanos,
    monotonicTimeNanos: Effect.sync(nanos),
    sleep: (duration) =>
      Effect.callback<void>((resume) => {
        const millis = Duration.toMillis(duration)
        if (!Number.isFinite(millis)) return
        const timer = clock.after(Math.max(0, millis), () => resume(Effect.void))
        return Effect.sync(() => timer.cancel())
      })
  }
}

export const layer = (clock: EmulatorClock.EmulatorClock): Layer.Layer<never> =>
  Layer.succeed(Clock.Clock, fromEmulatorClock(clock))
