/**
 * A WebSocket echo server on 127.0.0.1 whose reply delay the test sets
 * between runs: a service whose latency rises run by run.
 */
import { WebSocketServer, type WebSocket } from 'ws'

export interface DelayServer {
  url: string
  /** Delay before each echo, in ms (applies to messages received after the call). */
  setDelay(ms: number): void
  close(): Promise<void>
}

export async function startDelayServer(initialDelayMs = 0): Promise<DelayServer> {
  let delayMs = initialDelayMs
  const timers = new Set<NodeJS.Timeout>()
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 })
  wss.on('connection', (socket: WebSocket) => {
    socket.on('error', () => undefined)
    socket.on('message', (data, isBinary) => {
      const timer = setTimeout(() => {
        timers.delete(timer)
        if (socket.readyState === socket.OPEN) socket.send(data, { binary: isBinary })
      }, delayMs)
      timers.add(timer)
    })
  })
  await new Promise<void>((resolve, reject) => {
    wss.once('listening', () => resolve())
    wss.once('error', reject)
  })
  const { port } = wss.address() as { port: number }
  return {
    url: `ws://127.0.0.1:${port}/ws`,
    setDelay: (ms) => {
      delayMs = ms
    },
    close: async () => {
      for (const timer of timers) clearTimeout(timer)
      for (const client of wss.clients) client.terminate()
      await new Promise<void>((resolve) => wss.close(() => resolve()))
    }
  }
}
