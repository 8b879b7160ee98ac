/**
 * A client that heals itself: after an abnormal drop it reconnects with
 * exponential backoff and jitter, behind a circuit breaker, and gives up
 * after `maxReconnectAttempts`. Messages are queued while disconnected and
 * kept until acknowledged (a reply carrying the message's id), so a message
 * lost with a connection is resent on the next one (at-least-once; the
 * receiver dedupes by id). Optional session resume sends the service's
 * token back on reconnect. Every wait goes through the injected Clock.
 */
import { HealthError } from '../errors.js'
import type { Clock } from '../metrics/clock.js'
import { waitForAcks } from './ack-waiter.js'
import { createClientLifecycle } from './client-lifecycle.js'
import { createDeliveryWindow } from './delivery-window.js'
import { createClientCore, hasEnded, noteError } from './reconnect-core.js'
import {
  DEFAULT_CLOSE_TIMEOUT_MS,
  DEFAULT_HANDSHAKE_TIMEOUT_MS,
  type ReconnectingClient,
  type ReconnectingClientOptions,
  type RecoveryRecord
} from './reconnect-types.js'
import { closeRecovery, noteDelay, openRecovery } from './recovery-record.js'
import type { ClientSocket } from './socket-opener.js'

export * from './reconnect-types.js'

export function createReconnectingClient(options: ReconnectingClientOptions): ReconnectingClient {
  const core = createClientCore(options)
  const { backoff, breaker, clock, stats, abort, session } = core
  const delivery = createDeliveryWindow(core)
  const lifecycle = createClientLifecycle(core, delivery.stop)

  async function connectOnce(): Promise<ClientSocket> {
    stats.attempts += 1
    return core.open(session.url(options.url), {
      headers: session.headers(options.headers ?? {}),
      subprotocols: options.subprotocols ?? [],
      handshakeTimeoutMs: options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS,
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
      const id = (json as Record<string, unknown>)[core.idField]
      if (typeof id === 'string' && id.startsWith(`${core.idPrefix}-`)) delivery.acknowledge(id)
      session.capture(json)
    }
    for (const listener of core.messageListeners) listener(data, isBinary, json)
  }

  function adopt(socket: ClientSocket): void {
    core.generation += 1
    core.inFlight = 0
    core.current = socket
    const first = session.begin()
    socket.onMessage(onSocketMessage)
    socket.onClose((code) => onSocketClose(socket, code))
    if (core.current !== socket) return // closed synchronously on registration
    if (first !== undefined) socket.send(first)
    lifecycle.setState('open')
    delivery.flush()
  }

  function onSocketClose(socket: ClientSocket, code: number): void {
    if (socket !== core.current) return
    core.current = undefined
    if (core.state === 'closed' || abort.signal.aborted) return
    if (!core.shouldReconnect(code)) {
      lifecycle.setState('closed')
      return
    }
    void recover('drop', code).catch(lifecycle.fail)
  }

  async function recover(cause: RecoveryRecord['cause'], closeCode: number | null): Promise<void> {
    if (abort.signal.aborted) return
    lifecycle.setState(cause === 'drop' ? 'reconnecting' : 'connecting')
    const record = openRecovery(stats, cause, closeCode, clock.nowMs())
    const max = backoff.options.maxAttempts
    for (let attempt = 1; attempt <= max; attempt += 1) {
      // An open breaker stretches the wait to its reset timeout instead of hammering a dead service.
      const policyDelay = backoff.delayFor(attempt, core.random)
      const delay = Math.max(policyDelay, breaker?.msUntilAttempt() ?? 0)
      noteDelay(record, stats, policyDelay, delay)
      const sleptMs = await sleepMeasured(clock, delay, abort.signal)
      if (sleptMs === undefined || abort.signal.aborted) return // closed while waiting
      record.attempts += 1
      if (breaker && !breaker.canAttempt()) {
        // The service was not asked: this wait was the client's alone.
        record.backoffSleepMs += sleptMs
        stats.circuitRefusals += 1
        noteError(core, new HealthError('WSH_ERR_CIRCUIT_OPEN', 'circuit open: attempt refused'))
        continue
      }
      let socket: ClientSocket
      try {
        socket = await connectOnce()
      } catch (error) {
        breaker?.onFailure()
        noteError(core, error)
        continue
      }
      if (abort.signal.aborted) {
        socket.terminate()
        return
      }
      breaker?.onSuccess()
      closeRecovery(record, clock.nowMs(), sleptMs)
      stats.reconnections += 1
      adopt(socket)
      return
    }
    lifecycle.failWith(
      new HealthError(
        'WSH_ERR_RECONNECT_EXHAUSTED',
        // The cause goes in the message too: "exceeded maximum" alone hides why each attempt failed.
        `Reconnection attempts exceeded maximum (${max})` +
          (stats.lastError ? `; last error: ${stats.lastError.message}` : ''),
        stats.lastError ? { cause: stats.lastError } : undefined
      )
    )
  }

  return {
    get state() {
      return core.state
    },
    stats,
    get pending() {
      return core.queue.size
    },
    backoff,
    breaker,
    get resumeToken() {
      return session.token
    },
    get failure() {
      return core.failure
    },
    async start() {
      if (core.state !== 'idle') return lifecycle.whenOpen()
      lifecycle.setState('connecting')
      const waiting = lifecycle.whenOpen()
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
          noteError(core, error)
          // Closed while the handshake was pending: stay closed, do not start reconnecting.
          if (!abort.signal.aborted) void recover('initial', null).catch(lifecycle.fail)
        }
      }
      return waiting
    },
    send: (body) => delivery.enqueue(body),
    whenOpen: lifecycle.whenOpen,
    waitForAcks: (timeoutMs) => waitForAcks(core, timeoutMs),
    onMessage(listener) {
      core.messageListeners.add(listener)
      return () => core.messageListeners.delete(listener)
    },
    onStateChange(listener) {
      core.stateListeners.add(listener)
      return () => core.stateListeners.delete(listener)
    },
    drop() {
      core.current?.terminate()
    },
    async close(code = 1000, reason = '') {
      if (hasEnded(core)) return
      abort.abort()
      const socket = core.current
      core.current = undefined
      lifecycle.setState('closed')
      if (!socket) return
      const closed = new Promise<void>((resolve) => socket.onClose(() => resolve()))
      socket.close(code, reason)
      const timer = new AbortController()
      const expired = clock
        .sleep(options.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS, timer.signal)
        .catch(() => undefined)
      await Promise.race([closed, expired])
      timer.abort() // no timer outlives the close
      socket.terminate()
    }
  }
}

/**
 * Sleeps `delayMs` on `clock` and resolves with the ms that really passed
 * (a timer may fire late, and that lateness is the waiter's too), or
 * undefined when `signal` aborted the sleep.
 */
async function sleepMeasured(
  clock: Clock,
  delayMs: number,
  signal: AbortSignal
): Promise<number | undefined> {
  const fromMs = clock.nowMs()
  try {
    await clock.sleep(delayMs, signal)
  } catch {
    return undefined
  }
  return Math.max(0, clock.nowMs() - fromMs)
}
