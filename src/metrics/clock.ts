/**
 * Durations come from a monotonic clock that is injected, never from Date:
 * wall-clock time jumps (NTP, DST) and would corrupt latency figures.
 */
export interface Clock {
  /** Monotonic time in nanoseconds. */
  now(): bigint
  /** Monotonic time in milliseconds (float); for latencies and deadlines. */
  nowMs(): number
  /** Resolves after `ms` of this clock's time, or rejects when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>
}

export const systemClock: Clock = {
  now: () => process.hrtime.bigint(),
  nowMs: () => performance.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason)
        return
      }
      const timer = setTimeout(done, ms)
      function done(): void {
        signal?.removeEventListener('abort', onAbort)
        resolve()
      }
      function onAbort(): void {
        clearTimeout(timer)
        reject(signal?.reason)
      }
      signal?.addEventListener('abort', onAbort, { once: true })
    })
}
