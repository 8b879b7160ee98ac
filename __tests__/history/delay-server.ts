/**
 * A WebSocket echo server on 127.0.0.1 whose reply delay the test sets
 * between runs: a service whose latency rises run by run.
 */
import { startWsServer, type Reply } from '../fixtures/ws-server.js'

export interface DelayServer {
  url: string
  /** Delay before each echo, in ms (applies to messages received after the call). */
  setDelay(ms: number): void
  close(): Promise<void>
}

export async function startDelayServer(initialDelayMs = 0): Promise<DelayServer> {
  let delayMs = initialDelayMs
  const timers = new Set<NodeJS.Timeout>()
  const delayedEcho: Reply = (socket, data, isBinary) => {
    const timer = setTimeout(() => {
      timers.delete(timer)
      if (socket.readyState === socket.OPEN) socket.send(data, { binary: isBinary })
    }, delayMs)
    timers.add(timer)
  }
  const server = await startWsServer(() => delayedEcho)
  return {
    url: server.url,
    setDelay: (ms) => {
      delayMs = ms
    },
    close: async () => {
      for (const timer of timers) clearTimeout(timer)
      await server.close()
    }
  }
}
