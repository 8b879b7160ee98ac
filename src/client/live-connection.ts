/**
 * The reconnecting client's live connection: adopting a freshly opened
 * socket (a new generation, the resume message first), reading what arrives
 * on it (acks, the session token, then the client's listeners), deciding
 * what its close means (reconnect or stay closed), and closing it for good.
 */
import type { ClientLifecycle } from './client-lifecycle.js'
import type { DeliveryWindow } from './delivery-window.js'
import { CLOSE_TIMEOUT_MS } from './reconnect-types.js'
import { hasEnded, type ClientCore } from './reconnect-core.js'
import type { ClientSocket } from './socket-opener.js'

export interface LiveConnection {
  /** Makes `socket` the connection messages are written on and opens the client. */
  adopt(socket: ClientSocket): void
  /** Closes the client for good (no reconnect); resolves when the socket closed or the close timed out. */
  closeForGood(code: number, reason: string): Promise<void>
}

export interface LiveConnectionParts {
  delivery: DeliveryWindow
  lifecycle: ClientLifecycle
  /** The live connection was lost with a close the client reconnects after. */
  dropped(code: number): void
}

export function createLiveConnection(core: ClientCore, parts: LiveConnectionParts): LiveConnection {
  const { delivery, lifecycle } = parts
  const { idField, idPrefix } = core

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
      if (typeof id === 'string' && id.startsWith(`${idPrefix}-`)) delivery.acknowledge(id)
      core.session.capture(json)
    }
    for (const listener of core.messageListeners) listener(data, isBinary, json)
  }

  function onSocketClose(socket: ClientSocket, code: number): void {
    if (socket !== core.current) return
    core.current = undefined
    if (core.state === 'closed' || core.abort.signal.aborted) return
    if (!core.shouldReconnect(code)) {
      lifecycle.setState('closed')
      return
    }
    parts.dropped(code)
  }

  function adopt(socket: ClientSocket): void {
    core.generation += 1
    core.inFlight = 0
    core.current = socket
    const first = core.session.begin()
    socket.onMessage(onSocketMessage)
    socket.onClose((code) => onSocketClose(socket, code))
    if (core.current !== socket) return // closed synchronously on registration
    if (first !== undefined) socket.send(first)
    lifecycle.setState('open')
    delivery.flush()
  }

  async function closeForGood(code: number, reason: string): Promise<void> {
    if (hasEnded(core)) return
    core.abort.abort()
    const socket = core.current
    core.current = undefined
    lifecycle.setState('closed')
    if (!socket) return
    const closed = new Promise<void>((resolve) => socket.onClose(() => resolve()))
    socket.close(code, reason)
    const timer = new AbortController()
    const expired = core.clock.sleep(CLOSE_TIMEOUT_MS, timer.signal).catch(() => undefined)
    await Promise.race([closed, expired])
    timer.abort() // no timer outlives the close
    socket.terminate()
  }

  return { adopt, closeForGood }
}
