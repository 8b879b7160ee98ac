/**
 * The protocol-error probe over a minimal Connection that can send invalid
 * UTF-8 in a text frame (ws lets a client do that with `binary: false`):
 * services that close with 1007 pass, one that ignores the error fails in
 * bounded time, and a client without the capability is skipped with the reason.
 */
import { afterEach, describe, expect, it } from '@jest/globals'
import WebSocket from 'ws'
import type { CloseInfo, Connect, Connection } from '../../src/client/types.js'
import { createConnector, connectionOptionsFromConfig } from '../../src/client/connection.js'
import { createProbeProtocol } from '../../src/client/protocol.js'
import { systemClock } from '../../src/metrics/clock.js'
import { makeConfig } from '../fixtures/builders.js'
import { startReferenceServer } from '../../src/server/reference-server.js'
import { protocolErrorCheck } from '../../src/suites/protocol-error-probe.js'
import { startWsServer, type TestServer } from '../fixtures/faulty-servers.js'
import { startFayeServer } from '../fixtures/second-implementation.js'

/** A Connection with just what the probe uses, over a raw ws client. */
function rawConnect(url: string, withTextBytes = true): Connect {
  return () =>
    new Promise<Connection>((resolve, reject) => {
      const ws = new WebSocket(url)
      const closed = new Promise<CloseInfo>((done) => {
        ws.on('close', (code, reason) =>
          done({ code, reason: reason.toString(), wasClean: code !== 1006, initiatedBy: 'server' })
        )
      })
      ws.on('error', reject)
      ws.on('open', () => {
        const connection = {
          label: 'raw',
          stats: { errors: 0 },
          get readyState() {
            return (['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED'] as const)[ws.readyState]
          },
          closed,
          close: () => {
            ws.close(1000)
            return closed
          },
          terminate: () => ws.terminate(),
          ...(withTextBytes
            ? {
                sendTextBytes: (data: Buffer) =>
                  new Promise<void>((done, fail) =>
                    ws.send(data, { binary: false }, (e) => (e ? fail(e) : done()))
                  )
              }
            : {})
        }
        resolve(connection as unknown as Connection)
      })
    })
}

/**
 * A ws server that skips UTF-8 validation: it silently ignores the invalid
 * frame, or (echo) sends it straight back, instead of closing.
 */
function startLenientServer(echo = false): Promise<TestServer> {
  return startWsServer(
    () => (socket, data, isBinary) => {
      if (echo) socket.send(data, { binary: isBinary })
    },
    { skipUTF8Validation: true }
  )
}

let server: TestServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

const signal = new AbortController().signal

describe('protocolErrorCheck', () => {
  it.each([
    ['reference server (ws)', () => startReferenceServer()],
    ['faye-websocket', () => startFayeServer()]
  ])('passes when the %s closes with 1007', async (_name, start) => {
    server = await start()
    const check = await protocolErrorCheck({ connect: rawConnect(server.url), signal })
    expect(check).toMatchObject({ id: 'protocol-error-close', status: 'passed', value: 1007 })
  })

  it('fails, in bounded time, when the service ignores the protocol error', async () => {
    server = await startLenientServer()
    const check = await protocolErrorCheck(
      { connect: rawConnect(server.url), signal },
      { closeWithinMs: 200 }
    )
    expect(check).toMatchObject({ status: 'failed', code: 'WSH_ERR_PROTOCOL' })
    expect(check.message).toContain('did not close the connection within 200 ms')
  })

  it('fails when the service echoes the invalid bytes back (the real client rejects them)', async () => {
    server = await startLenientServer(true)
    const config = makeConfig({ url: server.url })
    const connect = createConnector({
      url: server.url,
      clock: systemClock,
      protocol: createProbeProtocol(config),
      ...connectionOptionsFromConfig(config)
    })
    const check = await protocolErrorCheck({ connect, signal }, { closeWithinMs: 2_000 })
    expect(check).toMatchObject({ status: 'failed', code: 'WSH_ERR_PROTOCOL' })
    expect(check.message).toContain('sent invalid data back')
  })

  it('is skipped with the reason when the client cannot send invalid UTF-8', async () => {
    server = await startReferenceServer()
    const check = await protocolErrorCheck({ connect: rawConnect(server.url, false), signal })
    expect(check).toMatchObject({
      status: 'skipped',
      message: expect.stringContaining('invalid UTF-8')
    })
  })
})
