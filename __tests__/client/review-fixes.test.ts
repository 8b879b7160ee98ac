/**
 * Client fixes: URLs in error messages are redacted, only a pong that echoes
 * a ping's payload answers it, json replies say whether they were matched by
 * id, and CloseInfo says whether the service ended the TCP connection itself.
 */
import { afterEach, describe, expect, it } from '@jest/globals'
import { createConnection } from '../../src/client/connection.js'
import { createProbeProtocol } from '../../src/client/protocol.js'
import type { Connection } from '../../src/client/types.js'
import { systemClock } from '../../src/metrics/clock.js'
import { makeConfig } from '../fixtures/builders.js'
import {
  startHalfOpenServer,
  startMuteServer,
  startNoIdPongServer,
  startRefusingServer,
  startSlowServer
} from '../fixtures/faulty-servers.js'
import { closedPortUrl, type TestServer } from '../fixtures/ws-server.js'
import { startEmptyPongServer, startKeepalivePongServer } from '../fixtures/conformance-servers.js'
import { DEFAULT_TIMEOUTS } from '../fixtures/schema-defaults.js'

const echo = createProbeProtocol(makeConfig({}))
const json = createProbeProtocol(makeConfig({ protocol: 'json' }))

let server: TestServer | undefined
let connection: Connection | undefined
afterEach(async () => {
  connection?.terminate()
  connection = undefined
  await server?.close()
  server = undefined
})

/** A URL with a password in userinfo and a token in the query. */
function secretUrl(port: number): string {
  return `ws://user:pass@127.0.0.1:${port}/ws?token=SECRET`
}

async function connectError(url: string): Promise<Error> {
  const error = await createConnection({
    ...DEFAULT_TIMEOUTS,
    url,
    clock: systemClock,
    protocol: echo
  }).then(
    () => new Error('connected'),
    (e: unknown) => e as Error
  )
  return error
}

describe('connect errors never carry credentials or tokens', () => {
  it('redacts the URL in "handshake rejected: HTTP 503"', async () => {
    server = await startRefusingServer(503)
    const error = await connectError(secretUrl(server.port))
    expect(error.message).toContain('HTTP 503')
    expect(error.message).toContain(`127.0.0.1:${server.port}`)
    expect(error.message).not.toContain('pass')
    expect(error.message).not.toContain('SECRET')
  })

  it('redacts the URL in a connection-refused error', async () => {
    const port = Number(new URL(await closedPortUrl()).port)
    const error = await connectError(secretUrl(port))
    expect(error.message).toContain('ECONNREFUSED')
    expect(error.message).not.toContain('pass')
    expect(error.message).not.toContain('SECRET')
  })

  it('redacts the URL in a probe timeout after connecting', async () => {
    server = await startMuteServer()
    connection = await createConnection({
      ...DEFAULT_TIMEOUTS,
      url: secretUrl(server.port),
      clock: systemClock,
      protocol: echo
    })
    const error = await connection.probe({ timeoutMs: 50 }).then(
      () => new Error('answered'),
      (e: unknown) => e as Error
    )
    expect(error).toMatchObject({ code: 'WSH_ERR_MESSAGE_TIMEOUT' })
    expect(error.message).not.toContain('pass')
    expect(error.message).not.toContain('SECRET')
  })
})

describe('pongs answer only the ping whose payload they echo', () => {
  it('an unsolicited keepalive pong is not taken for a fast answer when the real one follows', async () => {
    server = await startKeepalivePongServer(50)
    connection = await createConnection({
      ...DEFAULT_TIMEOUTS,
      url: server.url,
      clock: systemClock,
      protocol: echo
    })
    // The keepalive arrives at once, the echo 50 ms later: the RTT is the echo's.
    const rtt = await connection.ping(2_000)
    expect(rtt).toBeGreaterThanOrEqual(50)
    expect(connection.stats.pongsReceived).toBe(1)
    expect(connection.stats.pongMismatches).toBe(0)
  })

  it('a pong with another payload answers the ping for liveness and counts as a mismatch', async () => {
    server = await startEmptyPongServer()
    connection = await createConnection({
      ...DEFAULT_TIMEOUTS,
      url: server.url,
      clock: systemClock,
      protocol: echo
    })
    await expect(connection.ping(2_000)).resolves.toEqual(expect.any(Number))
    expect(connection.stats.pongsReceived).toBe(1)
    expect(connection.stats.pongMismatches).toBe(1)
  })
})

describe('json replies say how they were matched', () => {
  it('a reply without the probe id is matched first in first out', async () => {
    server = await startNoIdPongServer()
    connection = await createConnection({
      ...DEFAULT_TIMEOUTS,
      url: server.url,
      clock: systemClock,
      protocol: json
    })
    await expect(connection.probe({ kind: 'json', timeoutMs: 2_000 })).resolves.toMatchObject({
      matchedById: false
    })
  })

  it('a reply echoing the id is matched by id', async () => {
    server = await startSlowServer(0)
    connection = await createConnection({
      ...DEFAULT_TIMEOUTS,
      url: server.url,
      clock: systemClock,
      protocol: json
    })
    await expect(connection.probe({ kind: 'json', timeoutMs: 2_000 })).resolves.toMatchObject({
      matchedById: true
    })
  })
})

describe('CloseInfo says who ended the TCP connection', () => {
  it('true when the service ends it after the close handshake', async () => {
    server = await startSlowServer(0)
    connection = await createConnection({
      ...DEFAULT_TIMEOUTS,
      url: server.url,
      clock: systemClock,
      protocol: echo
    })
    const info = await connection.close(1000, '', 2_000)
    expect(info).toMatchObject({ code: 1000, wasClean: true, serverClosedTcp: true })
  })

  it('false when the service answers the close frame but keeps TCP open', async () => {
    server = await startHalfOpenServer()
    connection = await createConnection({
      ...DEFAULT_TIMEOUTS,
      url: server.url,
      clock: systemClock,
      protocol: echo
    })
    const info = await connection.close(1000, '', 300)
    expect(info).toMatchObject({ code: 1000, serverClosedTcp: false })
  })
})
