/**
 * A message size limit is a property of the service, not a failure: a
 * service that refuses the large probe with 1009 gets its limit measured
 * (exactly, or as a bound with its precision) and the large check passes,
 * unless min_message_bytes asks for more. The refusal takes no other check
 * with it. A close with another code, a hang or a corrupted echo is still a
 * failure. Servers: ws with maxPayload (exactly what ws-based apps do) and
 * websocket-node with its defaults (64 KiB frames, 1 MiB messages).
 */
import { afterEach, describe, expect, it } from '@jest/globals'
import { createServer } from 'node:http'
import { makeConfig } from '../fixtures/builders.js'
import { answer, startSmallPayloadServer } from '../fixtures/faulty-servers.js'
import { listen, startWsServer, type TestServer } from '../fixtures/ws-server.js'
import { sizeLimitCheck } from '../../src/suites/message-size-check.js'
import { findSizeLimit, type SizeLimit } from '../../src/suites/message-size-search.js'
import { check, runSuite, statuses, wireClient } from './harness.js'

const KIB = 1024
const MIB = 1024 * KIB
const LARGE = { id: 'large-round-trip', title: 'large message round-trips intact' }

let server: TestServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

/** Runs message-delivery against the server, with a short message timeout so a fault costs little. */
async function delivery(url: string, overrides: Parameters<typeof makeConfig>[0] = {}) {
  const { result } = await runSuite('message-delivery', url, {
    thresholds: { messageTimeoutMs: 5_000 },
    ...overrides
  })
  return result
}

describe('a service that refuses large messages with 1009', () => {
  it('passes the large check with the exact 1 MiB limit, and measures every other check', async () => {
    server = await startSmallPayloadServer(MIB)
    const result = await delivery(server.url)
    const large = check(result, 'large-round-trip')
    expect(large).toMatchObject({ status: 'passed', value: MIB, unit: 'bytes' })
    expect(large.message).toMatch(/^accepts up to 1048576 bytes: a size limit, not a fault/)
    expect(large.message).toMatch(/1048577 bytes are refused with close code 1009/)
    // No cascade: the other payload kinds, ordering, delivery and timeouts are measured and pass.
    expect(statuses(result)).toEqual({})
    expect(check(result, 'message-timeout').value).toBe(0)
    expect(result.metrics.messageSizeLimit).toEqual({
      acceptedBytes: MIB,
      refusedBytes: MIB + 1,
      exact: true,
      tries: 2
    })
  })

  it('fails when min_message_bytes asks for more than the limit, naming both and the setting', async () => {
    server = await startSmallPayloadServer(MIB)
    const result = await delivery(server.url, { minMessageBytes: 2 * MIB })
    const large = check(result, 'large-round-trip')
    expect(large).toMatchObject({ status: 'failed', value: MIB, unit: 'bytes' })
    expect(large.message).toMatch(/needs >= 2097152 bytes/)
    expect(large.message).toMatch(/accepts up to 1048576 bytes/)
    expect(large.message).toMatch(/min_message_bytes = 2097152/)
    expect(check(result, 'binary-round-trip').status).toBe('passed')
  })

  it('passes when min_message_bytes is within the limit, sending at least that much', async () => {
    server = await startSmallPayloadServer(MIB)
    const result = await delivery(server.url, {
      minMessageBytes: 1_000_000,
      largePayloadBytes: 500_000
    })
    expect(check(result, 'large-round-trip')).toMatchObject({ status: 'passed', value: true })
    expect(check(result, 'large-round-trip').message).toMatch(/1000000 bytes came back intact/)
  })

  it('finds a 64 KiB cap', async () => {
    server = await startSmallPayloadServer(64 * KIB)
    const result = await delivery(server.url)
    expect(check(result, 'large-round-trip')).toMatchObject({
      status: 'passed',
      value: 64 * KIB,
      unit: 'bytes'
    })
    expect(statuses(result)).toEqual({})
  })
})

