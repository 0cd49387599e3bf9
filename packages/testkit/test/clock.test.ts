/**
 * The emulator clock: manual time fires timers in time order (including timers scheduled within the
 * advanced span) and waits for their work; real time runs by itself, compressed by `timeScale`.
 */
import { assert, describe, it } from "@effect/vitest"
import * as EmulatorClock from "@refract/testkit/emulator/Clock"
import * as RetrySchedule from "@refract/testkit/emulator/RetrySchedule"
import { sleep } from "./helpers.ts"

const start = Date.UTC(2026, 5, 1)

describe("manual clock", () => {
  it("starts where told and moves only when told", async () => {
    const clock = EmulatorClock.manual({ startTime: start })
    assert.strictEqual(clock.kind, "manual")
    assert.strictEqual(clock.now(), start)
    await sleep(20)
    assert.strictEqual(clock.now(), start, "real time passing does not move it")
    await clock.advance(1_500)
    assert.strictEqual(clock.now(), start + 1_500)
    await clock.setTime(start + 86_400_000)
    assert.strictEqual(clock.now(), start + 86_400_000)
    const info = clock.info()
    assert.deepStrictEqual([info.kind, info.now, info.iso, info.pendingTimers], ["manual", start + 86_400_000, "2026-06-02T00:00:00.000Z", 0])
  })

  it("fires due timers in time order, each seeing its own time, and timers they schedule within the span too", async () => {
    const clock = EmulatorClock.manual({ startTime: start })
    const fired: Array<string> = []
    const at = (label: string) => () => void fired.push(`${label}@${clock.now() - start}`)
    clock.schedule(start + 300, at("c"))
    clock.schedule(start + 100, at("a"))
    clock.schedule(start + 200, () => {
      fired.push(`b@${clock.now() - start}`)
      // Scheduled from a timer: 150 ms later is still within the span, 10 s later is not.
      clock.after(150, at("b+150"))
      clock.after(10_000, at("late"))
    })
    clock.schedule(start + 100, at("a2"))
    await clock.advance(400)
    assert.deepStrictEqual(fired, ["a@100", "a2@100", "b@200", "c@300", "b+150@350"])
    assert.strictEqual(clock.now(), start + 400)
    assert.strictEqual(clock.info().pendingTimers, 1)
    assert.strictEqual(clock.info().nextTimerAt, start + 10_200)
  })

  it("resolves advance only after the fired timers' asynchronous work (and the work they start) is done", async () => {
    const clock = EmulatorClock.manual({ startTime: start })
    const log: Array<string> = []
    clock.schedule(start + 10, async () => {
      await sleep(30)
      log.push("delivery 1 acknowledged")
      // Work started by work: a retry due within the span.
      clock.after(5, async () => {
        await sleep(10)
        log.push("retry done")
      })
    })
    await clock.advance(100)
    assert.deepStrictEqual(log, ["delivery 1 acknowledged", "retry done"])
  })

  it("runs timers that are already due without being advanced, and runDue waits for them", async () => {
    const clock = EmulatorClock.manual({ startTime: start })
    let done = false
    clock.schedule(start, async () => {
      await sleep(10)
      done = true
    })
    await clock.runDue()
    assert.isTrue(done)
    let soon = false
    clock.after(0, () => void (soon = true))
    await sleep(5)
    assert.isTrue(soon, "fired on its own, shortly after being scheduled")
  })

  it("sleeps on emulator time; cancelled and Infinity timers never fire; time never goes back", async () => {
    const clock = EmulatorClock.manual({ startTime: start })
    let woke = false
    void clock.sleep(1_000).then(() => (woke = true))
    await clock.advance(999)
    assert.isFalse(woke)
    await clock.advance(1)
    assert.isTrue(woke)
    let fired = false
    const timer = clock.after(10, () => void (fired = true))
    timer.cancel()
    clock.after(Infinity, () => void (fired = true))
    await clock.advance(1_000_000)
    assert.isFalse(fired)
    await clock.setTime(clock.now()).then(() => assert.isTrue(true))
    const back = await clock.setTime(clock.now() - 1).then(() => undefined, (e: unknown) => e)
    assert.instanceOf(back, RangeError)
    const negative = await clock.advance(-1).then(() => undefined, (e: unknown) => e)
    assert.instanceOf(negative, RangeError)
  })

  it("keeps going when a task throws", async () => {
    const clock = EmulatorClock.manual({ startTime: start })
    const errors: Array<unknown> = []
    const original = console.error
    console.error = (...args: Array<unknown>) => void errors.push(args)
    try {
      let after = false
      clock.schedule(start + 1, () => {
        throw new Error("boom")
      })
      clock.schedule(start + 2, () => void (after = true))
      await clock.advance(5)
      assert.isTrue(after)
      assert.lengthOf(errors, 1)
    } finally {
      console.error = original
    }
  })
})

