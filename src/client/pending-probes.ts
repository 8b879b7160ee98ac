/**
 * Probe bookkeeping for one connection: probes awaiting a reply, keyed by
 * id in send order, the matching of a received message to the probe it
 * answers (RTT from the injected clock, integrity from the protocol), and
 * the deadlines after which an unanswered probe times out. settle() runs
 * once per message, so it allocates nothing but the RoundTrip it resolves
 * (and nothing at all for a probe whose outcome goes to a ProbeSink).
 *
 * Every message is sorted once: a reply (intact, or corrupted: the probe
 * then rejects, it was not answered), a second copy of an answered reply
 * (duplicate), a probe carrying another connection's nonce (cross-talk), or
 * unsolicited (banners, broadcasts, replies that arrive after their timeout).
 */
import { randomInt } from 'node:crypto'
import type { Clock } from '../metrics/clock.js'
import { FOREIGN, MATCH_FIFO, NO_MATCH, type EncodedProbe, type ProbeProtocol } from './protocol.js'
import type { ProbeSink, RoundTrip } from './types.js'

/** What settle() made of a message. */
export const SETTLED = {
  /** It answered a pending probe (intact or corrupted). */
  answered: 0,
  /** A second reply to a probe that was already answered. */
  duplicate: 1,
  /** A probe of another connection (its nonce is not this one's): misrouted. */
  crossTalk: 2,
  /** It answers nothing of ours. */
  unsolicited: 3
} as const
export type Settled = (typeof SETTLED)[keyof typeof SETTLED]

interface PendingProbe {
  startMs: number
  sent: EncodedProbe
  timeoutMs: number
  /** Clock ms after which the probe times out. */
  deadlineMs: number
  /** Where the outcome goes: a caller's sink (probeTo), or the settlers of probe()'s promise. */
  sink: ProbeSink
  /** The caller's token for `sink` (the probe id for a promise). */
  token: number
}

/**
 * The connection the probes belong to. Methods rather than closures: one
 * connection object serves them all, so idle connections hold no hook
 * closures (heap per connection, benchmark (c)).
 */
export interface ProbesOwner {
  /** Puts an encoded probe on the wire (called once per probe, after it is registered). */
  sendProbe(sent: EncodedProbe): void
  /** Builds the error a timed-out probe rejects with (and records it). */
  probeTimedOut(id: number, timeoutMs: number): Error
  /** Called once per answered probe, before it resolves; `bytes` is the reply's size. */
  probeAnswered(rttMs: number, intact: boolean, bytes: number): void
  /**
   * Builds the error a probe whose reply came back corrupted (not byte for
   * byte what was sent) rejects with; probeAnswered() has recorded it already.
   */
  probeCorrupted(id: number, bytes: number): Error
}

/** What a probe set needs besides its owner. */
export interface ProbesSetup {
  clock: Clock
  protocol: ProbeProtocol
  /** The connection's nonce (uint32, newProbeNonce()), carried by its probes. */
  nonce: number
}

export interface PendingProbes {
  /** Probes awaiting a reply. */
  readonly size: number
  /** Allocates the next probe id (consumed even if encoding the probe then fails). */
  nextId(): number
  /**
   * Registers probe `id` with a deadline `timeoutMs` from now and hands it to
   * the owner's sendProbe(); the promise settles through settle() or a
   * timeout, or rejectAll().
   */
  start(id: number, sent: EncodedProbe, timeoutMs: number): Promise<RoundTrip>
  /**
   * start() without a promise: the outcome goes to `sink` with `token`,
   * synchronously from settle(), the deadline sweep, rejectAll(), or this
   * call when the send throws.
   */
  startTo(id: number, sent: EncodedProbe, timeoutMs: number, sink: ProbeSink, token: number): void
  /** This connection's nonce, carried by its probes (ProbeProtocol.encode). */
  readonly nonce: number
  /**
   * Resolves the pending probe a message answers (rejects it when the reply
   * is corrupted) and says what the message was.
   */
  settle(data: Buffer, isBinary: boolean): Settled
  /** Rejects every pending probe (the connection closed). */
  rejectAll(error: (id: number) => Error): void
}

