/**
 * A client that heals itself: after an abnormal drop it reconnects with
 * exponential backoff and jitter, behind a circuit breaker, and gives up
 * after `backoff.maxAttempts`. Messages are queued while disconnected and
 * kept until acknowledged (a reply carrying the message's id), so a message
 * lost with a connection is resent on the next one (at-least-once; the
 * receiver dedupes by id). Optional session resume sends the service's
 * token back on reconnect. Every wait goes through the injected Clock.
 */
import { redactText } from '../config/redact.js'
import { HealthError } from '../errors.js'
import { systemClock } from '../metrics/clock.js'
import { createAckTimer, givenUpMessage, resolveAckPolicy, sweepOverdue } from './ack-deadline.js'
import { createBackoff } from './backoff.js'
import { createBreaker } from './breaker.js'
import { createOutboundQueue } from './outbound-queue.js'
import {
  CLOSE_TIMEOUT_MS,
  DEFAULT_MAX_IN_FLIGHT,
  MAX_RECOVERY_RECORDS,
  type ClientState,
  type MessageListener,
  type ReconnectingClient,
  type ReconnectingClientOptions,
  type ReconnectStats,
  type RecoveryRecord
} from './reconnect-types.js'
import { resumeFirstMessage, resumeHeaders, resumeUrl, tokenFrom } from './resume-options.js'
import { openWsSocket, type ClientSocket } from './socket-opener.js'

export * from './reconnect-types.js'