describe("real clock", () => {
  it("follows the wall clock and fires timers by itself", async () => {
    const clock = EmulatorClock.real()
    try {
      assert.isAtMost(Math.abs(clock.now() - Date.now()), 5)
      let fired = 0
      clock.after(30, () => void fired++)
      await sleep(80)
      assert.strictEqual(fired, 1)
    } finally {
      clock.close()
    }
  })

  it("compresses time with timeScale: an hour passes in 36 ms at 100 000×", async () => {
    const clock = EmulatorClock.real({ timeScale: 100_000 })
    try {
      const t0 = clock.now()
      let firedAt: number | undefined
      clock.after(3_600_000, () => void (firedAt = clock.now()))
      await sleep(150)
      assert.isDefined(firedAt)
      assert.isAtLeast(firedAt! - t0, 3_600_000)
      assert.isAtLeast(clock.now() - t0, 10_000_000, "150 real ms ≈ 4 emulator hours")
    } finally {
      clock.close()
    }
  })

  it("can be skipped ahead with advance (the wall clock is not)", async () => {
    const clock = EmulatorClock.real()
    try {
      const fired: Array<string> = []
      clock.after(86_400_000, () => void fired.push("a day later"))
      await clock.advance(86_400_000)
      assert.deepStrictEqual(fired, ["a day later"])
      assert.isAtLeast(clock.now() - Date.now(), 86_399_000)
    } finally {
      clock.close()
    }
  })

  it("rejects nonsense options", () => {
    assert.throws(() => EmulatorClock.real({ timeScale: 0 }), RangeError)
    assert.throws(() => EmulatorClock.fromOption({ kind: "sideways" } as never), RangeError)
    const shared = EmulatorClock.manual()
    assert.deepStrictEqual(EmulatorClock.fromOption(shared), { clock: shared, owned: false })
    assert.strictEqual(EmulatorClock.fromOption(undefined).clock.kind, "real")
    assert.strictEqual(EmulatorClock.fromOption("manual").clock.kind, "manual")
  })
})

describe("retry schedules", () => {
  const { minute, hour, day } = RetrySchedule.millis

  it("walk a fixed list, then repeat, until the give-up age", () => {
    const square = { delays: [1, 2, 4, 8, 16, 32].map((m) => m * minute), thenEvery: hour, giveUpAfterMillis: 72 * hour }
    const times = RetrySchedule.timeline(square)
    assert.deepStrictEqual(times.slice(0, 7), [1, 3, 7, 15, 31, 63, 123].map((m) => m * minute))
    assert.isAtMost(times.at(-1)!, 72 * hour)
    assert.isAbove(times.at(-1)! + hour, 72 * hour)
    assert.isUndefined(RetrySchedule.nextRetryAt(RetrySchedule.none, 0, 0, 0))
  })

  it("exponential backoff stays within its window", () => {
    const schedule = RetrySchedule.exponential({ firstMillis: minute, factor: 2, maxMillis: 12 * hour, withinMillis: 3 * day })
    const times = RetrySchedule.timeline(schedule)
    assert.deepStrictEqual(schedule.delays.slice(0, 4), [minute, 2 * minute, 4 * minute, 8 * minute])
    assert.isTrue(schedule.delays.every((d) => d <= 12 * hour))
    assert.isAtMost(times.at(-1)!, 3 * day)
    assert.throws(() => RetrySchedule.check({ delays: [0] }), RangeError)
  })
})

describe("real clock and slow work", () => {
  it("does not hold later timers back while earlier work is still running", async () => {
    const clock = EmulatorClock.real()
    try {
      let later = false
      clock.after(0, () => sleep(500))
      clock.after(20, () => void (later = true))
      await sleep(120)
      assert.isTrue(later, "the 20 ms timer fired while the first task's work was still pending")
    } finally {
      clock.close()
    }
  })
})