describe('a size search that cannot pin the limit down', () => {
  it('reports the best bound and its precision when the tries run out', async () => {
    // 100 000 bytes is no common cap: the tries are spent bisecting.
    server = await startSmallPayloadServer(100_000)
    const config = makeConfig({ url: server.url, thresholds: { messageTimeoutMs: 5_000 } })
    const { connect } = wireClient(server.url, config)
    const signal = new AbortController().signal
    const limit = await findSizeLimit(
      { connect, signal, config },
      { acceptedBytes: 256, refusedBytes: 1_100_000, maxTries: 6 }
    )
    expect(limit.tries).toBe(6)
    expect(limit.exact).toBe(false)
    expect(limit.stoppedBy).toBe('tries')
    expect(limit.acceptedBytes).toBeLessThanOrEqual(100_000)
    expect(limit.refusedBytes).toBeGreaterThan(100_000)
    const judged = sizeLimitCheck({ config }, LARGE, limit, 1_100_000)
    expect(judged).toMatchObject({ status: 'passed', value: limit.acceptedBytes })
    expect(judged.message).toMatch(
      new RegExp(
        `accepts at least ${limit.acceptedBytes} bytes and refuses ${limit.refusedBytes}, .*${limit.refusedBytes - limit.acceptedBytes - 1} bytes unresolved`
      )
    )
  })

  it('finds the exact limit by bisection when it is no common cap', async () => {
    server = await startSmallPayloadServer(100_000)
    const config = makeConfig({ url: server.url, thresholds: { messageTimeoutMs: 5_000 } })
    const { connect } = wireClient(server.url, config)
    const limit = await findSizeLimit(
      { connect, signal: new AbortController().signal, config },
      { acceptedBytes: 99_000, refusedBytes: 101_000 }
    )
    expect(limit).toMatchObject({ acceptedBytes: 100_000, refusedBytes: 100_001, exact: true })
    expect(limit.tries).toBeLessThanOrEqual(12)
  })
})

describe('the size check judges what the search found', () => {
  const config = makeConfig({})
  const found: SizeLimit = { acceptedBytes: 65_536, refusedBytes: 65_537, exact: true, tries: 3 }

  it('fails a size that was neither echoed nor refused with 1009', () => {
    const judged = sizeLimitCheck(
      { config },
      LARGE,
      {
        ...found,
        exact: false,
        refusedBytes: MIB,
        fault: { bytes: 65_537, error: new Error('x') }
      },
      1_100_000
    )
    expect(judged.status).toBe('failed')
    expect(judged.message).toMatch(/a 65537-byte message was neither echoed intact nor refused/)
  })

  it('fails when it cannot tell whether min_message_bytes is accepted', () => {
    const judged = sizeLimitCheck(
      { config: makeConfig({ minMessageBytes: 500_000 }) },
      LARGE,
      { ...found, exact: false, refusedBytes: MIB, stoppedBy: 'deadline' },
      1_100_000
    )
    expect(judged).toMatchObject({ status: 'failed', code: 'WSH_ERR_DEADLINE' })
    expect(judged.message).toMatch(/whether 500000 bytes \(min_message_bytes\) are accepted/)
  })
})

describe('other answers to a large message are still failures', () => {
  it('a close with 1011 fails the large check and counts the lost probe', async () => {
    server = await startWsServer(() => (socket, data, isBinary) => {
      if (data.length > MIB) socket.close(1011, 'cannot handle that')
      else answer(socket, data, isBinary)
    })
    const result = await delivery(server.url)
    expect(check(result, 'large-round-trip').status).toBe('failed')
    expect(check(result, 'large-round-trip').message).toMatch(/code 1011/)
    expect(result.metrics.messageSizeLimit).toBeUndefined()
    const timeout = check(result, 'message-timeout')
    expect(timeout).toMatchObject({ status: 'failed', value: 1 })
    expect(timeout.message).toMatch(/1 lost when the connection failed/)
    // The large probe has its own connection: the other kinds are measured.
    expect(check(result, 'binary-round-trip').status).toBe('passed')
    expect(check(result, 'order-preserved').status).toBe('passed')
  })

  it('a corrupted large echo fails the large check', async () => {
    server = await startWsServer(() => (socket, data, isBinary) => {
      if (data.length > MIB) data[data.length - 1] ^= 0xff
      answer(socket, data, isBinary)
    })
    const result = await delivery(server.url)
    expect(check(result, 'large-round-trip')).toMatchObject({ status: 'failed', value: false })
  })
})

describe('interop: websocket-node with its defaults', () => {
  it('is not failed, and reports the 64 KiB frame limit it enforces', async () => {
    const websocket = await import('websocket')
    const http = createServer((_req, res) => res.writeHead(426).end())
    const wsServer = new websocket.server({ httpServer: http })
    wsServer.on('request', (request) => {
      const connection = request.accept(null, request.origin)
      connection.on('message', (message) => {
        if (message.type === 'utf8') connection.sendUTF(message.utf8Data)
        else connection.sendBytes(message.binaryData)
      })
      connection.on('error', () => undefined)
    })
    const port = await listen(http)
    server = {
      url: `ws://127.0.0.1:${port}/`,
      port,
      close: () =>
        new Promise<void>((resolve) => {
          wsServer.shutDown()
          http.close(() => resolve())
          http.closeAllConnections()
        })
    }
    const result = await delivery(server.url)
    expect(result.status).not.toBe('failed')
    expect(check(result, 'large-round-trip')).toMatchObject({
      status: 'passed',
      value: 64 * KIB,
      unit: 'bytes'
    })
    expect(check(result, 'large-round-trip').message).toMatch(/accepts up to 65536 bytes/)
  })
})
