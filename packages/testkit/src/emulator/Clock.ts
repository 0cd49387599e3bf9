/**
 * The emulator clock: the one source of time for everything an emulator does on its own (settling refunds,
 * webhook delivery and retries, `Slow` faults, idempotency-key expiry, timestamps in objects and events).
 *
 * Two kinds, one timer queue:
 *
 * - `real`: wall-clock time, optionally compressed (`timeScale`: 1 real ms = `timeScale` emulator ms), so a
 *   demo can show a three-day webhook retry schedule in minutes. Timers fire on their own.
 * - `manual`: time moves only when a test says so (`advance`, `setTime`). Due timers fire in time order and
 *   `advance` resolves once their work (and the work of timers they scheduled within the span) is done.
 *
 * Emulator time never goes backwards. The clock knows nothing about refunds or webhooks: a timer's task may
 * return a Promise (a webhook delivery, say), and `advance` waits for it before moving on.
 *
 * @since 0.1.0
 */

/** A scheduled task; a returned Promise is work that `advance` / `runDue` wait for (it should never reject). */
export type Task = () => void | Promise<unknown>

/** A scheduled timer. */
export interface TimerHandle {
  /** Epoch milliseconds (emulator time) at which it fires. */
  readonly at: number
  /** Cancels the timer if it has not fired yet. */
  cancel(): void
}

/** How an emulator's clock is chosen (`EmulatorOptions.clock`). */
export type ClockOption =
  | "real"
  | "manual"
  | { readonly kind: "real"; readonly timeScale?: number }
  | { readonly kind: "manual"; readonly startTime?: number }
  | EmulatorClock

/** What `GET /__emulator/clock` answers. */
export interface ClockInfo {
  readonly kind: "real" | "manual"
  /** Epoch milliseconds. */
  readonly now: number
  readonly iso: string
  readonly timeScale: number
  /** Timers waiting to fire. */
  readonly pendingTimers: number
  /** When the next one fires (epoch milliseconds), if any. */
  readonly nextTimerAt?: number
}

/** The clock every emulator module uses instead of `Date.now` and `setTimeout`. */
export interface EmulatorClock {
  readonly kind: "real" | "manual"
  /** Emulator milliseconds per real millisecond (always 1 for a manual clock). */
  readonly timeScale: number
  /** Epoch milliseconds, emulator time. */
  now(): number
  /** Runs `task` once the clock reaches `at` (at once, asynchronously, when `at` is not in the future). */
  schedule(at: number, task: Task): TimerHandle
  /** `schedule(now() + delayMillis, task)`. */
  after(delayMillis: number, task: Task): TimerHandle
  /** Resolves once the clock has moved `millis` past now (never, for `Infinity`). */
  sleep(millis: number): Promise<void>
  /**
   * Moves time forward by `millis`: due timers fire in time order (timers they schedule within the span fire
   * too), and the Promise resolves once every fired timer's work is done. A real clock jumps ahead too.
   */
  advance(millis: number): Promise<void>
  /** `advance` to an absolute time; earlier than `now()` is a RangeError (emulator time never goes back). */
  setTime(epochMillis: number): Promise<void>
  /** Fires every timer that is due now and waits for their work (what `advance(0)` does). */
  runDue(): Promise<void>
  info(): ClockInfo
  /** Cancels every timer and stops the real-time driver. Only the emulator that created the clock closes it. */
  close(): void
}

interface Timer {
  readonly seq: number
  readonly at: number
  readonly task: Task
  cancelled: boolean
}

/**
 * The shared machinery: an ordered timer queue and a serialized drain loop. `kind` only decides who calls the
 * drain: a manual clock drains when told (and, for timers already due, right away), a real clock also drains
 * from a `setTimeout` armed for the earliest timer.
 */
class Clock implements EmulatorClock {
  readonly kind: "real" | "manual"
  readonly timeScale: number
  private timers: Array<Timer> = []
  private seq = 0
  private closed = false
  /** Emulator time of a manual clock; for a real clock, the time skipped ahead by `advance`. */
  private manualNow: number
  private skipped = 0
  private readonly realOrigin: number
  private readonly emulatorOrigin: number
  /** Drains run one after another, so `advance` calls and due-now kicks never interleave. */
  private chain: Promise<void> = Promise.resolve()
  private kickQueued = false
  private driver: ReturnType<typeof setTimeout> | undefined
  private driverAt: number | undefined
  /** Work started by the real-time driver (not awaited there); `runDue` waits for it. */
  private readonly detached = new Set<Promise<unknown>>()

