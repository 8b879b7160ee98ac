/**
 * Acknowledged delivery for the reconnecting client: a sent message is
 * queued, written on the live connection while fewer than `maxInFlight` wait
 * for their ack, removed when its ack arrives, and written again when its ack
 * deadline passes or on the next connection. The window keeps each drop
 * cheap; the deadline keeps a lost ack from holding its slot forever.
 */
import { HealthError } from '../errors.js'
import { createAckTimer, givenUpMessage, sweepOverdue } from './ack-deadline.js'
import { hasEnded, type ClientCore } from './reconnect-core.js'

export interface DeliveryWindow {
  /** Queues a message and returns its id (ReconnectingClient.send). */
  enqueue(body: string | Record<string, unknown>): string
  /** A reply carried `id`, an id with the client's prefix. */
  acknowledge(id: string): void
  /** Writes what the window allows on the live connection. */
  flush(): void
  /** The client ended: no ack deadline fires any more. */
  stop(): void
}

export function createDeliveryWindow(core: ClientCore): DeliveryWindow {
  const { ack, clock, queue, stats } = core
  let seq = 0
  // One timer per client, set for the earliest ack deadline on the injected clock; when it
  // fires, every overdue message on the live connection is written again or given up.
  const ackTimer = createAckTimer(clock, onAckDeadline)

  function flush(): void {
    const current = core.current
    if (core.state !== 'open' || !current) return
    if (core.inFlight >= core.maxInFlight) return
    const deadline = clock.nowMs() + ack.ackTimeoutMs
    let wrote = false
    for (const message of queue.unsentOn(core.generation, core.maxInFlight - core.inFlight)) {
      core.inFlight += 1
      current.send(message.data)
      message.writes += 1
      if (message.writes > 1) stats.resends += 1
      message.generation = core.generation
      message.ackDeadlineMs = deadline
      wrote = true
    }
    // Deadlines only grow (now + a constant), so a timer already set is never late for these.
    if (wrote && ack.ackTimeoutMs > 0 && !ackTimer.armed) ackTimer.armAt(deadline)
  }

  function onAckDeadline(): void {
    const current = core.current
    // Not open: the reconnect rewrites every pending message, and flush() sets a new timer.
    if (core.state !== 'open' || !current || core.abort.signal.aborted) return
    const sweep = sweepOverdue(queue.writtenOn(core.generation), clock.nowMs(), ack)
    stats.ackTimeouts += sweep.resend.length + sweep.giveUp.length
    for (const message of sweep.resend) {
      // Lost on a live connection (message or ack): write it again on the same connection.
      stats.resends += 1
      current.send(message.data)
    }
    for (const message of sweep.giveUp) {
      // Given up: the slot is freed so later messages still flow; it counts as lost.
      queue.ack(message.id)
      core.inFlight -= 1
      stats.messagesAbandoned += 1
      stats.lastError = { code: 'WSH_ERR_MESSAGE_TIMEOUT', message: givenUpMessage(message, ack) }
    }
    if (sweep.giveUp.length > 0) {
      flush()
      for (const listener of core.progressListeners) listener()
    }
    if (!ackTimer.armed) ackTimer.armAt(sweep.nextDeadlineMs)
  }

  function acknowledge(id: string): void {
    const generationOf = queue.generationOf(id)
    if (queue.ack(id)) {
      stats.messagesAcked += 1
      if (generationOf === core.generation) core.inFlight -= 1
      flush()
    } else stats.duplicateAcks += 1
  }

  function enqueue(body: string | Record<string, unknown>): string {
    if (hasEnded(core)) {
      throw core.failure ?? new HealthError('WSH_ERR_CONNECTION_LOST', 'send on a closed client')
    }
    seq += 1
    const id = `${core.idPrefix}-${seq}`
    const data =
      typeof body === 'string'
        ? JSON.stringify({ type: 'msg', [core.idField]: id, body })
        : JSON.stringify({ ...body, [core.idField]: id })
    if (!queue.push(id, data)) {
      throw new HealthError(
        'WSH_ERR_CONNECTION_LOST',
        `outbound queue full (${queue.maxSize} unacknowledged messages); raise maxQueue or wait for acks`
      )
    }
    stats.messagesSent += 1
    flush()
    return id
  }

  return { enqueue, acknowledge, flush, stop: () => ackTimer.cancel() }
}
