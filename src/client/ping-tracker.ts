/**
 * RFC 6455 ping bookkeeping for one connection: each ping carries a 4-byte
 * id as its payload, so its pong is matched exactly and the RTT comes from
 * the injected clock. Pings time out on their own timers.
 */
import type { Clock } from '../metrics/clock.js'

const PING_ID_BYTES = 4

export interface PingTrackerHooks {
  clock: Clock
  /** Builds the error a timed-out ping rejects with (and records it). */
  timedOut(id: number, timeoutMs: number): Error
  /** Called once per answered ping with its RTT in ms. */
  answered(rttMs: number): void
}

export interface PingTracker {
  /** Pings awaiting a pong. */
  readonly size: number
  /** Registers a ping and hands its payload to `send`; resolves with the RTT in ms. */
  start(timeoutMs: number, send: (payload: Buffer) => void): Promise<number>
  /** Pongs that answered no pending ping (unsolicited keepalives, late or foreign payloads). */
  readonly unsolicited: number
  /** Settles the ping whose payload a pong echoes exactly; any other pong is counted as unsolicited. */
  settle(payload: Buffer): void
  /** Rejects every pending ping (the connection closed). */
  rejectAll(error: (id: number) => Error): void
}

interface PendingPing {
  startMs: number
  timeoutMs: number
  timer: NodeJS.Timeout
  resolve(rttMs: number): void
  reject(error: Error): void
}

export function createPingTracker(hooks: PingTrackerHooks): PingTracker {
  return new Pings(hooks)
}

class Pings implements PingTracker {
  private readonly pending = new Map<number, PendingPing>()
  private nextId = 0
  private unsolicitedCount = 0

  constructor(private readonly hooks: PingTrackerHooks) {}

  get size(): number {
    return this.pending.size
  }

  get unsolicited(): number {
    return this.unsolicitedCount
  }

  start(timeoutMs: number, send: (payload: Buffer) => void): Promise<number> {
    const id = this.nextId
    this.nextId = (this.nextId + 1) >>> 0
    const payload = Buffer.allocUnsafe(PING_ID_BYTES)
    payload.writeUInt32BE(id, 0)
    return new Promise<number>((resolve, reject) => {
      const timer = setTimeout(onPingTimeout, timeoutMs, this, id)
      this.pending.set(id, { startMs: this.hooks.clock.nowMs(), timeoutMs, timer, resolve, reject })
      send(payload)
    })
  }

  settle(payload: Buffer): void {
    // RFC 6455 §5.5.3: a pong answering a ping echoes its payload exactly, and
    // unsolicited pongs (any payload) are allowed as a keepalive. Only an
    // exact echo of a pending ping's id answers it; everything else is counted.
    const ping =
      payload.length === PING_ID_BYTES ? this.pending.get(payload.readUInt32BE(0)) : undefined
    if (ping === undefined) {
      this.unsolicitedCount++
      return
    }
    const id = payload.readUInt32BE(0)
    this.pending.delete(id)
    clearTimeout(ping.timer)
    const rttMs = this.hooks.clock.nowMs() - ping.startMs
    this.hooks.answered(rttMs)
    ping.resolve(rttMs)
  }

  rejectAll(error: (id: number) => Error): void {
    for (const [id, ping] of this.pending) {
      this.pending.delete(id)
      clearTimeout(ping.timer)
      ping.reject(error(id))
    }
  }

  timeout(id: number): void {
    const ping = this.pending.get(id)
    if (ping === undefined) return
    this.pending.delete(id)
    ping.reject(this.hooks.timedOut(id, ping.timeoutMs))
  }
}

function onPingTimeout(pings: Pings, id: number): void {
  pings.timeout(id)
}