  constructor(kind: "real" | "manual", options: { readonly timeScale?: number; readonly startTime?: number } = {}) {
    this.kind = kind
    const scale = kind === "real" ? options.timeScale ?? 1 : 1
    if (!(scale > 0) || !Number.isFinite(scale)) throw new RangeError(`timeScale must be a positive number, got ${scale}`)
    this.timeScale = scale
    this.realOrigin = Date.now()
    this.emulatorOrigin = options.startTime ?? this.realOrigin
    if (!Number.isFinite(this.emulatorOrigin)) throw new RangeError("startTime must be epoch milliseconds")
    this.manualNow = this.emulatorOrigin
  }

  now(): number {
    if (this.kind === "manual") return this.manualNow
    // Whole milliseconds, so timestamps stay integers whatever the scale.
    return Math.floor(this.emulatorOrigin + (Date.now() - this.realOrigin) * this.timeScale + this.skipped)
  }

  schedule(at: number, task: Task): TimerHandle {
    if (Number.isNaN(at)) throw new RangeError("timer time must be a number")
    const timer: Timer = { seq: ++this.seq, at, task, cancelled: false }
    if (!this.closed && at !== Infinity) {
      // Insert in (at, seq) order; the queue is small (one timer per pending step or delivery).
      let index = this.timers.length
      while (index > 0 && this.timers[index - 1]!.at > at) index--
      this.timers.splice(index, 0, timer)
      if (at <= this.now()) this.kick()
      else this.arm()
    }
    return {
      at,
      cancel: () => {
        if (timer.cancelled) return
        timer.cancelled = true
        const index = this.timers.indexOf(timer)
        if (index !== -1) this.timers.splice(index, 1)
      }
    }
  }

  after(delayMillis: number, task: Task): TimerHandle {
    if (Number.isNaN(delayMillis) || delayMillis < 0) throw new RangeError(`delay must be a non-negative number, got ${delayMillis}`)
    return this.schedule(this.now() + delayMillis, task)
  }

  sleep(millis: number): Promise<void> {
    return new Promise((resolve) => {
      this.after(millis, resolve)
    })
  }

  advance(millis: number): Promise<void> {
    if (!Number.isFinite(millis) || millis < 0) {
      return Promise.reject(new RangeError(`advance needs a finite, non-negative number of milliseconds, got ${millis}`))
    }
    return this.serialize(() => this.drainTo(this.now() + millis, true))
  }

  setTime(epochMillis: number): Promise<void> {
    if (!Number.isFinite(epochMillis)) return Promise.reject(new RangeError("setTime needs epoch milliseconds"))
    if (epochMillis < this.now()) {
      return Promise.reject(
        new RangeError(`the emulator clock never goes back (now ${new Date(this.now()).toISOString()})`)
      )
    }
    return this.serialize(() => this.drainTo(epochMillis, true))
  }

  runDue(): Promise<void> {
    return this.serialize(async () => {
      await this.drainTo(this.now(), false)
      // Work the real-time driver started is part of "what is due now" too.
      while (this.detached.size > 0) await Promise.all(this.detached)
    })
  }

  info(): ClockInfo {
    const now = this.now()
    const next = this.timers[0]?.at
    return {
      kind: this.kind,
      now,
      iso: new Date(now).toISOString(),
      timeScale: this.timeScale,
      pendingTimers: this.timers.length,
      ...(next === undefined ? {} : { nextTimerAt: next })
    }
  }

  close(): void {
    this.closed = true
    for (const timer of this.timers) timer.cancelled = true
    this.timers = []
    if (this.driver !== undefined) clearTimeout(this.driver)
    this.driver = undefined
  }

  // -------------------------------------------------------------------------------------------------------------

  private serialize(run: () => Promise<void>): Promise<void> {
    const next = this.chain.then(run)
    // A failed drain must not wedge later ones; the caller still sees the failure.
    this.chain = next.catch(() => undefined)
    return next
  }

  /**
   * Fires every timer due up to `target`, one instant at a time: all timers of an instant fire (in the order
   * they were scheduled), then their work is awaited, then the next instant. `jump` moves the clock itself
   * (manual time, or a real clock's skip-ahead) so that timers see `now()` equal to their own time.
   */
  private async drainTo(target: number, jump: boolean): Promise<void> {
    for (;;) {
      if (this.closed) return
      const first = this.timers[0]
      if (first === undefined || first.at > Math.max(target, this.now())) break
      const instant = first.at
      if (jump) this.moveTo(instant)
      const batch: Array<Timer> = []
      while (this.timers[0] !== undefined && this.timers[0].at === instant) batch.push(this.timers.shift()!)
      const work: Array<Promise<unknown>> = []
      for (const timer of batch) {
        if (timer.cancelled) continue
        timer.cancelled = true
        const result = runTask(timer.task)
        if (result !== undefined) work.push(result)
      }
      if (work.length > 0) await Promise.all(work)
    }
    if (jump) this.moveTo(target)
    this.arm()
  }

