/**
 * One direction of a relayed connection: frames leave in the order they
 * arrived, each no earlier than its release time, so added latency never
 * reorders a stream (TCP would not either). One pending timer per pipe, and
 * it is cancelled through the relay's AbortSignal on close.
 *
 * Backpressure: the pipe counts the message bytes it holds, queued or handed
 * to the destination socket and not yet written out (the send callback
 * clears them). Above `highWaterBytes` it asks the relay to pause the
 * source socket, below `lowWaterBytes` to resume it, so a fast sender and a
 * slow reader cannot make the relay buffer without limit; above
 * `maxQueuedBytes` it reports an overflow and accepts nothing more.
 */
import type { Clock } from '../metrics/clock.js'
import { MAX_FAULT_DELAY_MS } from './faults.js'
import type { TokenBucket } from './token-bucket.js'

export type Frame =
  | { kind: 'message'; data: Buffer; isBinary: boolean }
  | { kind: 'ping' | 'pong'; data: Buffer }
  | { kind: 'close'; code: number; reason: string }

/** Hands a frame to the destination; calls `written` once it left the process (or was dropped). */
export type Deliver = (frame: Frame, written: () => void) => void

export interface PipeFlow {
  /** Pause the source above this many held bytes. */
  highWaterBytes: number
  /** Resume the source at or below this many held bytes. */
  lowWaterBytes: number
  /** Hard cap: above it the pipe overflows (the relay closes the connection with 1009). */
  maxQueuedBytes: number
  /** true: pause the source; false: resume it. */
  onPressure(paused: boolean): void
  /** Called once when the cap is exceeded; the pipe drops everything from then on. */
  onOverflow(): void
}

export interface Pipe {
  /**
   * Queues a frame to leave after `delayMs` (capped), behind every earlier
   * frame. Returns how long (ms) the frame is held before it leaves: its
   * delay or the wait behind earlier frames, whichever is longer (0 when
   * dropped or sent at once; the bandwidth limit's throttle not included).
   */
  push(frame: Frame, delayMs?: number): number
  /** Frames waiting. */
  readonly size: number
  /** Message bytes held now: queued plus handed to the socket and not yet written. */
  readonly queuedBytes: number
  /** Largest queuedBytes seen. */
  readonly peakQueuedBytes: number
}

export function createPipe(
  deliver: Deliver,
  clock: Clock,
  signal: AbortSignal,
  bucket?: TokenBucket,
  flow?: PipeFlow,
  /** Told when a frame leaves after being held: when it arrived, and how long it really waited (ms). */
  onLeave?: (arrivedAtMs: number, heldMs: number) => void
): Pipe {
  const queue: Array<{ frame: Frame; releaseAtMs: number; arrivedAtMs: number }> = []
  let lastReleaseMs = 0
  let pumping = false
  let held = 0
  let peak = 0
  let paused = false
  let overflowed = false

  const sizeOf = (frame: Frame): number => (frame.kind === 'message' ? frame.data.length : 0)

  function release(bytes: number): void {
    held -= bytes
    if (paused && held <= (flow?.lowWaterBytes ?? 0) && !overflowed) {
      paused = false
      flow?.onPressure(false)
    }
  }

  function send(frame: Frame): void {
    const bytes = sizeOf(frame)
    let done = false
    deliver(frame, () => {
      // Guard: a callback must free its bytes once, whatever the socket does.
      if (done) return
      done = true
      release(bytes)
    })
  }

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
        if (!signal.aborted) {
          onLeave?.(head.arrivedAtMs, clock.nowMs() - head.arrivedAtMs)
          send(head.frame)
        }
      }
    } catch {
      // Aborted: the relay is closing and drops what is queued.
    } finally {
      pumping = false
      if (signal.aborted) queue.length = 0
    }
  }

  return {
    push(frame, delayMs = 0) {
      if (signal.aborted || overflowed) return 0
      const bytes = sizeOf(frame)
      held += bytes
      peak = Math.max(peak, held)
      if (flow && held > flow.maxQueuedBytes) {
        overflowed = true
        queue.length = 0
        flow.onOverflow()
        return 0
      }
      if (flow && !paused && held > flow.highWaterBytes) {
        paused = true
        flow.onPressure(true)
      }
      const now = clock.nowMs()
      const releaseAtMs = Math.max(now + Math.min(delayMs, MAX_FAULT_DELAY_MS), lastReleaseMs)
      lastReleaseMs = releaseAtMs
      queue.push({ frame, releaseAtMs, arrivedAtMs: now })
      // Fast path: nothing ahead and nothing to wait for, deliver in this tick.
      if (!pumping && queue.length === 1 && releaseAtMs <= now && !bucket) {
        queue.shift()
        send(frame)
        return 0
      }
      if (!pumping) void pump()
      return Math.max(0, releaseAtMs - now)
    },
    get size() {
      return queue.length
    },
    get queuedBytes() {
      return held
    },
    get peakQueuedBytes() {
      return peak
    }
  }
}
