/**
 * The reconnecting client's view of a socket, and the default opener over
 * `ws`. The client depends only on `ClientSocket`/`OpenSocket`, so tests and
 * suites can hand it any transport.
 */
import WebSocket from 'ws'
import { connectError, handshakeRejected, handshakeTimedOut } from './connect-errors.js'
import { isMessageTooBig } from './message-cap.js'

/** The close reason a reconnecting client sees when a message passed maxPayload. */
export const TOO_BIG_CLOSE_REASON = 'message over max_message_bytes'

export interface ClientSocket {
  send(data: string | Buffer): void
  close(code?: number, reason?: string): void
  /** Drops the TCP connection without a close frame. */
  terminate(): void
  /** Registers the one message listener; messages that arrived before are replayed. */
  onMessage(listener: (data: Buffer, isBinary: boolean) => void): void
  /** Registers the one close listener; called at once when already closed. */
  onClose(listener: (code: number, reason: string) => void): void
  /** Subprotocol the server selected ('' when none). */
  readonly protocol: string
}

export interface OpenInit {
  headers: Record<string, string>
  subprotocols: string[]
  /** Upper bound for the handshake, ms. */
  handshakeTimeoutMs: number
  /** Largest message accepted, bytes (inflated size with compression); default ws's 100 MiB. */
  maxPayload?: number
  /** Offer permessage-deflate (default false). */
  compression?: boolean
}

/** Opens one connection; resolves when OPEN, rejects with a HealthError. */
export type OpenSocket = (url: string, init: OpenInit) => Promise<ClientSocket>

/**
 * Default opener: a `ws` WebSocket with permessage-deflate off unless asked
 * for (byte counts stay honest). A message over maxPayload drops the
 * connection at once, reported as a close with 1009 and TOO_BIG_CLOSE_REASON, so the client's reason names the cap rather than 1006.
 */
export const openWsSocket: OpenSocket = (url, init) =>
  new Promise<ClientSocket>((resolve, reject) => {
    let ws: WebSocket
    try {
      ws = new WebSocket(url, init.subprotocols, {
        headers: init.headers,
        handshakeTimeout: init.handshakeTimeoutMs,
        perMessageDeflate: init.compression === true,
        ...(init.maxPayload === undefined ? {} : { maxPayload: init.maxPayload })
      })
    } catch (error) {
      reject(connectError(url, init.handshakeTimeoutMs, error))
      return
    }
    let settled = false
    let onMessage: ((data: Buffer, isBinary: boolean) => void) | undefined
    let onClose: ((code: number, reason: string) => void) | undefined
    const early: Array<[Buffer, boolean]> = []
    let closedWith: [number, string] | undefined
    let tooBig = false

    ws.on('message', (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
      const buffer = Array.isArray(data)
        ? Buffer.concat(data)
        : Buffer.isBuffer(data)
          ? data
          : Buffer.from(data)
      if (onMessage) onMessage(buffer, isBinary)
      else early.push([buffer, isBinary])
    })
    ws.on('unexpected-response', (_req, res) => {
      settled = true
      res.resume()
      reject(handshakeRejected(url, res.statusCode ?? 0))
      ws.terminate()
    })
    // After OPEN, errors are followed by 'close'; the listener keeps them from being thrown.
    ws.on('error', (error) => {
      if (settled) {
        if (isMessageTooBig(error)) {
          tooBig = true
          // ws would wait up to 30 s for a close frame a hostile service never sends.
          ws.terminate()
        }
        return
      }
      settled = true
      const message = error instanceof Error ? error.message : String(error)
      reject(
        /handshake has timed out/i.test(message)
          ? handshakeTimedOut(url, init.handshakeTimeoutMs)
          : connectError(url, init.handshakeTimeoutMs, error)
      )
    })
    ws.on('close', (code: number, reason: Buffer) => {
      closedWith = tooBig
        ? [1009, `${TOO_BIG_CLOSE_REASON} (${init.maxPayload ?? 'ws default'} bytes)`]
        : [code, reason.toString()]
      onClose?.(closedWith[0], closedWith[1])
    })
    ws.once('open', () => {
      settled = true
      resolve({
        send: (data) => ws.send(data),
        close: (code, reason) => ws.close(code, reason),
        terminate: () => ws.terminate(),
        get protocol() {
          return ws.protocol
        },
        onMessage(listener) {
          onMessage = listener
          for (const [data, isBinary] of early.splice(0)) listener(data, isBinary)
        },
        onClose(listener) {
          onClose = listener
          if (closedWith) listener(closedWith[0], closedWith[1])
        }
      })
    })
  })