  private moveTo(at: number): void {
    const now = this.now()
    if (at <= now) return
    if (this.kind === "manual") this.manualNow = at
    else this.skipped += at - now
  }

  /**
   * Due timers fire soon after they are scheduled, without waiting for someone to advance the clock. A real
   * clock does not wait for their work (real time goes on while a webhook POST is in flight).
   */
  private kick(): void {
    if (this.kickQueued || this.closed) return
    this.kickQueued = true
    setImmediate(() => {
      this.kickQueued = false
      void this.serialize(() => (this.kind === "real" ? this.fireDetached() : this.drainTo(this.now(), false)))
    })
  }

  /** A real clock arms one `setTimeout` for the earliest timer; its work runs detached (real time goes on). */
  private arm(): void {
    if (this.kind !== "real" || this.closed) return
    const next = this.timers[0]
    if (next === undefined) {
      if (this.driver !== undefined) clearTimeout(this.driver)
      this.driver = undefined
      this.driverAt = undefined
      return
    }
    if (this.driver !== undefined && this.driverAt === next.at) return
    if (this.driver !== undefined) clearTimeout(this.driver)
    // Node caps timeouts at 2^31-1 ms; a longer wait simply re-arms.
    const realDelay = Math.min(Math.max(0, Math.ceil((next.at - this.now()) / this.timeScale)), 2 ** 31 - 1)
    this.driverAt = next.at
    this.driver = setTimeout(() => {
      this.driver = undefined
      this.driverAt = undefined
      void this.serialize(() => this.fireDetached())
    }, realDelay)
    this.driver.unref?.()
  }

  private fireDetached(): Promise<void> {
    const now = this.now()
    while (!this.closed && this.timers[0] !== undefined && this.timers[0].at <= now) {
      const timer = this.timers.shift()!
      if (timer.cancelled) continue
      timer.cancelled = true
      const result = runTask(timer.task)
      if (result !== undefined) {
        this.detached.add(result)
        void result.finally(() => this.detached.delete(result))
      }
    }
    this.arm()
    return Promise.resolve()
  }
}

/** Runs a task; a synchronous throw or a rejection is reported, never allowed to stop the clock. */
const runTask = (task: Task): Promise<unknown> | undefined => {
  try {
    const result = task()
    return result === undefined ? undefined : Promise.resolve(result).catch(reportTaskFailure)
  } catch (error) {
    reportTaskFailure(error)
    return undefined
  }
}

const reportTaskFailure = (error: unknown): void => {
  // A bug in a timer task: say so loudly, but keep every other timer running.
  console.error("[refract emulator] a timer task failed:", error)
}

/** A wall clock; `timeScale` compresses time (10 = ten emulator seconds per real second). */
export const real = (options: { readonly timeScale?: number } = {}): EmulatorClock => new Clock("real", options)

/** A clock that moves only when told. `startTime` defaults to the wall-clock time of creation. */
export const manual = (options: { readonly startTime?: number } = {}): EmulatorClock => new Clock("manual", options)

/** Whether `u` is already a clock (so an emulator does not own, and never closes, a clock it was given). */
export const isClock = (u: unknown): u is EmulatorClock =>
  typeof u === "object" && u !== null && "now" in u && "schedule" in u && "advance" in u

/** Builds the clock an option asks for; `owned` says whether the emulator created it (and must close it). */
export const fromOption = (option: ClockOption | undefined): { readonly clock: EmulatorClock; readonly owned: boolean } => {
  if (option === undefined || option === "real") return { clock: real(), owned: true }
  if (option === "manual") return { clock: manual(), owned: true }
  if (isClock(option)) return { clock: option, owned: false }
  if (option.kind === "real") return { clock: real(option.timeScale === undefined ? {} : { timeScale: option.timeScale }), owned: true }
  if (option.kind === "manual") return { clock: manual(option.startTime === undefined ? {} : { startTime: option.startTime }), owned: true }
  throw new RangeError(`Unknown clock option: ${JSON.stringify(option)}`)
}
