/**
 * Waiting until every message sent on the reconnecting client is
 * acknowledged, bounded on the injected clock. A queue emptied only because
 * messages were given up is not "all acknowledged", and this says so.
 */
import { HealthError } from '../errors.js'
import { hasEnded, type ClientCore } from './reconnect-core.js'

/** ReconnectingClient.waitForAcks: `timeoutMs` is clock time. */
export async function waitForAcks(core: ClientCore, timeoutMs: number): Promise<void> {
  const { queue, stats } = core
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
            `${gaveUp} messages given up unacknowledged after ${core.ack.maxAckResends} resends each`
          )
        )
      } else if (queue.size === 0) resolve()
      else if (hasEnded(core)) {
        reject(
          core.failure ??
            new HealthError('WSH_ERR_CONNECTION_LOST', 'client closed with messages pending')
        )
      }
    }
  })
  core.messageListeners.add(check)
  core.stateListeners.add(check)
  core.progressListeners.add(check)
  const expired = core.clock.sleep(timeoutMs, timer.signal).then(
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
    core.messageListeners.delete(check)
    core.stateListeners.delete(check)
    core.progressListeners.delete(check)
    timer.abort()
    drained.catch(() => undefined)
  }
}
