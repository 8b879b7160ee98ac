import { describe, it, expect, afterEach } from '@jest/globals'
import type { IncomingMessage } from 'node:http'
import { once } from 'node:events'
import WebSocket from 'ws'
import { NO_FAULTS, type FaultOverrides } from '../../src/chaos/faults.js'
import { createRandom } from '../../src/chaos/random.js'
import { startChaosRelay, type ChaosRelay } from '../../src/chaos/relay.js'
import { createTokenBucket } from '../../src/chaos/token-bucket.js'
import {
  createReconnectingClient,
  type ReconnectingClient
} from '../../src/client/reconnecting-client.js'
import { createManualClock, type ManualClock } from '../fixtures/clock.js'
import { ackingDedupe, echo, startServer, waitFor, type TestServer } from '../reconnect/servers.js'
import { clientOptions } from '../fixtures/schema-defaults.js'

let relays: ChaosRelay[] = []
let servers: TestServer[] = []
let sockets: WebSocket[] = []
let clients: ReconnectingClient[] = []

afterEach(async () => {
  await Promise.all(clients.map((c) => c.close()))
  for (const ws of sockets) ws.terminate()
  await Promise.all(relays.map((r) => r.close()))
  await Promise.all(servers.map((s) => s.close()))
  relays = []
  servers = []
  sockets = []
  clients = []
})

async function relayFor(
  server: TestServer,
  seed: number,
  faults: FaultOverrides,
  clock?: ManualClock
): Promise<ChaosRelay> {
  const relay = await startChaosRelay({ target: server.url, seed, base: NO_FAULTS, faults, clock })
  relays.push(relay)
  return relay
}

async function dial(url: string): Promise<WebSocket> {
  const ws = new WebSocket(url, { perMessageDeflate: false })
  ws.on('error', () => undefined)
  sockets.push(ws)
  await once(ws, 'open')
  return ws
}

describe('chaos relay fault injection', () => {
  it('makes the same decisions for the same seed and message sequence, and keeps order under delay', async () => {
    const faults: FaultOverrides = {
      messageLoss: { probability: 0.3 },
      networkDelay: { probability: 0.3, minMs: 100, maxMs: 500 }
    }
    const runs: Array<{ decisions: unknown[]; received: string[] }> = []
    for (const seed of [4242, 4242, 4243]) {
      const received: string[] = []
      const server = await startServer((ws) => ws.on('message', (d) => received.push(d.toString())))
      servers.push(server)
      const clock = createManualClock()
      const relay = await relayFor(server, seed, faults, clock)
      const ws = await dial(relay.url)
      for (let i = 0; i < 40; i += 1) ws.send(`msg-${i}`)
      await waitFor(() => relay.decisions().length === 40)
      // Delayed messages wait for the relay's clock; advancing it past the largest delay releases them.
      clock.advance(500)
      const kept = relay.decisions().flatMap((d, i) => (d.lose ? [] : [`msg-${i}`]))
      await waitFor(() => received.length === kept.length)
      expect(received).toEqual(kept) // order preserved though some messages were delayed
      expect(relay.injected.losses).toBe(40 - kept.length)
      expect(relay.injected.losses).toBeGreaterThan(0)
      expect(relay.injected.delays).toBeGreaterThan(0)
      runs.push({ decisions: [...relay.decisions()], received })
    }
    expect(runs[1].decisions).toEqual(runs[0].decisions)
    expect(runs[2].decisions).not.toEqual(runs[0].decisions)
  })

  it('holds server-to-client messages for the slow-response delay on its clock', async () => {
    const server = await startServer(echo)
    servers.push(server)
    const clock = createManualClock()
    const relay = await relayFor(
      server,
      1,
      { slowResponse: { probability: 1, delayMs: 2000 } },
      clock
    )
    const ws = await dial(relay.url)
    const got: string[] = []
    ws.on('message', (d) => got.push(d.toString()))
    ws.send('ping-1')
    await waitFor(() => relay.decisions().length === 2)
    // The reply is held on the relay's clock, not merely late: its sleep is pending.
    await waitFor(() => clock.sleeps.includes(2000))
    clock.advance(1999)
    expect(clock.pending()).toBe(1)
    expect(got).toEqual([])
    clock.advance(1)
    await waitFor(() => got.length === 1)
    expect(got).toEqual(['ping-1'])
    expect(relay.injected.slowResponses).toBe(1)
  })

  it('limits bandwidth with a token bucket on its clock', async () => {
    const received: number[] = []
    const server = await startServer((ws) =>
      ws.on('message', (d) => received.push((d as Buffer).length))
    )
    servers.push(server)
    const clock = createManualClock()
    const relay = await relayFor(server, 1, { bandwidth: { bytesPerSecond: 1000 } }, clock)
    const ws = await dial(relay.url)
    ws.send(Buffer.alloc(1000))
    ws.send(Buffer.alloc(500))
    await waitFor(() => received.length === 1) // the first fits the one-second burst
    // The second waits for tokens on the relay's clock, which has not moved.
    await waitFor(() => clock.pending() === 1)
    expect(received).toEqual([1000])
    clock.advance(500) // 500 bytes at 1000 B/s
    await waitFor(() => received.length === 2)
    expect(received).toEqual([1000, 500])
  })

  it('drops both legs abruptly and refuses reconnects for reconnectDelayMs', async () => {
    const closes: number[] = []
    const server = await startServer((ws) => ws.on('close', (code) => closes.push(code)))
    servers.push(server)
    const clock = createManualClock()
    const relay = await relayFor(
      server,
      1,
      { randomDisconnect: { probability: 1, reconnectDelayMs: 1000 } },
      clock
    )
    const ws = await dial(relay.url)
    const closed = once(ws, 'close') as Promise<[number]>
    ws.send('boom')
    expect((await closed)[0]).toBe(1006)
    await waitFor(() => closes.length === 1)
    expect(closes).toEqual([1006]) // the service saw no close frame either
    const refused = new WebSocket(relay.url)
    refused.on('error', () => undefined)
    sockets.push(refused)
    const [, response] = (await once(refused, 'unexpected-response')) as [unknown, IncomingMessage]
    expect(response.statusCode).toBe(503)
    clock.advance(1000)
    await dial(relay.url)
    expect(relay.injected.disconnects).toBe(1)
  })

  it('loses no message through a relay that keeps dropping connections (resend + dedupe)', async () => {
    const seen = new Map<string, number>()
    const server = await startServer(ackingDedupe(seen))
    servers.push(server)
    const relay = await relayFor(server, 2024, {
      randomDisconnect: { probability: 0.1, reconnectDelayMs: 20 }
    })
    const client = createReconnectingClient(
      clientOptions({
        url: relay.url,
        random: createRandom(7).next,
        backoff: { initialDelayMs: 5, maxDelayMs: 100, maxAttempts: 50 },
        maxInFlight: 4,
        breaker: null
      })
    )
    clients.push(client)
    await client.start()
    const total = 100
    for (let i = 0; i < total; i += 1) client.send({ type: 'msg', n: i })
    await client.waitForAcks(20_000)
    await client.close()
    expect(relay.injected.disconnects).toBeGreaterThan(0)
    expect(client.stats.reconnections).toBeGreaterThan(0)
    expect(client.stats.resends).toBeGreaterThan(0)
    expect(seen.size).toBe(total)
    for (let i = 1; i <= total; i += 1) expect(seen.has(`m-${i}`)).toBe(true)
    expect(client.stats.messagesAcked).toBe(total)
    expect(client.stats.messagesLost).toBe(0)
    for (const recovery of client.stats.recoveries) {
      expect(recovery.succeeded).toBe(true)
      expect(recovery.timeToReconnectMs).not.toBeNull()
    }
  })
})

