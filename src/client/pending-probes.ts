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
import type { PayloadKind, ProbeSink, RoundTrip } from './types.js'

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

/** Fields of one slot in Probes.fields (a stride of FIELDS doubles per slot). */
const START_MS = 0
const DEADLINE_MS = 1
const TIMEOUT_MS = 2
const TOKEN = 3
/** Ids of the pending probes sent before and after this one (NONE at the ends). */
const PREV_ID = 4
const NEXT_ID = 5
/** What the intact check rebuilds the probe from (ProbeProtocol.intact): its kind (index in KINDS) and length. */
const KIND = 6
const SENT_BYTES = 7
const FIELDS = 8
const KINDS: readonly PayloadKind[] = ['text', 'json', 'binary', 'large']
const NONE = -1
/** Slots a probe set starts with (a power of two): loopback keeps a handful in flight. */
const INITIAL_SLOTS = 16

/**
 * Pending probes live in a ring of slots indexed by probe id (ids are
 * consecutive per connection): numbers in one Float64Array, sinks in an
 * array, and the pending ones linked in send order through their ids,
 * instead of a Map entry and an object per probe; the probe's bytes are
 * not kept either (the protocol rebuilds them to check the reply). At
 * 20 000 probes/s a probe held up for a few ms outlives a scavenge, and
 * what it kept (its entry, object, boxed times and payload) was copied,
 * then promoted, so every scavenge cost more and old space grew towards a
 * mark-compact (issue 16, bench (g)). The ring doubles when the ids from the oldest pending probe
 * to the newest no longer fit; the links keep the timeout sweep to the
 * probes still pending, however far back the oldest one is.
 */
