/**
 * The protocol-error probe over a minimal Connection that can send invalid
 * UTF-8 in a text frame (ws lets a client do that with `binary: false`), and
 * over the real instrumented client: services that close with 1007 or drop
 * TCP pass, echoing the bytes or closing with 1000 is a conformance finding,
 * one that ignores the error fails in bounded time, and a client without the
 * capability is skipped with the reason.
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
import { startWsServer, type TestServer } from '../fixtures/ws-server.js'
import { startFayeServer } from '../fixtures/second-implementation.js'
import {
  startUtf8DropServer,
  startUtf8EchoServer,
  startUtf8NormalCloseServer
} from '../fixtures/conformance-servers.js'

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

/** The instrumented client the suites use. */
function realConnect(url: string): Connect {
  const config = makeConfig({ url })
  return createConnector({
    url,
    clock: systemClock,
    protocol: createProbeProtocol(config),
    ...connectionOptionsFromConfig(config)
  })
}

/** A ws server that skips UTF-8 validation and silently ignores the invalid frame. */
function startIgnoringServer(): Promise<TestServer> {
  return startWsServer(() => () => undefined, { skipUTF8Validation: true })
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

  it('passes, saying so, when the service drops TCP without a close frame', async () => {
    server = await startUtf8DropServer()
    const check = await protocolErrorCheck({ connect: realConnect(server.url), signal })
    expect(check).toMatchObject({ status: 'passed', value: 1006 })
    expect(check.conformance).toBeUndefined()
    expect(check.message).toBe(
      'dropped the TCP connection without a close frame, allowed by RFC 6455 7.1.7'
    )
  })

  it('says which code it closed with when it closes properly', async () => {
    server = await startReferenceServer()
    const check = await protocolErrorCheck({ connect: realConnect(server.url), signal })
    expect(check).toMatchObject({ status: 'passed', value: 1007 })
    expect(check.message).toMatch(/^closed with 1007/)
  })

  it('is a conformance finding, not a failure, when the service closes with 1000', async () => {
    server = await startUtf8NormalCloseServer()
    const check = await protocolErrorCheck({ connect: realConnect(server.url), signal })
    expect(check).toMatchObject({ status: 'degraded', conformance: true, value: 1000 })
    expect(check.message).toContain('closed with 1000 (bye); RFC 6455 7.4.1 asks for 1007')
  })

  it('fails, in bounded time, when the service ignores the protocol error', async () => {
    server = await startIgnoringServer()
    const check = await protocolErrorCheck(
      { connect: rawConnect(server.url), signal },
      { closeWithinMs: 200 }
    )
    expect(check).toMatchObject({ status: 'failed', code: 'WSH_ERR_PROTOCOL' })
    expect(check.message).toContain('did not close the connection within 200 ms')
  })

  it('is a conformance finding naming invalid UTF-8 when the service echoes the bytes back', async () => {
    server = await startUtf8EchoServer()
    const check = await protocolErrorCheck(
      { connect: realConnect(server.url), signal },
      { closeWithinMs: 2_000 }
    )
    expect(check).toMatchObject({
      status: 'degraded',
      conformance: true,
      code: 'WSH_ERR_PROTOCOL'
    })
    expect(check.message).toContain(
      'the service echoed the invalid UTF-8 back instead of failing the connection (RFC 6455 8.1)'
    )
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
