import { describe, it, expect, afterEach } from '@jest/globals'
import { once } from 'node:events'
import WebSocket from 'ws'
import { NO_FAULTS, type FaultDecision } from '../../src/chaos/faults.js'
import { startChaosRelay, type ChaosRelay } from '../../src/chaos/relay.js'
import { startServer, waitFor, type TestServer } from '../reconnect/servers.js'

let relays: ChaosRelay[] = []
let servers: TestServer[] = []
let sockets: WebSocket[] = []
const timers = new Set<NodeJS.Timeout>()

afterEach(async () => {
  for (const timer of timers) clearTimeout(timer)
  timers.clear()
  for (const ws of sockets) ws.terminate()
  await Promise.all(relays.map((r) => r.close()))
  await Promise.all(servers.map((s) => s.close()))
  relays = []
  servers = []
  sockets = []
})

/** Resolves after 0-3 ms drawn from Math.random: timing noise the seed does not control. */
function jitter(): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(
      () => {
        timers.delete(timer)
        resolve()
      },
      Math.floor(Math.random() * 4)
    )
    timers.add(timer)
  })
}

const MESSAGES = 40

async function oneRun(seed: number): Promise<Record<string, FaultDecision[]>> {
  // Echoes each message after its own random delay, so replies interleave with later sends differently each run.
  const server = await startServer((ws) =>
    ws.on('message', (data, isBinary) => {
      void jitter().then(() => {
        if (ws.readyState === WebSocket.OPEN) ws.send(data as Buffer, { binary: isBinary })
      })
    })
  )
  servers.push(server)
  const relay = await startChaosRelay({
    target: server.url,
    seed,
    base: NO_FAULTS,
    faults: {
      messageLoss: { probability: 0.3 },
      networkDelay: { probability: 0.3, minMs: 1, maxMs: 3 }
    }
  })
  relays.push(relay)
  const ws = new WebSocket(relay.url, { perMessageDeflate: false })
  ws.on('error', () => undefined)
  sockets.push(ws)
  await once(ws, 'open')
  for (let i = 0; i < MESSAGES; i += 1) {
    ws.send(`m-${i}`)
    await jitter()
  }
  const byDirection = (): Record<string, FaultDecision[]> => {
    const out: Record<string, FaultDecision[]> = { 'client-to-server': [], 'server-to-client': [] }
    for (const { connection: _c, message: _m, ...decision } of relay.decisions()) {
      out[decision.direction]!.push(decision)
    }
    return out
  }
  // Every message the relay let through to the service comes back once: wait for all of them.
  await waitFor(() => {
    const d = byDirection()
    const forwarded = d['client-to-server']!.filter((x) => !x.lose).length
    return d['client-to-server']!.length === MESSAGES && d['server-to-client']!.length === forwarded
  })
  return byDirection()
}

describe('chaos relay reproducibility under timing noise', () => {
  it('gives the same per-direction decisions for the same seed, however replies interleave', async () => {
    const runs: Array<Record<string, FaultDecision[]>> = []
    for (let run = 0; run < 3; run += 1) runs.push(await oneRun(777))
    for (const run of runs.slice(1)) {
      expect(run['client-to-server']).toEqual(runs[0]!['client-to-server'])
      expect(run['server-to-client']).toEqual(runs[0]!['server-to-client'])
    }
    // The check can fail: the decisions are not trivially all alike.
    const s2c = runs[0]!['server-to-client']!
    expect(s2c.some((d) => d.lose)).toBe(true)
    expect(s2c.some((d) => !d.lose)).toBe(true)
  })
})
