/**
 * Healthy echo servers built with other libraries (websocket-node,
 * nodejs-websocket), started as their documentation shows: the grading
 * never fails them for behaviour RFC 6455 allows (how they fail a
 * connection on invalid UTF-8, how they close, how they answer pings).
 */
import { afterEach, describe, expect, it } from '@jest/globals'
import { createConnector, connectionOptionsFromConfig } from '../../src/client/connection.js'
import { createProbeProtocol } from '../../src/client/protocol.js'
import { systemClock } from '../../src/metrics/clock.js'
import { protocolErrorCheck } from '../../src/suites/protocol-error-probe.js'
import { makeConfig } from '../fixtures/builders.js'
import type { TestServer } from '../fixtures/ws-server.js'
import {
  startNodejsWebsocketServer,
  startWebsocketNodeServer
} from '../fixtures/interop-servers.js'
import { check, runSuite, statuses } from './harness.js'

let server: TestServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

const signal = new AbortController().signal

function connectTo(url: string) {
  const config = makeConfig({ url })
  return createConnector({
    url,
    clock: systemClock,
    protocol: createProbeProtocol(config),
    ...connectionOptionsFromConfig(config)
  })
}

describe('websocket-node', () => {
  it('closes with 1007 on invalid UTF-8: passed, saying so', async () => {
    server = await startWebsocketNodeServer()
    const result = await protocolErrorCheck({ connect: connectTo(server.url), signal })
    expect(result).toMatchObject({ status: 'passed', value: 1007 })
    expect(result.message).toMatch(/^closed with 1007/)
  })
})

describe('nodejs-websocket', () => {
  it('echoes invalid UTF-8 repaired and stays open: a conformance finding, not a failure', async () => {
    server = await startNodejsWebsocketServer()
    const result = await protocolErrorCheck(
      { connect: connectTo(server.url), signal },
      { closeWithinMs: 500 }
    )
    expect(result).toMatchObject({ status: 'degraded', conformance: true, value: 'open' })
    expect(result.message).toContain('the service answered the invalid UTF-8')
    expect(result.message).toContain('RFC 6455 8.1')
  })
})

describe.each([
  ['websocket-node', startWebsocketNodeServer],
  ['nodejs-websocket', startNodejsWebsocketServer]
])('%s, as documented, with its defaults', (_name, start) => {
  it('passes connection-lifecycle: its close reply and TCP close are graded clean', async () => {
    server = await start()
    const { result } = await runSuite('connection-lifecycle', server.url)
    expect(statuses(result)).toEqual({})
    expect(check(result, 'graceful-close')).toMatchObject({ status: 'passed', value: 1000 })
    expect(result.status).toBe('passed')
  }, 30_000)

  it('passes heartbeat-monitoring: its pongs echo the ping', async () => {
    server = await start()
    const { result } = await runSuite('heartbeat-monitoring', server.url)
    expect(check(result, 'ping-pong').status).toBe('passed')
    expect(result.checks.map((c) => c.id)).not.toContain('pong-payload')
    expect(result.status).not.toBe('failed')
  }, 30_000)
})
