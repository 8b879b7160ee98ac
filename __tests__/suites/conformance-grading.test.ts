/**
 * Suites grade what the service can be blamed for (RFC 6455 MUST vs SHOULD)
 * against fixtures that are healthy but not pedantic: each asserts the
 * verdict and the reason.
 */
import { afterEach, describe, expect, it } from '@jest/globals'
import { startNoStatusCloseServer } from '../fixtures/conformance-servers.js'
import type { TestServer } from '../fixtures/faulty-servers.js'
import { gracefulCloseCheck } from '../../src/suites/connection-lifecycle.js'
import { check, runSuite, statuses } from './harness.js'

let server: TestServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

describe('graceful close', () => {
  it('passes a close reply with no status code (1005) as a clean close', async () => {
    server = await startNoStatusCloseServer()
    const { result } = await runSuite('connection-lifecycle', server.url)
    const close = check(result, 'graceful-close')
    expect(close).toMatchObject({ status: 'passed', value: 1005 })
    expect(close.message).toContain(
      'close reply without a status code (1005), a clean close (RFC 6455 7.1.5)'
    )
    expect(statuses(result)).toEqual({})
    expect(result.status).toBe('passed')
  }, 20_000)
})

describe('gracefulCloseCheck tags a close that finished in time by what went wrong', () => {
  const info = { reason: '', initiatedBy: 'client' as const, serverClosedTcp: true }
  it('a wrong code is a protocol error, not a close timeout', () => {
    expect(gracefulCloseCheck({ ...info, code: 1011, wasClean: true })).toMatchObject({
      status: 'failed',
      code: 'WSH_ERR_PROTOCOL'
    })
  })
  it('a dropped TCP connection is a lost connection, not a close timeout', () => {
    expect(gracefulCloseCheck({ ...info, code: 1006, wasClean: false })).toMatchObject({
      status: 'failed',
      code: 'WSH_ERR_CONNECTION_LOST'
    })
  })
})
