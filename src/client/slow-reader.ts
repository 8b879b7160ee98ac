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
  /** Messages read after resuming, within drainMs. */
  receivedMessages: number
  receivedBytes: number
  /** Close code when the service closed the connection (null when it stayed open). */
  closeCode: number | null
  closeReason: string
}

/** Opens a slow reader, runs it and closes it; never rejects, bounded by the times given. */
export async function runSlowReader(options: SlowReaderOptions): Promise<SlowReaderResult> {
  const result: SlowReaderResult = {
    opened: false,
    sentMessages: 0,
    sentBytes: 0,
    receivedMessages: 0,
    receivedBytes: 0,
    closeCode: null,
    closeReason: ''
  }
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
  ws.on('message', (data: Buffer) => {
    result.receivedMessages++
    result.receivedBytes += data.length
  })
  const opened = await new Promise<boolean>((resolve) => {
    ws.once('open', () => resolve(true))
    void closed.then(() => resolve(false))
  })
  if (!opened) return result
  result.opened = true
  const { clock, signal } = options
  let closedByService = false
  try {
    ws.pause()
    for (let i = 0; i < options.messages && ws.readyState === WebSocket.OPEN; i++) {
      const data = options.message(i)
      ws.send(data)
      result.sentMessages++
      result.sentBytes += data.length
    }
    await Promise.all([options.whilePaused?.(), clock.sleep(options.holdMs, signal)])
    ws.resume()
    await Promise.race([closed, clock.sleep(options.drainMs, signal)])
  } catch {
    // Aborted: report what was seen so far.
  } finally {
    closedByService = result.closeCode !== null
    if (ws.readyState === WebSocket.OPEN) ws.close(1000)
    const timer = setTimeout(() => ws.terminate(), 2_000)
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
