/**
 * A budget on bytes received and not yet delivered as messages, shared by
 * every connection of one connector. ws's maxPayload bounds each
 * connection; this bounds their sum, which grows with the connection count
 * (stress mode ramps to hundreds). It is a plain counter so the hot path
 * pays one addition and one comparison per TCP chunk.
 */

export interface BufferBudget {
  /** Bytes the connections may hold between them. */
  readonly limitBytes: number
  /** Bytes they hold now (received on the socket, not yet a message). */
  usedBytes: number
}

/** A budget of `limitBytes` (a positive integer). */
export function createBufferBudget(limitBytes: number): BufferBudget {
  if (!Number.isInteger(limitBytes) || limitBytes <= 0) {
    throw new RangeError(`limitBytes: got ${limitBytes}; expected a positive integer of bytes`)
  }
  return { limitBytes, usedBytes: 0 }
}

/** One connection's share of a budget: what it received since its last message. */
export class BufferAccount {
  private pendingBytes = 0

  constructor(private readonly budget: BufferBudget) {}

  get limitBytes(): number {
    return this.budget.limitBytes
  }

  /** Counts `bytes` just received; false once the budget is passed. */
  received(bytes: number): boolean {
    this.pendingBytes += bytes
    const budget = this.budget
    budget.usedBytes += bytes
    return budget.usedBytes <= budget.limitBytes
  }

  /**
   * A message or control frame was delivered: what this connection held is
   * handed on. A control frame inside a fragmented message releases the
   * fragments too, so the budget can undercount there; maxPayload still
   * bounds that connection.
   */
  release(): void {
    this.budget.usedBytes -= this.pendingBytes
    this.pendingBytes = 0
  }
}
