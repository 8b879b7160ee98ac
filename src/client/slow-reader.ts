/**
 * A slow reader: a client that keeps sending requests but stops reading its
 * socket, so the service's send buffers fill. Stress mode uses it to see
 * what the service does (buffers without limit, drops, closes the
 * connection) while another connection checks it still serves the others.
 * It needs the socket itself (ws' pause/resume), which the instrumented
 * Connection deliberately does not expose.
 */
import WebSocket from 'ws'
import type { Clock } from '../metrics/clock.js'

export interface SlowReaderOptions {
  url: string
  subprotocols?: string[]
  headers?: Record<string, string>
  handshakeTimeoutMs: number
  clock: Clock
  signal: AbortSignal
  /** Messages sent while not reading (>= 1). */
  messages: number
  /** Builds message `i` (echo services send it back, filling their buffers). */
  message(i: number): Buffer
  /** How long the reader stays paused, in ms. */
  holdMs: number
  /** How long it reads after resuming, in ms. */
  drainMs: number
  /** Called while paused, e.g. to probe the service from another connection. */
  whilePaused?(): Promise<void>
}

export interface SlowReaderResult {
  opened: boolean
  /** Why the connection could not be opened. */
  openError?: string
  sentMessages: number
  sentBytes: number
  /** Messages received from the pause on (replies to what it sent), within holdMs + drainMs. */
  receivedMessages: number
  receivedBytes: number
  /** Close code when the service closed the connection (null when it stayed open). */
  closeCode: number | null
  closeReason: string
}

/** Our own close handshake gets this long before the socket is terminated, in ms. */
export const CLOSE_WAIT_MS = 2_000

/**
 * Opens a slow reader, runs it and closes it; never rejects, bounded by the
 * times given (and `signal`, which also cuts the opening handshake). The
 * drain ends early once a reply arrived for every message sent.
 */
export async function runSlowReader(options: SlowReaderOptions): Promise<SlowReaderResult> {
  const { clock, signal } = options
  const result: SlowReaderResult = {
    opened: false,
    sentMessages: 0,
    sentBytes: 0,
    receivedMessages: 0,
    receivedBytes: 0,
    closeCode: null,
    closeReason: ''
  }
  if (signal.aborted) return { ...result, openError: 'aborted before opening' }
  const ws = new WebSocket(options.url, options.subprotocols ?? [], {
    handshakeTimeout: options.handshakeTimeoutMs,
    headers: options.headers
  })
  const closed = new Promise<void>((resolve) => {
    ws.on('close', (code: number, reason: Buffer) => {
      result.closeCode = code
      result.closeReason = reason.toString('utf8')
      resolve()
    })
  })
  ws.on('error', (error: Error) => {
    result.openError ??= error.message
  })
  // Messages before the pause (a banner, say) are not replies to the slow reader's sends.
  let counting = false
  let drained: () => void = () => undefined
  const allReplied = new Promise<void>((resolve) => {
    drained = resolve
  })
  ws.on('message', (data: Buffer) => {
    if (!counting) return
    result.receivedMessages++
    result.receivedBytes += data.length
    if (result.sentMessages > 0 && result.receivedMessages >= result.sentMessages) drained()
  })
  const onAbort = (): void => {
    result.openError ??= 'aborted while opening'
    ws.terminate()
  }
  signal.addEventListener('abort', onAbort, { once: true })
  const opened = await new Promise<boolean>((resolve) => {
    ws.once('open', () => resolve(true))
    void closed.then(() => resolve(false))
  })
  signal.removeEventListener('abort', onAbort)
  if (!opened || signal.aborted) {
    if (opened) ws.terminate()
    await closed
    return { ...result, opened: false, closeCode: null, closeReason: '' }
  }
  result.opened = true
  // Cancels this run's own sleeps when the service closes first, so no timer outlives it.
  const sleeps = new AbortController()
  const cutSleeps = (): void => sleeps.abort()
  signal.addEventListener('abort', cutSleeps, { once: true })
  const pause = (ms: number): Promise<void> => clock.sleep(ms, sleeps.signal).catch(() => undefined)
  let closedByService = false
  try {
    counting = true
    ws.pause()
    for (let i = 0; i < options.messages && ws.readyState === WebSocket.OPEN; i++) {
      const data = options.message(i)
      ws.send(data)
      result.sentMessages++
      result.sentBytes += data.length
    }
    const holding = Promise.race([closed, pause(options.holdMs)])
    await Promise.all([options.whilePaused?.().catch(() => undefined), holding])
    if (!signal.aborted && ws.readyState === WebSocket.OPEN) {
      ws.resume()
      await Promise.race([closed, allReplied, pause(options.drainMs)])
    }
  } catch {
    // A throwing message builder: report what was seen so far.
  } finally {
    sleeps.abort()
    signal.removeEventListener('abort', cutSleeps)
    closedByService = result.closeCode !== null
    if (ws.readyState === WebSocket.OPEN) ws.close(1000)
    const timer = setTimeout(() => ws.terminate(), CLOSE_WAIT_MS)
    await closed
    clearTimeout(timer)
  }
  // Only a close the service started counts; ours is not news.
  if (!closedByService) {
    result.closeCode = null
    result.closeReason = ''
  }
  return result
}
