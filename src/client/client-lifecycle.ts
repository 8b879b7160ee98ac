/**
 * The reconnecting client's state changes and what hangs on them: state
 * listeners, callers waiting for an open connection, and the count of lost
 * messages fixed once the client has closed or failed.
 */
import { HealthError } from '../errors.js'
import { hasEnded, noteError, type ClientCore } from './reconnect-core.js'
import type { ClientState } from './reconnect-types.js'

export interface ClientLifecycle {
  setState(next: ClientState): void
  /** Resolves when a connection is open; rejects when the client closed or failed. */
  whenOpen(): Promise<void>
  /** Ends the client as failed with `failure`; every wait stops. */
  failWith(failure: HealthError): void
  /** A throw escaping a recovery (a listener's bug) ends the client as failed, never an unhandled rejection. */
  fail(error: unknown): void
}

/** `ended` runs once the client has closed or failed, before waiters are told. */
export function createClientLifecycle(core: ClientCore, ended: () => void): ClientLifecycle {
  let openWaiters: Array<{ resolve: () => void; reject: (e: Error) => void }> = []
  const closedError = (): HealthError =>
    core.failure ?? new HealthError('WSH_ERR_CONNECTION_LOST', 'client closed')

  function settleWaiters(): void {
    const waiters = openWaiters
    openWaiters = []
    for (const waiter of waiters) {
      if (core.state === 'open') waiter.resolve()
      else waiter.reject(closedError())
    }
  }

  function setState(next: ClientState): void {
    if (next === core.state) return
    core.state = next
    const atMs = core.clock.nowMs()
    for (const listener of core.stateListeners) listener(next, atMs)
    if (next === 'open') settleWaiters()
    if (next === 'closed' || next === 'failed') {
      ended()
      core.stats.messagesLost = core.stats.messagesSent - core.stats.messagesAcked
      settleWaiters()
    }
  }

  function failWith(failure: HealthError): void {
    core.failure = failure
    core.abort.abort()
    setState('failed')
  }

  return {
    setState,
    whenOpen: () =>
      new Promise<void>((resolve, reject) => {
        if (core.state === 'open') resolve()
        else if (hasEnded(core)) reject(closedError())
        else openWaiters.push({ resolve, reject })
      }),
    failWith,
    fail(error) {
      noteError(core, error)
      failWith(
        core.failure ??
          new HealthError('WSH_ERR_INTERNAL', `reconnect failed: ${core.stats.lastError?.message}`)
      )
    }
  }
}
