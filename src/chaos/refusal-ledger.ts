/**
 * When a relay refused new upgrades on its own account: the 503 window after
 * each disconnect it injected, and outages. A recovery that waited through
 * one waited for the relay, not the service, so the self-healing suite takes
 * these windows out of the time it charges the service.
 */

/** A span (relay clock, ms) in which the relay refused every new upgrade. */
export interface RefusalWindow {
  fromMs: number
  toMs: number
}

/** Windows kept at most; the older half goes at once when full (a run has far fewer). */
export const MAX_REFUSAL_WINDOWS = 10_000

export interface RefusalLedger {
  /** The relay refuses from `fromMs` until `toMs` (Infinity: until ended); overlapping windows merge. */
  refuse(fromMs: number, toMs: number): void
  /** The current refusal ends at `atMs` (an outage turned off early). */
  endAt(atMs: number): void
  /** The windows overlapping `fromMs`..`toMs`, clipped to it, in order. */
  between(fromMs: number, toMs: number): RefusalWindow[]
}

export function createRefusalLedger(): RefusalLedger {
  const windows: RefusalWindow[] = []
  return {
    refuse(fromMs, toMs) {
      if (!(toMs > fromMs)) return
      const last = windows.at(-1)
      if (last !== undefined && fromMs <= last.toMs) {
        last.toMs = Math.max(last.toMs, toMs)
        return
      }
      if (windows.length >= MAX_REFUSAL_WINDOWS) windows.splice(0, MAX_REFUSAL_WINDOWS / 2)
      windows.push({ fromMs, toMs })
    },
    endAt(atMs) {
      const last = windows.at(-1)
      if (last !== undefined && last.toMs > atMs) last.toMs = Math.max(last.fromMs, atMs)
    },
    between(fromMs, toMs) {
      const overlapping: RefusalWindow[] = []
      for (const window of windows) {
        if (window.toMs <= fromMs || window.fromMs >= toMs) continue
        overlapping.push({
          fromMs: Math.max(fromMs, window.fromMs),
          toMs: Math.min(toMs, window.toMs)
        })
      }
      return overlapping
    }
  }
}
