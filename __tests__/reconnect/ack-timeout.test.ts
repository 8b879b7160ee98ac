import { describe, it, expect, afterEach } from '@jest/globals'
import { NO_FAULTS } from '../../src/chaos/faults.js'
import { createRandom } from '../../src/chaos/random.js'
import { startChaosRelay, type ChaosRelay } from '../../src/chaos/relay.js'
import {
  createReconnectingClient,
  type ReconnectingClient
} from '../../src/client/reconnecting-client.js'
import { createManualClock } from '../fixtures/clock.js'
import { ackingDedupe, startServer, waitFor, type TestServer } from './servers.js'
import { clientOptions } from '../fixtures/schema-defaults.js'

let relays: ChaosRelay[] = []
let servers: TestServer[] = []
let clients: ReconnectingClient[] = []

afterEach(async () => {
  await Promise.all(clients.map((c) => c.close()))
  await Promise.all(relays.map((r) => r.close()))
  await Promise.all(servers.map((s) => s.close()))
  relays = []
  servers = []
  clients = []
})

async function lossyRelay(seen: Map<string, number>, probability: number): Promise<ChaosRelay> {
  const server = await startServer(ackingDedupe(seen))
  servers.push(server)
  const relay = await startChaosRelay({
    target: server.url,
    seed: 99,
    base: NO_FAULTS,
    faults: { messageLoss: { probability, direction: 'client-to-server' } }
  })
  relays.push(relay)
  return relay
}

describe('ack deadline on a live connection', () => {
  it('resends messages lost without a disconnect, so every one is acked and nothing stalls', async () => {
    const seen = new Map<string, number>()
    const relay = await lossyRelay(seen, 0.3)
    const client = createReconnectingClient(
      clientOptions({
        url: relay.url,
        random: createRandom(5).next,
        breaker: null,
        maxInFlight: 4, // without ack deadlines, four losses would hold every slot for good
        ackTimeoutMs: 30,
        maxAckResends: 30
      })
    )
    clients.push(client)
    await client.start()
    const total = 60
    for (let i = 0; i < total; i += 1) client.send({ type: 'msg', n: i })
    await client.waitForAcks(20_000)
    expect(relay.injected.losses).toBeGreaterThan(0)
    expect(relay.injected.disconnects).toBe(0)
    expect(client.stats.reconnections).toBe(0)
    expect(client.stats.resends).toBeGreaterThan(0)
    expect(client.stats.ackTimeouts).toBeGreaterThan(0)
    expect(client.stats.messagesAbandoned).toBe(0)
    expect(client.stats.messagesAcked).toBe(total)
    expect(seen.size).toBe(total)
    await client.close()
    expect(client.stats.messagesLost).toBe(0)
  })

  it('gives a message up after maxAckResends missed deadlines, frees its slot and says why', async () => {
    const seen = new Map<string, number>()
    const relay = await lossyRelay(seen, 1)
    const clock = createManualClock()
    const client = createReconnectingClient(
      clientOptions({
        url: relay.url,
        clock,
        breaker: null,
        maxInFlight: 1,
        ackTimeoutMs: 100,
        maxAckResends: 2
      })
    )
    clients.push(client)
    await client.start()
    const id = client.send({ type: 'msg' })
    client.send({ type: 'msg' }) // waits for the only slot
    const waited = client.waitForAcks(60_000).catch((e: unknown) => e)
    await waitFor(() => relay.decisions().length === 1)
    clock.advance(100) // first deadline: resend
    await waitFor(() => relay.decisions().length === 2)
    clock.advance(100) // second: resend
    await waitFor(() => relay.decisions().length === 3)
    expect(client.stats.messagesAbandoned).toBe(0)
    clock.advance(100) // third: given up, and the second message takes the slot
    await waitFor(() => relay.decisions().length === 4)
    expect(client.stats.messagesAbandoned).toBe(1)
    expect(client.stats.resends).toBe(2)
    expect(client.stats.ackTimeouts).toBe(3)
    expect(client.stats.lastError).toEqual({
      code: 'WSH_ERR_MESSAGE_TIMEOUT',
      message: expect.stringContaining(`message ${id} unacknowledged after 3 writes`)
    })
    expect(client.pending).toBe(1)
    expect(client.state).toBe('open')
    // The second message is given up too; the queue empties, but not by acks.
    for (let round = 0; round < 2; round += 1) {
      clock.advance(100)
      await waitFor(() => relay.decisions().length === 5 + round)
    }
    clock.advance(100)
    expect(await waited).toMatchObject({
      code: 'WSH_ERR_MESSAGE_TIMEOUT',
      message: expect.stringContaining('2 messages given up')
    })
    expect(client.pending).toBe(0)
    expect(client.stats.messagesAcked).toBe(0)
  })

  it('rejects bad ack options naming them', () => {
    expect(() =>
      createReconnectingClient(clientOptions({ url: 'ws://127.0.0.1:1', ackTimeoutMs: -1 }))
    ).toThrow(/^ackTimeoutMs: got -1/)
    expect(() =>
      createReconnectingClient(clientOptions({ url: 'ws://127.0.0.1:1', maxAckResends: 1.5 }))
    ).toThrow(/^maxAckResends: got 1.5/)
  })
})
