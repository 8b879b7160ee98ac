/**
 * One direction of a relayed connection: frames leave in the order they
 * arrived, each no earlier than its release time, so added latency never
 * reorders a stream (TCP would not either). One pending timer per pipe, and
 * it is cancelled through the relay's AbortSignal on close.
 */
import type { Clock } from '../metrics/clock.js'
import { MAX_FAULT_DELAY_MS } from './faults.js'
import type { TokenBucket } from './token-bucket.js'

export type Frame =
  | { kind: 'message'; data: Buffer; isBinary: boolean }
  | { kind: 'ping' | 'pong'; data: Buffer }
  | { kind: 'close'; code: number; reason: string }

export interface Pipe {
  /** Queues a frame to leave after `delayMs` (capped), behind every earlier frame. */
  push(frame: Frame, delayMs?: number): void
  /** Frames waiting. */
  readonly size: number
}

export function createPipe(
  deliver: (frame: Frame) => void,
  clock: Clock,
  signal: AbortSignal,
  bucket?: TokenBucket
): Pipe {
  const queue: Array<{ frame: Frame; releaseAtMs: number }> = []
  let lastReleaseMs = 0
  let pumping = false

  async function pump(): Promise<void> {
    pumping = true
    try {
      while (queue.length > 0 && !signal.aborted) {
        const head = queue[0]
        const wait = head.releaseAtMs - clock.nowMs()
        if (wait > 0) await clock.sleep(wait, signal)
        if (head.frame.kind === 'message' && bucket) {
          const throttle = bucket.reserve(head.frame.data.length)
          if (throttle > 0) await clock.sleep(Math.min(throttle, MAX_FAULT_DELAY_MS), signal)
        }
        queue.shift()
        if (!signal.aborted) deliver(head.frame)
      }
    } catch {
      // Aborted: the relay is closing and drops what is queued.
    } finally {
      pumping = false
    }
  }

  return {
    push(frame, delayMs = 0) {
      const now = clock.nowMs()
      const releaseAtMs = Math.max(now + Math.min(delayMs, MAX_FAULT_DELAY_MS), lastReleaseMs)
      lastReleaseMs = releaseAtMs
      queue.push({ frame, releaseAtMs })
      // Fast path: nothing ahead and nothing to wait for, deliver in this tick.
      if (!pumping && queue.length === 1 && releaseAtMs <= now && !bucket) {
        queue.shift()
        deliver(frame)
        return
      }
      if (!pumping) void pump()
    },
    get size() {
      return queue.length
    }
  }
}
