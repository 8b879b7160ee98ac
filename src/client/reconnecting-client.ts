/**
 * A client that heals itself: after an abnormal drop it reconnects with
 * exponential backoff and jitter, behind a circuit breaker, and gives up
 * after `maxReconnectAttempts`. Messages are queued while disconnected and
 * kept until acknowledged (a reply carrying the message's id), so a message
 * lost with a connection is resent on the next one (at-least-once; the
 * receiver dedupes by id). Optional session resume sends the service's
 * token back on reconnect. Every wait goes through the injected Clock.
 *
 * Its parts live beside it and share one state object (reconnect-core.ts):
 * state changes and open waiters in client-lifecycle.ts, the live socket in
 * live-connection.ts, connect attempts, backoff and breaker in
 * reconnect-loop.ts with their records in recovery-record.ts, the session
 * token in resume-session.ts, acknowledged delivery in delivery-window.ts
 * and waiting for acks in ack-waiter.ts.
 */
import { waitForAcks } from './ack-waiter.js'
import { createClientLifecycle } from './client-lifecycle.js'
import { createDeliveryWindow } from './delivery-window.js'
import { createLiveConnection } from './live-connection.js'
import { createClientCore } from './reconnect-core.js'
import { createReconnectLoop } from './reconnect-loop.js'
import type { ReconnectingClient, ReconnectingClientOptions } from './reconnect-types.js'

export * from './reconnect-types.js'

export function createReconnectingClient(options: ReconnectingClientOptions): ReconnectingClient {
  const core = createClientCore(options)
  const delivery = createDeliveryWindow(core)
  const lifecycle = createClientLifecycle(core, delivery.stop)
  const live = createLiveConnection(core, {
    delivery,
    lifecycle,
    dropped: (code) => loop.heal('drop', code)
  })
  const loop = createReconnectLoop(core, { lifecycle, adopt: live.adopt })

  return {
    get state() {
      return core.state
    },
    stats: core.stats,
    get pending() {
      return core.queue.size
    },
    backoff: core.backoff,
    breaker: core.breaker,
    get resumeToken() {
      return core.session.token
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
      await loop.openFirst()
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
    close: (code = 1000, reason = '') => live.closeForGood(code, reason)
  }
}