describe('reconnecting client through a relay outage', () => {
  it('opens the breaker while the relay refuses, then closes it via half-open once the outage ends', async () => {
    const server = await startServer(echo)
    servers.push(server)
    const relay = await relayFor(server, 3, {})
    const client = createReconnectingClient(
      clientOptions({
        url: relay.url,
        random: createRandom(11).next,
        backoff: { initialDelayMs: 10, maxDelayMs: 40, maxAttempts: 100 },
        breaker: { failureThreshold: 2, resetTimeoutMs: 30 }
      })
    )
    clients.push(client)
    await client.start()
    relay.setOutage(true)
    await waitFor(() => client.breaker?.state === 'open')
    expect(client.state).toBe('reconnecting')
    expect(relay.connections.refused).toBeGreaterThanOrEqual(2)
    relay.setOutage(false)
    await waitFor(() => client.state === 'open')
    const path = client.breaker?.transitions.map((t) => t.to) ?? []
    expect(path.slice(0, 2)).toEqual(['open', 'half-open'])
    expect(path.at(-1)).toBe('closed')
    expect(client.stats.reconnections).toBe(1)
    expect(client.stats.recoveries[0].succeeded).toBe(true)
    expect(client.stats.lastError?.code).toBe('WSH_ERR_HANDSHAKE_REJECTED')
  })
})

describe('token bucket', () => {
  it('allows a one-second burst, then delays in proportion to the bytes', () => {
    const clock = createManualClock()
    const bucket = createTokenBucket(1000, clock)
    expect(bucket.reserve(1000)).toBe(0)
    expect(bucket.reserve(500)).toBe(500)
    clock.advance(500)
    expect(bucket.reserve(250)).toBe(250)
    clock.advance(10_000)
    expect(bucket.reserve(1000)).toBe(0) // refills only up to the burst
    expect(bucket.reserve(1)).toBe(1)
    expect(() => createTokenBucket(0, clock)).toThrow(/^bytesPerSecond/)
  })
})
