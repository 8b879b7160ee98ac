/**
 * The relay's hold ledger (ChaosRelay.heldBetween): for one request and its
 * reply, what the faults added to the round trip, so chaos mode can judge
 * the service's own time. Over real sockets on 127.0.0.1.
 */
import { afterEach, describe, expect, it } from '@jest/globals'
import { once } from 'node:events'
import WebSocket from 'ws'
import { NO_FAULTS, type FaultOverrides } from '../../src/chaos/faults.js'
import { startChaosRelay, type ChaosRelay } from '../../src/chaos/relay.js'
import { systemClock } from '../../src/metrics/clock.js'
import { echo, startServer, type TestServer } from '../reconnect/servers.js'

let relay: ChaosRelay | undefined
let server: TestServer | undefined
let socket: WebSocket | undefined
afterEach(async () => {
  socket?.terminate()
  await relay?.close()
  await server?.close()
  relay = undefined
  server = undefined
  socket = undefined
})

async function roundTrip(faults: FaultOverrides): Promise<{ rttMs: number; heldMs: number }> {
  server = await startServer(echo)
  relay = await startChaosRelay({ target: server.url, seed: 1, base: NO_FAULTS, faults })
  socket = new WebSocket(relay.url, { perMessageDeflate: false })
  socket.on('error', () => undefined)
  await once(socket, 'open')
  const sentAt = systemClock.nowMs()
  socket.send('hello')
  await once(socket, 'message')
  const at = systemClock.nowMs()
  return { rttMs: at - sentAt, heldMs: relay.heldBetween(sentAt, at) }
}

describe('chaos relay hold ledger', () => {
  it('reports what a slow response and a network delay added to one round trip', async () => {
    const { rttMs, heldMs } = await roundTrip({
      slowResponse: { probability: 1, delayMs: 300 },
      networkDelay: { probability: 1, minMs: 100, maxMs: 100 }
    })
    // Request held 100 ms, reply 100 + 300 ms: 500 ms in all, inside the measured round trip.
    // Node timers count whole milliseconds from their own start, so each of the three holds
    // can read up to 1 ms short on the monotonic clock (seen: 498.8).
    expect(heldMs).toBeGreaterThanOrEqual(497)
    // Every hold lies inside the round trip (a hold counted twice would not fit);
    // how much longer the round trip took is the machine's business, not the ledger's.
    expect(heldMs).toBeLessThanOrEqual(rttMs + 5)
  })

  it('reports 0 when nothing was held, and nothing outside the window', async () => {
    const { heldMs } = await roundTrip({})
    expect(heldMs).toBe(0)
    expect(relay?.heldBetween(0, 1)).toBe(0)
  })
})
