/**
 * Messages the reconnecting client owes the service: everything sent and not
 * yet acknowledged, in send order. A message stays here until its ack
 * arrives, so a message lost with a dropped connection is sent again on the
 * next connection (at-least-once; the receiver dedupes by id).
 */

export interface OutboundMessage {
  readonly id: string
  readonly data: string | Buffer
  /** Times it was written to a socket (1 = sent once, > 1 = resent). */
  writes: number
  /** Connection generation it was last written on (-1 = never written). */
  generation: number
  /** Clock ms by which its ack is due on the current connection (-1 = not waiting). */
  ackDeadlineMs: number
  /** Ack deadlines it has missed so far (each one led to a resend on the same connection). */
  ackTimeouts: number
}

export interface OutboundQueue {
  /** Unacknowledged messages. */
  readonly size: number
  readonly maxSize: number
  /** Adds a message; returns false (and adds nothing) when the queue is full. */
  push(id: string, data: string | Buffer): boolean
  /** Removes an acknowledged message; false when the id is unknown (duplicate or stray ack). */
  ack(id: string): boolean
  has(id: string): boolean
  /** Generation a pending message was last written on (-1 never; undefined when not pending). */
  generationOf(id: string): number | undefined
  /** Up to `limit` messages not yet written on connection `generation`, in send order. */
  unsentOn(generation: number, limit?: number): OutboundMessage[]
  /** Messages written on connection `generation` and not yet acknowledged, in send order. */
  writtenOn(generation: number): OutboundMessage[]
}

/** Default bound: enough for any probe burst, small enough that a dead link cannot exhaust memory. */
export const DEFAULT_MAX_QUEUE = 10_000

export function createOutboundQueue(maxSize: number = DEFAULT_MAX_QUEUE): OutboundQueue {
  if (!Number.isInteger(maxSize) || maxSize < 1) {
    throw new RangeError(`maxQueue: got ${maxSize}; expected an integer >= 1`)
  }
  return new Queue(maxSize)
}

/** Methods on the prototype and the map created on the first push: an unused queue costs one small object. */
class Queue implements OutboundQueue {
  /** Insertion order is send order. */
  private pending: Map<string, OutboundMessage> | undefined

  constructor(readonly maxSize: number) {}

  get size(): number {
    return this.pending?.size ?? 0
  }

  push(id: string, data: string | Buffer): boolean {
    const pending = (this.pending ??= new Map())
    if (pending.size >= this.maxSize || pending.has(id)) return false
    pending.set(id, { id, data, writes: 0, generation: -1, ackDeadlineMs: -1, ackTimeouts: 0 })
    return true
  }

  ack(id: string): boolean {
    return this.pending?.delete(id) ?? false
  }

  has(id: string): boolean {
    return this.pending?.has(id) ?? false
  }

  generationOf(id: string): number | undefined {
    return this.pending?.get(id)?.generation
  }

  unsentOn(generation: number, limit = Number.POSITIVE_INFINITY): OutboundMessage[] {
    const out: OutboundMessage[] = []
    if (this.pending === undefined) return out
    for (const message of this.pending.values()) {
      if (out.length >= limit) break
      if (message.generation !== generation) out.push(message)
    }
    return out
  }

  writtenOn(generation: number): OutboundMessage[] {
    const out: OutboundMessage[] = []
    if (this.pending === undefined) return out
    for (const message of this.pending.values()) {
      if (message.generation === generation) out.push(message)
    }
    return out
  }
}
