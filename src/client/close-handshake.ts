/**
 * The closing handshake of one connection: how long close() waits for it,
 * what happens when the service never finishes it, and how the way a
 * connection ended is described (CloseInfo).
 */
import { HealthError } from '../errors.js'
import type { CloseInfo } from './types.js'

/**
 * Waits for `closed` after a close frame went out. Past `limitMs` the socket
 * is dropped; resolves with the CloseInfo, or rejects with
 * WSH_ERR_CLOSE_TIMEOUT when no close frame ever came back.
 */
export function awaitClose(
  socket: { terminate(): void },
  closed: Promise<CloseInfo>,
  limitMs: number,
  safeUrl: string
): Promise<CloseInfo> {
  return new Promise<CloseInfo>((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.terminate()
      // Dropping the socket makes ws emit 'close' at once. A close frame that
      // did come back (code other than 1006) means the handshake completed and
      // only the service's TCP close is missing: resolve, with serverClosedTcp false.
      void closed.then((info) => {
        if (info.code !== 1006) resolve(info)
        else
          reject(
            new HealthError(
              'WSH_ERR_CLOSE_TIMEOUT',
              `closing handshake with ${safeUrl} did not complete within ${Math.round(limitMs)} ms; the connection was dropped`
            )
          )
      })
    }, limitMs)
    void closed.then((info) => {
      clearTimeout(timer)
      resolve(info)
    })
  })
}

/**
 * Describes how a connection ended from ws's close code and reason, who
 * started the close (undefined when the client did not), and whether the
 * service's FIN arrived.
 */
export function describeClose(
  code: number,
  reason: string,
  initiatedBy: CloseInfo['initiatedBy'] | undefined,
  serverClosedTcp: boolean
): CloseInfo {
  return {
    code,
    reason,
    // ws reports 1006 exactly when no close frame arrived before the TCP connection ended.
    wasClean: code !== 1006,
    initiatedBy: initiatedBy ?? (code === 1006 ? 'network' : 'server'),
    serverClosedTcp
  }
}