export function createReconnectingClient(options: ReconnectingClientOptions): ReconnectingClient {
  const clock = options.clock ?? systemClock
  const open = options.open ?? openWsSocket
  const random = options.random ?? Math.random
  const idField = options.idField ?? 'id'
  const idPrefix = options.idPrefix ?? 'm'
  const backoff = createBackoff(options.backoff)
  const breaker = options.breaker === null ? undefined : createBreaker(options.breaker, clock)
  const queue = createOutboundQueue(options.maxQueue)
  const maxInFlight = options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT
  if (!Number.isInteger(maxInFlight) || maxInFlight < 1) {
    throw new RangeError(`maxInFlight: got ${maxInFlight}; expected an integer >= 1`)
  }
  const ack = resolveAckPolicy(options)
  const shouldReconnect = options.shouldReconnect ?? ((code: number) => code !== 1000)
  const abort = new AbortController()
  const messageListeners = new Set<MessageListener>()
  const stateListeners = new Set<(state: ClientState, atMs: number) => void>()
  /** Told when messages leave the queue without an ack arriving (given up), for waitForAcks. */
  const progressListeners = new Set<() => void>()
  let openWaiters: Array<{ resolve: () => void; reject: (e: Error) => void }> = []
  const stats: ReconnectStats = {
    attempts: 0,
    reconnections: 0,
    recoveries: [],
    delaysMs: [],
    messagesSent: 0,
    messagesAcked: 0,
    resends: 0,
    ackTimeouts: 0,
    messagesAbandoned: 0,
    duplicateAcks: 0,
    circuitRefusals: 0,
    messagesLost: null,
    lastError: null
  }
  let state: ClientState = 'idle'
  let current: ClientSocket | undefined
  let generation = 0
  /** Written on the current connection and not yet acknowledged. */
  let inFlight = 0
  let seq = 0
  let token: string | undefined
  let failure: HealthError | undefined

  function setState(next: ClientState): void {
    if (next === state) return
    state = next
    const atMs = clock.nowMs()
    for (const listener of stateListeners) listener(next, atMs)
    if (next === 'open') settleWaiters()
    if (next === 'closed' || next === 'failed') {
      ackTimer.cancel()
      stats.messagesLost = stats.messagesSent - stats.messagesAcked
      settleWaiters()
    }
  }

  function settleWaiters(): void {
    const waiters = openWaiters
    openWaiters = []
    for (const waiter of waiters) {
      if (state === 'open') waiter.resolve()
      else waiter.reject(failure ?? new HealthError('WSH_ERR_CONNECTION_LOST', 'client closed'))
    }
  }

  function noteError(error: unknown): void {
    const code = error instanceof HealthError ? error.code : 'WSH_ERR_CONNECT'
    const message = error instanceof Error ? error.message : String(error)
    // The resume token rides in the dialled URL or a header; a custom parameter name would slip
    // past URL redaction, so the token itself is scrubbed too.
    stats.lastError = { code, message: redactText(message, token === undefined ? [] : [token]) }
  }

  async function connectOnce(): Promise<ClientSocket> {
    stats.attempts += 1
    return open(resumeUrl(options.url, options.resume, token), {
      headers: resumeHeaders(options.headers ?? {}, options.resume, token),
      subprotocols: options.subprotocols ?? [],
      handshakeTimeoutMs: options.handshakeTimeoutMs,
      maxPayload: options.maxPayload,
      compression: options.compression
    })
  }

  function onSocketMessage(data: Buffer, isBinary: boolean): void {
    let json: unknown
    if (!isBinary && data.length > 0 && data[0] === 0x7b /* { */) {
      try {
        json = JSON.parse(data.toString('utf8'))
      } catch {
        json = undefined
      }
    }
    if (json !== null && typeof json === 'object') {
      const id = (json as Record<string, unknown>)[idField]
      if (typeof id === 'string' && id.startsWith(`${idPrefix}-`)) {
        const generationOf = queue.generationOf(id)
        if (queue.ack(id)) {
          stats.messagesAcked += 1
          if (generationOf === generation) inFlight -= 1
          flush()
        } else stats.duplicateAcks += 1
      }
      if (options.resume) captureToken(tokenFrom(options.resume, json))
    }
    for (const listener of messageListeners) listener(data, isBinary, json)
  }

  // Resuming by message: the new connection greets with a fresh token before it answers the
  // resume request, so one mismatching token is skipped while the request is outstanding.
  let resumeWanted: string | undefined
  let greetingsToSkip = 0

  function captureToken(offered: string | undefined): void {
    if (offered === undefined) return
    if (resumeWanted !== undefined && offered !== resumeWanted && greetingsToSkip > 0) {
      greetingsToSkip -= 1
      return
    }
    token = offered
    resumeWanted = undefined
  }

  function adopt(socket: ClientSocket): void {
    generation += 1
    inFlight = 0
    current = socket
    // Taken before any buffered message is replayed: the new connection's own greeting
    // carries a fresh token that must not replace the one being resumed.
    const first = resumeFirstMessage(options.resume, token)
    resumeWanted = first === undefined ? undefined : token
    greetingsToSkip = first === undefined ? 0 : 1
    socket.onMessage(onSocketMessage)
    socket.onClose((code) => onSocketClose(socket, code))
    if (current !== socket) return // closed synchronously on registration
    if (first !== undefined) socket.send(first)
    setState('open')
    flush()
  }

  function flush(): void {
    if (state !== 'open' || !current) return
    if (inFlight >= maxInFlight) return
    const deadline = clock.nowMs() + ack.ackTimeoutMs
    let wrote = false
    for (const message of queue.unsentOn(generation, maxInFlight - inFlight)) {
      inFlight += 1
      current.send(message.data)
      message.writes += 1
      if (message.writes > 1) stats.resends += 1
      message.generation = generation
      message.ackDeadlineMs = deadline
      wrote = true
    }
    // Deadlines only grow (now + a constant), so a timer already set is never late for these.
    if (wrote && ack.ackTimeoutMs > 0 && !ackTimer.armed) ackTimer.armAt(deadline)
  }

  // One timer per client, set for the earliest ack deadline on the injected clock; when it
  // fires, every overdue message on the live connection is written again or given up.
  const ackTimer = createAckTimer(clock, onAckDeadline)

  function onAckDeadline(): void {
    // Not open: the reconnect rewrites every pending message, and flush() sets a new timer.
    if (state !== 'open' || !current || abort.signal.aborted) return
    const sweep = sweepOverdue(queue.writtenOn(generation), clock.nowMs(), ack)
    stats.ackTimeouts += sweep.resend.length + sweep.giveUp.length
    for (const message of sweep.resend) {
      // Lost on a live connection (message or ack): write it again on the same connection.
      stats.resends += 1
      current.send(message.data)
    }
    for (const message of sweep.giveUp) {
      // Given up: the slot is freed so later messages still flow; it counts as lost.
      queue.ack(message.id)
      inFlight -= 1
      stats.messagesAbandoned += 1
      stats.lastError = { code: 'WSH_ERR_MESSAGE_TIMEOUT', message: givenUpMessage(message, ack) }
    }
    if (sweep.giveUp.length > 0) {
      flush()
      for (const listener of progressListeners) listener()
    }
    if (!ackTimer.armed) ackTimer.armAt(sweep.nextDeadlineMs)
  }

  function onSocketClose(socket: ClientSocket, code: number): void {
    if (socket !== current) return
    current = undefined
    if (state === 'closed' || abort.signal.aborted) return
    if (!shouldReconnect(code)) {
      setState('closed')
      return
    }
    void recover('drop', code).catch(fail)
  }

  /** A throw escaping recover() (a listener's bug) ends the client as failed, never an unhandled rejection. */
  function fail(error: unknown): void {
    noteError(error)
    failure ??= new HealthError('WSH_ERR_INTERNAL', `reconnect failed: ${stats.lastError?.message}`)
    abort.abort()
    setState('failed')
  }

  async function recover(cause: RecoveryRecord['cause'], closeCode: number | null): Promise<void> {
    if (abort.signal.aborted) return
    setState(cause === 'drop' ? 'reconnecting' : 'connecting')
    const record: RecoveryRecord = {
      cause,
      closeCode,
      startedAtMs: clock.nowMs(),
      endedAtMs: null,
      timeToReconnectMs: null,
      attempts: 0,
      delaysMs: [],
      policyDelaysMs: [],
      succeeded: false
    }
    if (stats.recoveries.length < MAX_RECOVERY_RECORDS) stats.recoveries.push(record)
    const max = backoff.options.maxAttempts
    for (let attempt = 1; attempt <= max; attempt += 1) {
      // An open breaker stretches the wait to its reset timeout instead of hammering a dead service.
      const policyDelay = backoff.delayFor(attempt, random)
      const delay = Math.max(policyDelay, breaker?.msUntilAttempt() ?? 0)
      record.policyDelaysMs.push(policyDelay)
      record.delaysMs.push(delay)
      if (stats.delaysMs.length < MAX_RECOVERY_RECORDS * 10) stats.delaysMs.push(delay)
      try {
        await clock.sleep(delay, abort.signal)
      } catch {
        return // closed while waiting
      }
      if (abort.signal.aborted) return
      record.attempts += 1
      if (breaker && !breaker.canAttempt()) {
        stats.circuitRefusals += 1
        noteError(new HealthError('WSH_ERR_CIRCUIT_OPEN', 'circuit open: attempt refused'))
        continue
      }
      let socket: ClientSocket
      try {
        socket = await connectOnce()
      } catch (error) {
        breaker?.onFailure()
        noteError(error)
        continue
      }
      if (abort.signal.aborted) {
        socket.terminate()
        return
      }
      breaker?.onSuccess()
      record.endedAtMs = clock.nowMs()
      record.timeToReconnectMs = record.endedAtMs - record.startedAtMs
      record.succeeded = true
      stats.reconnections += 1
      adopt(socket)
      return
    }
    failure = new HealthError(
      'WSH_ERR_RECONNECT_EXHAUSTED',
      // The cause goes in the message too: "exceeded maximum" alone hides why each attempt failed.
      `Reconnection attempts exceeded maximum (${max})` +
        (stats.lastError ? `; last error: ${stats.lastError.message}` : ''),
      stats.lastError ? { cause: stats.lastError } : undefined
    )
    abort.abort()
    setState('failed')
  }

  const whenOpen = (): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      if (state === 'open') resolve()
      else if (state === 'failed' || state === 'closed') {
        reject(failure ?? new HealthError('WSH_ERR_CONNECTION_LOST', 'client closed'))
      } else openWaiters.push({ resolve, reject })
    })

  return {
    get state() {
      return state
    },
    stats,
    get pending() {
      return queue.size
    },
    backoff,
    breaker,
    get resumeToken() {
      return token
    },
    get failure() {
      return failure
    },
    async start() {
      if (state !== 'idle') return whenOpen()
      setState('connecting')
      const waiting = whenOpen()
      // close() while the first handshake is in flight rejects `waiting` before it is returned:
      // a handler from the start keeps that from being an unhandled rejection (process exit).
      waiting.catch(() => undefined)
      if (breaker?.canAttempt() === false) stats.circuitRefusals += 1
      else {
        try {
          const socket = await connectOnce()
          breaker?.onSuccess()
          if (abort.signal.aborted) socket.terminate()
          else adopt(socket)
        } catch (error) {
          breaker?.onFailure()
          noteError(error)
          // Closed while the handshake was pending: stay closed, do not start reconnecting.
          if (!abort.signal.aborted) void recover('initial', null).catch(fail)
        }
      }
      return waiting
    },
    send(body) {
      if (state === 'closed' || state === 'failed') {
        throw failure ?? new HealthError('WSH_ERR_CONNECTION_LOST', 'send on a closed client')
      }
      seq += 1
      const id = `${idPrefix}-${seq}`
      const data =
        typeof body === 'string'
          ? JSON.stringify({ type: 'msg', [idField]: id, body })
          : JSON.stringify({ ...body, [idField]: id })
      if (!queue.push(id, data)) {
        throw new HealthError(
          'WSH_ERR_CONNECTION_LOST',
          `outbound queue full (${queue.maxSize} unacknowledged messages); raise maxQueue or wait for acks`
        )
      }
      stats.messagesSent += 1
      flush()
      return id
    },
    whenOpen,
    async waitForAcks(timeoutMs) {
      if (queue.size === 0) return
      const timer = new AbortController()
      let check = (): void => undefined
      const abandonedBefore = stats.messagesAbandoned
      const drained = new Promise<void>((resolve, reject) => {
        check = () => {
          const gaveUp = stats.messagesAbandoned - abandonedBefore
          // Drained by giving messages up is not drained by acks: say so.
          if (queue.size === 0 && gaveUp > 0) {
            reject(
              new HealthError(
                'WSH_ERR_MESSAGE_TIMEOUT',
                `${gaveUp} messages given up unacknowledged after ${ack.maxAckResends} resends each`
              )
            )
          } else if (queue.size === 0) resolve()
          else if (state === 'failed' || state === 'closed') {
            reject(
              failure ??
                new HealthError('WSH_ERR_CONNECTION_LOST', 'client closed with messages pending')
            )
          }
        }
      })
      messageListeners.add(check)
      stateListeners.add(check)
      progressListeners.add(check)
      const expired = clock.sleep(timeoutMs, timer.signal).then(
        () => {
          throw new HealthError(
            'WSH_ERR_MESSAGE_TIMEOUT',
            `${queue.size} messages unacknowledged after ${Math.round(timeoutMs)} ms`
          )
        },
        () => undefined
      )
      try {
        await Promise.race([drained, expired])
      } finally {
        // Listeners go first, so a late settle cannot surface as an unhandled rejection.
        messageListeners.delete(check)
        stateListeners.delete(check)
        progressListeners.delete(check)
        timer.abort()
        drained.catch(() => undefined)
      }
    },
    onMessage(listener) {
      messageListeners.add(listener)
      return () => messageListeners.delete(listener)
    },
    onStateChange(listener) {
      stateListeners.add(listener)
      return () => stateListeners.delete(listener)
    },
    drop() {
      current?.terminate()
    },
    async close(code = 1000, reason = '') {
      if (state === 'closed' || state === 'failed') return
      abort.abort()
      const socket = current
      current = undefined
      setState('closed')
      if (!socket) return
      const closed = new Promise<void>((resolve) => socket.onClose(() => resolve()))
      socket.close(code, reason)
      const timer = new AbortController()
      const expired = clock.sleep(CLOSE_TIMEOUT_MS, timer.signal).catch(() => undefined)
      await Promise.race([closed, expired])
      timer.abort() // no timer outlives the close
      socket.terminate()
    }
  }
}