class Probes implements PendingProbes {
  readonly nonce: number
  /** The last reply was correlated by its own id (not first in first out). */
  private matchedById = false
  private readonly clock: Clock
  private readonly protocol: ProbeProtocol
  private nextProbeId = 0
  /** Oldest and newest pending probe ids (NONE when none is pending). */
  private headId = NONE
  private tailId = NONE
  private pendingCount = 0
  /** Slots in the ring minus one (a power of two minus one): slot of id = id & mask. */
  private mask = INITIAL_SLOTS - 1
  private fields = new Float64Array(INITIAL_SLOTS * FIELDS)
  /** Per slot: where the outcome goes; undefined = the slot holds no pending probe. */
  private sinks = emptySlots<ProbeSink>(INITIAL_SLOTS)
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
    return this.pendingCount
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
    this.add(id, startMs, deadlineMs, timeoutMs, token, sink, sent)
    // One timer per connection, armed for the earliest deadline: a timer
    // per probe cost a Timeout object and a timer-list insert and remove per message.
    if (deadlineMs < this.probeTimerAtMs) this.armProbeTimer(deadlineMs, startMs)
    try {
      this.owner.sendProbe(sent)
    } catch (error) {
      // The probe fails now; the deadline sweep then finds it settled.
      this.remove(id)
      sink.probeFailed(token, error)
    }
  }

  settle(data: Buffer, isBinary: boolean): Settled {
    const protocol = this.protocol
    const matched = protocol.match(data, isBinary, this.nonce)
    if (matched === NO_MATCH) return SETTLED.unsolicited
    if (matched === FOREIGN) return SETTLED.crossTalk
    const id = this.take(matched)
    if (id === NONE) return this.unanswerable(matched)
    // Read out and free the slot before calling out: a sink may send the next probe at once.
    const slot = id & this.mask
    const at = slot * FIELDS
    const rttMs = this.clock.nowMs() - this.fields[at + START_MS]
    const token = this.fields[at + TOKEN]
    const kind = KINDS[this.fields[at + KIND]]
    const sentBytes = this.fields[at + SENT_BYTES]
    const sink = this.sinks[slot]!
    this.remove(id)
    const intact = protocol.intact(data, isBinary, id, kind, sentBytes, this.nonce)
    this.owner.probeAnswered(rttMs, intact, data.length)
    if (!intact) {
      sink.probeFailed(token, this.owner.probeCorrupted(id, data.length))
      return SETTLED.answered
    }
    sink.probeAnswered(token, rttMs, sentBytes, this.matchedById)
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

  /** The id of the pending probe matched id `matched` answers, or NONE. */
  private take(matched: number): number {
    if (this.pendingCount === 0) return NONE
    // A json service may echo an id field of its own: a reply to an id we
    // never sent is correlated first in first out, like one with no id.
    const fifo =
      matched === MATCH_FIFO || (this.protocol.name === 'json' && matched >= this.nextProbeId)
    this.matchedById = !fifo
    if (fifo) return this.headId
    return this.isPending(matched) ? matched : NONE
  }

  private isPending(id: number): boolean {
    return id >= this.headId && id <= this.tailId && this.sinks[id & this.mask] !== undefined
  }

  /** Puts probe `id` (newer than every pending one) in its slot, at the end of the list. */
  private add(
    id: number,
    startMs: number,
    deadlineMs: number,
    timeoutMs: number,
    token: number,
    sink: ProbeSink,
    sent: EncodedProbe
  ): void {
    if (this.pendingCount > 0 && id - this.headId > this.mask) this.grow(id - this.headId + 1)
    // Ids are below 2^32 (ProbeProtocol.encode): & takes their low bits exactly.
    const slot = id & this.mask
    const at = slot * FIELDS
    const fields = this.fields
    fields[at + START_MS] = startMs
    fields[at + DEADLINE_MS] = deadlineMs
    fields[at + TIMEOUT_MS] = timeoutMs
    fields[at + TOKEN] = token
    fields[at + KIND] = KINDS.indexOf(sent.kind)
    fields[at + SENT_BYTES] = sent.data.length
    fields[at + PREV_ID] = this.tailId
    fields[at + NEXT_ID] = NONE
    if (this.tailId === NONE) this.headId = id
    else fields[(this.tailId & this.mask) * FIELDS + NEXT_ID] = id
    this.tailId = id
    this.sinks[slot] = sink
    this.pendingCount++
  }

  /** Takes pending probe `id` out of its slot and the list. */
  private remove(id: number): void {
    const fields = this.fields
    const slot = id & this.mask
    const prev = fields[slot * FIELDS + PREV_ID]
    const next = fields[slot * FIELDS + NEXT_ID]
    if (prev === NONE) this.headId = next
    else fields[(prev & this.mask) * FIELDS + NEXT_ID] = next
    if (next === NONE) this.tailId = prev
    else fields[(next & this.mask) * FIELDS + PREV_ID] = prev
    this.sinks[slot] = undefined
    this.pendingCount--
  }

  /** Doubles the ring until `span` consecutive ids fit, moving each pending probe to its new slot. */
  private grow(span: number): void {
    let slots = (this.mask + 1) * 2
    while (slots < span) slots *= 2
    const mask = slots - 1
    const fields = new Float64Array(slots * FIELDS)
    const sinks = emptySlots<ProbeSink>(slots)
    for (let id = this.headId; id !== NONE;) {
      const from = (id & this.mask) * FIELDS
      const to = id & mask
      fields.set(this.fields.subarray(from, from + FIELDS), to * FIELDS)
      sinks[to] = this.sinks[id & this.mask]
      id = this.fields[from + NEXT_ID]
    }
    this.fields = fields
    this.sinks = sinks
    this.mask = mask
  }

  rejectAll(error: (id: number) => Error): void {
    clearTimeout(this.probeTimer)
    this.probeTimerAtMs = Number.POSITIVE_INFINITY
    while (this.headId !== NONE) {
      const id = this.headId
      const slot = id & this.mask
      const sink = this.sinks[slot]!
      const token = this.fields[slot * FIELDS + TOKEN]
      this.remove(id)
      sink.probeFailed(token, error(id))
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
    for (let id = this.headId; id !== NONE;) {
      const at = (id & this.mask) * FIELDS
      const deadlineMs = this.fields[at + DEADLINE_MS]
      // Read before timing out: a sink told of the timeout may send probes (added at the end).
      const after = this.fields[at + NEXT_ID]
      if (deadlineMs <= now) this.timeout(id)
      else if (deadlineMs < next) next = deadlineMs
      // A sink that settled more than its own probe (closing the connection) broke the walk.
      id = after === NONE || this.isPending(after) ? after : this.headId
    }
    // A probe sent by a sink meanwhile may have armed the timer already.
    next = Math.min(next, this.probeTimerAtMs)
    if (next !== Number.POSITIVE_INFINITY) this.armProbeTimer(next, this.clock.nowMs())
  }

  private timeout(id: number): void {
    const slot = id & this.mask
    const sink = this.sinks[slot]!
    const token = this.fields[slot * FIELDS + TOKEN]
    const timeoutMs = this.fields[slot * FIELDS + TIMEOUT_MS]
    this.remove(id)
    ;(this.expired ??= new Set()).add(id)
    sink.probeFailed(token, this.owner.probeTimedOut(id, timeoutMs))
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

/** `slots` empty slots: an array of undefined (holey arrays would be slower to read). */
function emptySlots<T>(slots: number): (T | undefined)[] {
  return new Array<T | undefined>(slots).fill(undefined)
}

function settleNothing(): void {}

function onProbeDeadline(probes: Probes): void {
  probes.sweep()
}
