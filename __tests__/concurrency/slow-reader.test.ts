/** The slow-reader client and scenario: bounded, cancellable, counting only the replies to what it sent. */
import { describe, it, expect, afterEach } from '@jest/globals'
import { createServer, type Server, type Socket } from 'node:net'
import type { AddressInfo } from 'node:net'
import { createConnector, connectionOptionsFromConfig } from '../../src/client/connection.js'
import { createProbeProtocol } from '../../src/client/protocol.js'
import { runSlowReader, type SlowReaderOptions } from '../../src/client/slow-reader.js'
import { slowReader } from '../../src/engine/exhaustion.js'
import { systemClock, type Clock } from '../../src/metrics/clock.js'
import { startReferenceServer } from '../../src/server/reference-server.js'
import { makeConfig } from '../fixtures/builders.js'
import { startBufferLimitedServer, startLoadSensitiveServer } from '../fixtures/load-servers.js'

const closers: (() => Promise<void>)[] = []
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()))
})

/** The system clock, counting sleeps that neither ended nor were cancelled. */
function countingClock(): Clock & { pending(): number } {
  let pending = 0
  return {
    now: systemClock.now,
    nowMs: systemClock.nowMs,
    sleep(ms, signal) {
      pending++
      return systemClock.sleep(ms, signal).finally(() => pending--)
    },
    pending: () => pending
  }
}

function readerOptions(url: string, overrides: Partial<SlowReaderOptions>): SlowReaderOptions {
  return {
    url,
    handshakeTimeoutMs: 5_000,
    clock: systemClock,
    signal: new AbortController().signal,
    messages: 3,
    message: (i) => Buffer.from(`message ${i}`),
    holdMs: 50,
    drainMs: 5_000,
    ...overrides
  }
}

/** A TCP server that accepts and never answers the WebSocket handshake. */
async function startBlackHole(): Promise<{ url: string; connected: Promise<void> }> {
  const sockets = new Set<Socket>()
  let seen: () => void = () => undefined
  const connected = new Promise<void>((resolve) => {
    seen = resolve
  })
  const server: Server = createServer((socket) => {
    sockets.add(socket)
    socket.on('error', () => undefined)
    seen()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  closers.push(async () => {
    for (const socket of sockets) socket.destroy()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  })
  return { url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/`, connected }
}

describe('slow reader', () => {
  it('cancels its drain timer when the service closes it first', async () => {
    const server = await startBufferLimitedServer(1024 * 1024)
    closers.push(() => server.close())
    const clock = countingClock()
    const result = await runSlowReader(
      readerOptions(server.url, {
        clock,
        messages: 256,
        message: () => Buffer.alloc(64 * 1024, 0x61),
        holdMs: 200,
        drainMs: 60_000
      })
    )
    expect(result.closeCode).toBe(1008)
    // Before: the 60 s drain sleep was left running after `closed` won the race.
    expect(clock.pending()).toBe(0)
  }, 20_000)

  it('gives up opening when its signal aborts, whatever the handshake timeout', async () => {
    const hole = await startBlackHole()
    const controller = new AbortController()
    void hole.connected.then(() => controller.abort())
    // Before: the open wait ignored the signal and waited out the 60 s handshake timeout.
    const result = await runSlowReader(
      readerOptions(hole.url, { handshakeTimeoutMs: 60_000, signal: controller.signal })
    )
    expect(result.opened).toBe(false)
    expect(result.sentMessages).toBe(0)
  }, 10_000)

  it('counts only the replies to what it sent, not a greeting before the pause', async () => {
    const server = await startReferenceServer({ banner: true })
    closers.push(() => server.close())
    const result = await runSlowReader(readerOptions(server.url, {}))
    expect(result.sentMessages).toBe(3)
    expect(result.receivedMessages).toBe(3)
    expect(result.closeCode).toBeNull()
  }, 20_000)

  it('gives the probes of other connections at least a second, however short the hold', async () => {
    // 100 ms per connection seen: the other connection's replies take about 200 ms.
    const server = await startLoadSensitiveServer(100)
    closers.push(() => server.close())
    const config = makeConfig({ url: server.url })
    const protocol = createProbeProtocol(config)
    const report = await slowReader(
      {
        config,
        target: server.url,
        connect: createConnector({
          url: server.url,
          clock: systemClock,
          protocol,
          ...connectionOptionsFromConfig(config)
        }),
        canCarry: protocol.canCarry,
        clock: systemClock,
        signal: new AbortController().signal
      },
      50
    )
    // Before: the probes timed out after the 50 ms hold and reported others-starved.
    expect(report).toMatchObject({ othersSent: 5, othersReplies: 5 })
    expect(report.outcome).not.toBe('others-starved')
  }, 20_000)
})
