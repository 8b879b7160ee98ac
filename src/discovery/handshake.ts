/**
 * One discovery attempt: a TCP reachability check, or a real WebSocket
 * opening handshake that is closed with 1000 as soon as it succeeds. Every
 * attempt ends in bounded time with an outcome and a one-line reason.
 */
import net from 'node:net'
import WebSocket from 'ws'
import type { ProbeOutcome } from './types.js'

export interface AttemptResult {
  outcome: ProbeOutcome
  reason: string
  status?: number
}

const SOCKET_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset by peer',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EADDRNOTAVAIL: 'address not available',
  EPIPE: 'connection closed while writing',
  ECONNABORTED: 'connection aborted'
}

// Extra time the guard timer allows beyond ws's own handshakeTimeout, so ws reports first.
const GUARD_SLACK_MS = 250
// A server that ignores our close frame must not hold the attempt open.
const MAX_CLOSE_WAIT_MS = 1000

function socketFailure(error: unknown, timeoutMs: number): AttemptResult {
  const err = error as NodeJS.ErrnoException
  const message = err instanceof Error ? err.message : String(error)
  if (/handshake has timed out/i.test(message)) {
    return { outcome: 'timeout', reason: `timed out after ${timeoutMs} ms (no upgrade response)` }
  }
  const code = typeof err?.code === 'string' ? err.code : undefined
  if (code === 'ECONNREFUSED') return { outcome: 'refused', reason: 'connection refused' }
  if (code !== undefined && SOCKET_REASONS[code] !== undefined) {
    return { outcome: 'error', reason: SOCKET_REASONS[code] }
  }
  if (code?.startsWith('HPE_') || /parse error/i.test(message)) {
    return { outcome: 'error', reason: `not an HTTP server (${code ?? message})` }
  }
  if (/socket hang up/i.test(message)) {
    return { outcome: 'error', reason: 'connection closed before an upgrade response' }
  }
  return { outcome: 'error', reason: message.split('\n')[0].slice(0, 200) }
}

/** The abort reason when it is a sentence (ordered-pool.ts passes strings), else a generic one. */
function abortReason(signal: AbortSignal): string {
  return typeof signal.reason === 'string' ? signal.reason : 'stopped before an answer'
}

/** Why an upgrade answered with `status` (not 101) is not a WebSocket endpoint. */
export function rejectionReason(status: number, location?: string): string {
  if (status >= 200 && status < 300) return `HTTP ${status}: not a WebSocket endpoint`
  if (status >= 300 && status < 400) {
    const target = location ? ` to ${location.slice(0, 100)}` : ''
    return `HTTP ${status} from upgrade (redirect${target} not followed)`
  }
  if (status === 401 || status === 403) {
    return `HTTP ${status} from upgrade (the endpoint may need credentials: set headers)`
  }
  return `HTTP ${status} from upgrade`
}

/** TCP connect to host:port; resolves null when something accepts, else the failure. */
export function checkPort(
  host: string,
  port: number,
  timeoutMs: number,
  signal: AbortSignal
): Promise<AttemptResult | null> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port })
    let done = false
    const finish = (result: AttemptResult | null): void => {
      if (done) return
      done = true
      clearTimeout(timer)
      signal.removeEventListener('abort', onAbort)
      socket.destroy()
      resolve(result)
    }
    const timer = setTimeout(
      () => finish({ outcome: 'timeout', reason: `timed out after ${timeoutMs} ms (TCP connect)` }),
      timeoutMs
    )
    const onAbort = (): void => finish({ outcome: 'cancelled', reason: abortReason(signal) })
    signal.addEventListener('abort', onAbort, { once: true })
    socket.once('connect', () => finish(null))
    socket.once('error', (error) => finish(socketFailure(error, timeoutMs)))
    if (signal.aborted) onAbort()
  })
}

export interface HandshakeOptions {
  timeoutMs: number
  headers?: Record<string, string>
  signal: AbortSignal
}

/** Attempts a WebSocket handshake with `url`; an upgrade is closed with 1000 before this resolves. */
export function attemptHandshake(url: string, options: HandshakeOptions): Promise<AttemptResult> {
  const { timeoutMs, signal } = options
  return new Promise((resolve) => {
    const ws = new WebSocket(url, {
      handshakeTimeout: timeoutMs,
      perMessageDeflate: false,
      followRedirects: false,
      headers: options.headers ?? {}
    })
    let done = false
    const finish = (result: AttemptResult, close: 'graceful' | 'terminate'): void => {
      if (done) return
      done = true
      clearTimeout(guard)
      signal.removeEventListener('abort', onAbort)
      if (close === 'terminate' || ws.readyState !== WebSocket.OPEN) {
        ws.terminate()
        resolve(result)
        return
      }
      const forced = setTimeout(() => ws.terminate(), Math.min(timeoutMs, MAX_CLOSE_WAIT_MS))
      ws.once('close', () => {
        clearTimeout(forced)
        resolve(result)
      })
      ws.close(1000, 'ws-health discovery')
    }
    const guard = setTimeout(
      () =>
        finish(
          { outcome: 'timeout', reason: `timed out after ${timeoutMs} ms (no upgrade response)` },
          'terminate'
        ),
      timeoutMs + GUARD_SLACK_MS
    )
    const onAbort = (): void =>
      finish({ outcome: 'cancelled', reason: abortReason(signal) }, 'terminate')
    signal.addEventListener('abort', onAbort, { once: true })

    ws.on('error', (error) => finish(socketFailure(error, timeoutMs), 'terminate'))
    ws.once('open', () =>
      finish(
        { outcome: 'upgraded', reason: 'HTTP 101: WebSocket upgrade accepted', status: 101 },
        'graceful'
      )
    )
    ws.once('unexpected-response', (_request, response) => {
      const status = response.statusCode ?? 0
      const location = response.headers.location
      response.resume() // drain the body so the socket can be released
      finish(
        { outcome: 'rejected', reason: rejectionReason(status, location), status },
        'terminate'
      )
    })
    if (signal.aborted) onAbort()
  })
}