/**
 * The probe set of one connection. Connections create it on their first
 * probe: until then settleUnprobed() sorts their messages.
 */
export function createPendingProbes(setup: ProbesSetup, owner: ProbesOwner): PendingProbes {
  return new Probes(setup, owner)
}

/** Nonces are uint32: the probes carry them as 8 hex digits or 4 bytes. */
const NONCE_LIMIT = 0x100000000

/** A random nonce for a new connection. */
export function newProbeNonce(): number {
  return randomInt(NONCE_LIMIT)
}

/**
 * What Probes.settle() makes of a message on a connection that has sent no
 * probe yet: nothing of ours can be answered, so it is another connection's
 * probe (cross-talk) or unsolicited.
 */
export function settleUnprobed(
  protocol: ProbeProtocol,
  nonce: number,
  data: Buffer,
  isBinary: boolean
): Settled {
  return protocol.match(data, isBinary, nonce) === FOREIGN ? SETTLED.crossTalk : SETTLED.unsolicited
}

/** The sink of a probe() promise: the reply becomes its RoundTrip (the token is the probe id). */
class PromiseSettlers implements ProbeSink {
  resolve: (trip: RoundTrip) => void = settleNothing
  reject: (error: unknown) => void = settleNothing

  probeAnswered(id: number, rttMs: number, bytes: number, matchedById: boolean): void {
    this.resolve({ id, rttMs, intact: true, bytes, matchedById })
  }

  probeFailed(_id: number, error: unknown): void {
    this.reject(error)
  }
}

/**
 * Parks a new promise's resolve and reject in the settlers being created:
 * one shared executor instead of a closure (and its context) per probe.
 * The executor runs synchronously inside `new Promise`, so the slot never
 * holds settlers past that call.
 */
let registering: PromiseSettlers | undefined
function parkSettlers(resolve: (trip: RoundTrip) => void, reject: (error: unknown) => void): void {
  registering!.resolve = resolve
  registering!.reject = reject
}

class Probes implements PendingProbes {
  readonly nonce: number
  private matchedId = -1
  /** The last reply was correlated by its own id (not first in first out). */
  private matchedById = false
  private readonly pending = new Map<number, PendingProbe>()
  private readonly clock: Clock
  private readonly protocol: ProbeProtocol
  private nextProbeId = 0
  private probeTimer: NodeJS.Timeout | undefined
  /** Deadline the probe timer is armed for (Infinity when none). */
  private probeTimerAtMs = Number.POSITIVE_INFINITY

  /**
   * Probes that timed out: a reply to one arriving later is late, not a
   * duplicate. Timeouts are rare, so this stays small (bounded by probes
   * sent) and is created on the first one.
   */
  private expired: Set<number> | undefined

  constructor(
    setup: ProbesSetup,
    private readonly owner: ProbesOwner
  ) {
    this.clock = setup.clock
    this.protocol = setup.protocol
    this.nonce = setup.nonce
  }

  get size(): number {
    return this.pending.size
  }

  nextId(): number {
    return this.nextProbeId++
  }

  start(id: number, sent: EncodedProbe, timeoutMs: number): Promise<RoundTrip> {
    const settlers = new PromiseSettlers()
    registering = settlers
    const trip = new Promise<RoundTrip>(parkSettlers)
    registering = undefined
    this.startTo(id, sent, timeoutMs, settlers, id)
    return trip
  }

  startTo(id: number, sent: EncodedProbe, timeoutMs: number, sink: ProbeSink, token: number): void {
    const startMs = this.clock.nowMs()
    const deadlineMs = startMs + timeoutMs
    this.pending.set(id, { startMs, sent, timeoutMs, deadlineMs, sink, token })
    // One timer per connection, armed for the earliest deadline: a timer
    // per probe cost a Timeout object and a timer-list insert and remove per message.
    if (deadlineMs < this.probeTimerAtMs) this.armProbeTimer(deadlineMs, startMs)
    try {
      this.owner.sendProbe(sent)
    } catch (error) {
      // The probe fails now; it stays pending until its deadline, which then finds it settled.
      this.pending.delete(id)
      sink.probeFailed(token, error)
    }
  }

