/**
 * RFC 6455 ping bookkeeping for one connection: each ping carries a 4-byte
 * id as its payload, so its pong is matched exactly and the RTT comes from
 * the injected clock. Pings time out on their own timers.
 *
 * A pong whose payload is not a pending ping's id is either an unsolicited
 * keepalive (allowed, RFC 6455 §5.5.3) or an answer with the wrong payload
 * (a MUST broken, but proof of liveness). The two look alike on the wire, so
 * such a pong is held as the *candidate* answer of the oldest pending ping
 * for a short confirmation window: an exact echo arriving within it answers
 * the ping (the candidate was a keepalive and is counted as unsolicited);
 * otherwise the ping counts as answered at the candidate's arrival, and as
 * a payload mismatch.
 */
import type { Clock } from '../metrics/clock.js'

const PING_ID_BYTES = 4
/**
 * Share of a ping's timeout an exact echo gets, after a pong with another
 * payload arrived, to show that pong was a keepalive: a service sends its
 * real answer right behind a keepalive on the same stream, and a quarter of
 * the timeout keeps a service that always answers with the wrong payload
 * from costing a full timeout per ping.
 */
export const MISMATCH_CONFIRM_SHARE = 0.25

/**
 * The connection the pings belong to. Methods rather than closures: one
 * connection object serves them all (heap per connection, benchmark (c)).
 */
export interface PingsOwner {
  /** Puts a ping with this payload on the wire (called once per ping, after it is registered). */
  sendPing(payload: Buffer): void
  /** Builds the error a timed-out ping rejects with (and records it). */
  pongTimedOut(id: number, timeoutMs: number): Error
  /** Called once per answered ping with its RTT in ms. */
  pongAnswered(rttMs: number): void
  /** Called once per ping answered by a pong whose payload did not echo it (RFC 6455 §5.5.3). */
  pongMismatched(): void
}

export interface PingTracker {
  /** Pings awaiting a pong. */
  readonly size: number
  /** Registers a ping and hands its payload to the owner's sendPing(); resolves with the RTT in ms. */
  start(timeoutMs: number): Promise<number>
  /** Pongs that answered no pending ping (unsolicited keepalives, late or foreign payloads). */
  readonly unsolicited: number
  /** Pings answered only by a pong with another payload. */
  readonly mismatched: number
  /** Settles the ping whose payload a pong echoes exactly; see the file comment for other pongs. */
  settle(payload: Buffer): void
  /** Rejects every pending ping (the connection closed). */
  rejectAll(error: (id: number) => Error): void
}

interface PendingPing {
  startMs: number
  timeoutMs: number
  timer: NodeJS.Timeout
  /** When a pong with another payload arrived while this ping was the oldest pending. */
  candidateMs?: number
  confirmTimer?: NodeJS.Timeout
  resolve(rttMs: number): void
  reject(error: Error): void
}

/** The ping tracker of one connection (connections create it on their first ping). */
export function createPingTracker(clock: Clock, owner: PingsOwner): PingTracker {
  return new Pings(clock, owner)
}

class Pings implements PingTracker {
  private readonly pending = new Map<number, PendingPing>()
  private nextId = 0
  private unsolicitedCount = 0
  private mismatchedCount = 0

  constructor(
    private readonly clock: Clock,
    private readonly owner: PingsOwner
  ) {}

  get size(): number {
    return this.pending.size
  }

  get unsolicited(): number {
    return this.unsolicitedCount
  }

  get mismatched(): number {
    return this.mismatchedCount
  }

  start(timeoutMs: number): Promise<number> {
    const id = this.nextId
    this.nextId = (this.nextId + 1) >>> 0
    const payload = Buffer.allocUnsafe(PING_ID_BYTES)
    payload.writeUInt32BE(id, 0)
    return new Promise<number>((resolve, reject) => {
      const timer = setTimeout(onPingTimeout, timeoutMs, this, id)
      this.pending.set(id, { startMs: this.clock.nowMs(), timeoutMs, timer, resolve, reject })
      this.owner.sendPing(payload)
    })
  }

  settle(payload: Buffer): void {
    const exact =
      payload.length === PING_ID_BYTES ? this.pending.get(payload.readUInt32BE(0)) : undefined
    if (exact !== undefined) {
      // A candidate this ping held was a keepalive after all.
      if (exact.candidateMs !== undefined) this.unsolicitedCount++
      this.answer(payload.readUInt32BE(0), exact, this.clock.nowMs())
      return
    }
    // Map iterates in insertion order: the first ping without a candidate is the oldest.
    for (const [id, ping] of this.pending) {
      if (ping.candidateMs !== undefined) continue
      ping.candidateMs = this.clock.nowMs()
      const remainingMs = ping.startMs + ping.timeoutMs - ping.candidateMs
      const confirmMs = Math.max(0, Math.min(ping.timeoutMs * MISMATCH_CONFIRM_SHARE, remainingMs))
      ping.confirmTimer = setTimeout(onMismatchConfirmed, confirmMs, this, id)
      return
    }
    this.unsolicitedCount++
  }

  rejectAll(error: (id: number) => Error): void {
    for (const [id, ping] of this.pending) {
      // A ping a pong already answered for liveness is not lost with the connection.
      if (ping.candidateMs !== undefined) {
        this.confirmMismatch(id)
        continue
      }
      this.pending.delete(id)
      clearTimeout(ping.timer)
      ping.reject(error(id))
    }
  }

  timeout(id: number): void {
    const ping = this.pending.get(id)
    if (ping === undefined) return
    if (ping.candidateMs !== undefined) {
      this.confirmMismatch(id)
      return
    }
    this.pending.delete(id)
    ping.reject(this.owner.pongTimedOut(id, ping.timeoutMs))
  }

  confirmMismatch(id: number): void {
    const ping = this.pending.get(id)
    if (ping?.candidateMs === undefined) return
    this.mismatchedCount++
    this.owner.pongMismatched()
    this.answer(id, ping, ping.candidateMs)
  }

  private answer(id: number, ping: PendingPing, atMs: number): void {
    this.pending.delete(id)
    clearTimeout(ping.timer)
    clearTimeout(ping.confirmTimer)
    const rttMs = atMs - ping.startMs
    this.owner.pongAnswered(rttMs)
    ping.resolve(rttMs)
  }
}

function onPingTimeout(pings: Pings, id: number): void {
  pings.timeout(id)
}

function onMismatchConfirmed(pings: Pings, id: number): void {
  pings.confirmMismatch(id)
}
