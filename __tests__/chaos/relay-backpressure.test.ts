import { describe, it, expect, afterEach } from '@jest/globals'
import { once } from 'node:events'
import WebSocket from 'ws'
import { NO_FAULTS } from '../../src/chaos/faults.js'
import { startChaosRelay, type ChaosRelay } from '../../src/chaos/relay.js'
import { startServer, waitFor, type TestServer } from '../reconnect/servers.js'

let relays: ChaosRelay[] = []
let servers: TestServer[] = []
let sockets: WebSocket[] = []

afterEach(async () => {
  for (const ws of sockets) ws.terminate()
  await Promise.all(relays.map((r) => r.close()))
  await Promise.all(servers.map((s) => s.close()))
  relays = []
  servers = []
  sockets = []
})

const KIB = 1024
const CHUNK = 128 * KIB

async function dial(url: string): Promise<WebSocket> {
  const ws = new WebSocket(url, { perMessageDeflate: false })
  ws.on('error', () => undefined)
  sockets.push(ws)
  await once(ws, 'open')
  return ws
}

/** Polls until `read()` gives the same value `times` polls in a row (bounded by waitFor's limit). */
async function untilSteady(read: () => number, times = 10): Promise<void> {
  let last = -1
  let same = 0
  await waitFor(() => {
    const now = read()
    same = now === last ? same + 1 : 0
    last = now
    return same >= times
  })
}

describe('chaos relay backpressure', () => {
  it('keeps the bytes it holds bounded when the service reads slowly, and loses nothing', async () => {
    const received: number[] = []
    let service: WebSocket | undefined
    const server = await startServer((ws) => {
      service = ws
      ws.pause() // a reader that does not read (yet)
      ws.on('message', (data) => received.push((data as Buffer).readUInt32BE(0)))
    })
    servers.push(server)
    const highWaterBytes = 256 * KIB
    const relay = await startChaosRelay({
      target: server.url,
      seed: 1,
      base: NO_FAULTS,
      highWaterBytes,
      lowWaterBytes: 64 * KIB
    })
    relays.push(relay)
    const client = await dial(relay.url)
    const total = 256 // x 128 KiB = 32 MiB
    for (let i = 0; i < total; i += 1) {
      const chunk = Buffer.alloc(CHUNK)
      chunk.writeUInt32BE(i, 0)
      client.send(chunk)
    }
    await waitFor(() => relay.flow.pauses > 0 && service !== undefined)
    // Let the relay read whatever it will while the service is stalled.
    await untilSteady(() => client.bufferedAmount)
    // Held by the relay: the high-water mark plus what one socket read could still complete.
    const bound = highWaterBytes + 4 * CHUNK
    expect(relay.flow.peakQueuedBytes).toBeLessThanOrEqual(bound)
    expect(relay.flow.peakQueuedBytes).toBeGreaterThan(highWaterBytes)
    // The rest waits in the client, not in the relay.
    expect(client.bufferedAmount).toBeGreaterThan(8 * 1024 * KIB)

    service?.resume()
    await waitFor(() => received.length === total, 20_000)
    expect(received).toEqual(Array.from({ length: total }, (_, i) => i))
    expect(relay.flow.peakQueuedBytes).toBeLessThanOrEqual(bound)
    expect(relay.flow.overflows).toBe(0)
  })

  it('closes with 1009 and counts it when one direction exceeds maxQueuedBytes', async () => {
    const server = await startServer((ws) => ws.pause())
    servers.push(server)
    const relay = await startChaosRelay({
      target: server.url,
      seed: 1,
      base: NO_FAULTS,
      highWaterBytes: 64 * KIB,
      maxQueuedBytes: 1024 * KIB
    })
    relays.push(relay)
    const client = await dial(relay.url)
    const closed = once(client, 'close')
    client.send(Buffer.alloc(2048 * KIB))
    const [code] = (await closed) as [number]
    expect(code).toBe(1009)
    expect(relay.flow.overflows).toBe(1)
  })

  it('rejects inconsistent limits naming the option', async () => {
    await expect(
      startChaosRelay({
        target: 'ws://127.0.0.1:1/',
        base: NO_FAULTS,
        highWaterBytes: 10,
        maxQueuedBytes: 5
      })
    ).rejects.toThrow(/highWaterBytes: got 10/)
    await expect(
      startChaosRelay({
        target: 'ws://127.0.0.1:1/',
        base: NO_FAULTS,
        highWaterBytes: 10,
        lowWaterBytes: 10
      })
    ).rejects.toThrow(/lowWaterBytes: got 10/)
  })
})
