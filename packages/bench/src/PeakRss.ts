/**
 * A process's peak resident set size, sampled every 10 ms from the moment this module loads.
 *
 * Not `process.resourceUsage().maxRSS`: on Linux a process's peak survives fork and exec, so every
 * child of a large parent (the bench's orchestrator, after bundling) reports the parent's peak.
 */
let peak = process.memoryUsage.rss()
const timer = setInterval(() => {
  const rss = process.memoryUsage.rss()
  if (rss > peak) peak = rss
}, 10)
timer.unref()

/** Bytes. */
export const peakRss = (): number => Math.max(peak, process.memoryUsage.rss())
