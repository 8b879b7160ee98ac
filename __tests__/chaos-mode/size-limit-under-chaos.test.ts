/**
 * Under chaos mode a service with a 1 MiB message cap still gets its limit
 * measured and passed: the 1009 close is passed through the relay as the
 * service's answer (the lane does not reconnect to resend the refused
 * message), and the size tries survive the injected faults.
 */
import { afterEach, describe, expect, it } from '@jest/globals'
import { runHealthCheck } from '../../src/run/run.js'
import { startReferenceServer, type ReferenceServer } from '../../src/server/reference-server.js'
import { makeConfig } from '../fixtures/builders.js'

const MIB = 1024 * 1024
let server: ReferenceServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

describe('message-delivery under the default chaos faults against a 1 MiB cap', () => {
  it('seed 1: reports the limit, passes the large check, fails nothing', async () => {
    server = await startReferenceServer({ maxPayload: MIB })
    const report = await runHealthCheck(
      makeConfig({
        url: server.url,
        duration: 5,
        suites: ['message-delivery'],
        chaosMode: true,
        chaosSeed: 1
      })
    )
    const suite = report.suites.find((s) => s.id === 'message-delivery')
    const failed = suite?.checks
      .filter((c) => c.status === 'failed')
      .map((c) => `${c.id}: ${c.message}`)
    expect(failed).toEqual([])
    expect(suite?.checks.find((c) => c.id === 'large-round-trip')).toMatchObject({
      status: 'passed',
      value: MIB,
      unit: 'bytes'
    })
  }, 40_000)
})