  settle(data: Buffer, isBinary: boolean): Settled {
    const protocol = this.protocol
    const matched = protocol.match(data, isBinary, this.nonce)
    if (matched === NO_MATCH) return SETTLED.unsolicited
    if (matched === FOREIGN) return SETTLED.crossTalk
    const probe = this.take(matched)
    if (probe === undefined) return this.unanswerable(matched)
    const rttMs = this.clock.nowMs() - probe.startMs
    const intact = protocol.intact(data, isBinary, probe.sent)
    this.owner.probeAnswered(rttMs, intact, data.length)
    if (!intact) {
      probe.sink.probeFailed(probe.token, this.owner.probeCorrupted(this.matchedId, data.length))
      return SETTLED.answered
    }
    probe.sink.probeAnswered(probe.token, rttMs, probe.sent.data.length, this.matchedById)
    return SETTLED.answered
  }

  /**
   * A reply naming one of our probe ids that is not pending: late when the
   * probe timed out, a duplicate when it was answered already.
   */
  private unanswerable(id: number): Settled {
    if (id < 0 || id >= this.nextProbeId || this.expired?.has(id) === true)
      return SETTLED.unsolicited
    // Still pending means take() found it; a probe rejected with its closed
    // connection gets no further messages. What is left was answered.
    return SETTLED.duplicate
  }

  /** Finds and removes the pending probe matched id `matched` answers; sets matchedId. */
  private take(matched: number): PendingProbe | undefined {
    if (this.pending.size === 0) return undefined
    let id = matched
    // A json service may echo an id field of its own: a reply to an id we
    // never sent is correlated first in first out, like one with no id.
    const fifo = id === MATCH_FIFO || (this.protocol.name === 'json' && id >= this.nextProbeId)
    if (fifo) id = this.pending.keys().next().value as number
    this.matchedById = !fifo
    const probe = this.pending.get(id)
    if (probe !== undefined) {
      this.pending.delete(id)
      this.matchedId = id
    }
    return probe
  }

  rejectAll(error: (id: number) => Error): void {
    clearTimeout(this.probeTimer)
    this.probeTimerAtMs = Number.POSITIVE_INFINITY
    for (const [id, probe] of this.pending) {
      this.pending.delete(id)
      probe.sink.probeFailed(probe.token, error(id))
    }
  }

  /** The probe timer fired: time out every probe past its deadline, re-arm for the next. */
  sweep(): void {
    // The armed deadline has passed by the timer's account even if the
    // injected clock disagrees (a manual clock in tests), so never re-arm for it.
    const now = Math.max(this.clock.nowMs(), this.probeTimerAtMs)
    this.probeTimer = undefined
    this.probeTimerAtMs = Number.POSITIVE_INFINITY
    let next = Number.POSITIVE_INFINITY
    for (const [id, probe] of this.pending) {
      if (probe.deadlineMs <= now) this.timeout(id)
      else if (probe.deadlineMs < next) next = probe.deadlineMs
    }
    if (next !== Number.POSITIVE_INFINITY) this.armProbeTimer(next, this.clock.nowMs())
  }

  private timeout(id: number): void {
    const probe = this.pending.get(id)
    if (probe === undefined) return
    this.pending.delete(id)
    ;(this.expired ??= new Set()).add(id)
    probe.sink.probeFailed(probe.token, this.owner.probeTimedOut(id, probe.timeoutMs))
  }

  private armProbeTimer(atMs: number, nowMs: number): void {
    clearTimeout(this.probeTimer)
    this.probeTimerAtMs = atMs
    this.probeTimer = setTimeout(onProbeDeadline, Math.max(0, atMs - nowMs), this)
    // Pending probes exist only while the socket is open, and the socket keeps
    // the process alive; an idle connection's stale deadline must not.
    this.probeTimer.unref()
  }
}

function settleNothing(): void {}

function onProbeDeadline(probes: Probes): void {
  probes.sweep()
}
