/**
 * Frame- and handshake-level forwarding for the chaos relay: which headers
 * cross, how a refusal is written on a raw socket, how a close code or a
 * frame reaches the other leg.
 */
import type { IncomingMessage } from 'node:http'
import type { Socket } from 'node:net'
import WebSocket from 'ws'
import type { Frame } from './pipe.js'
import { UPSTREAM_ERROR_HEADER, upstreamErrorHeaderValue } from '../client/connect-errors.js'

// Hop-by-hop and handshake headers ws sets itself; everything else (auth, cookies, origin) is forwarded.
const NOT_FORWARDED = new Set([
  'host',
  'connection',
  'upgrade',
  'content-length',
  'transfer-encoding',
  'sec-websocket-key',
  'sec-websocket-version',
  'sec-websocket-extensions',
  'sec-websocket-protocol',
  'sec-websocket-accept'
])

export function refuse(socket: Socket, status: number, text: string, upstreamError?: string): void {
  if (socket.destroyed) return
  // The relay's own 502 would hide why the service could not be reached (a TLS
  // certificate, a bad Sec-WebSocket-Accept, a reset): the client names it from this header.
  const why =
    upstreamError === undefined
      ? ''
      : `${UPSTREAM_ERROR_HEADER}: ${upstreamErrorHeaderValue(upstreamError.replace(/[^\x20-\x7e]+/g, ' ').slice(0, 300))}\r\n`
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\n${why}Content-Length: 0\r\n\r\n`)
  socket.destroySoon?.()
}

/** Sends a close frame with `code` when it is sendable, else drops the connection. */
export function forwardClose(ws: WebSocket, code: number, reason: string): void {
  if (ws.readyState !== WebSocket.OPEN) return
  if (code === 1006) ws.terminate()
  else if (code === 1005) ws.close()
  else {
    try {
      ws.close(code, reason)
    } catch {
      ws.terminate()
    }
  }
}

/**
 * Sends `frame` on `ws`; `written` runs once the frame left the process (the
 * socket's write callback) or at once when nothing was sent, so the pipe's
 * byte count follows what the destination has really taken.
 */
export function deliverTo(
  ws: WebSocket,
  frame: Frame,
  written: () => void = () => undefined
): void {
  if (ws.readyState !== WebSocket.OPEN) {
    written()
    return
  }
  if (frame.kind === 'message') {
    ws.send(frame.data, { binary: frame.isBinary }, () => written())
    return
  }
  if (frame.kind === 'close') forwardClose(ws, frame.code, frame.reason)
  else if (frame.kind === 'ping') ws.ping(frame.data)
  else ws.pong(frame.data)
  written()
}

/** The client's upgrade headers minus the ones ws sets itself. */
export function forwardedHeaders(request: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(request.headers)) {
    if (!NOT_FORWARDED.has(name) && value !== undefined) {
      headers[name] = Array.isArray(value) ? value.join(', ') : value
    }
  }
  return headers
}

/** Subprotocols the client offered, in order. */
export function offeredProtocols(request: IncomingMessage): string[] {
  return (request.headers['sec-websocket-protocol'] ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '')
}
