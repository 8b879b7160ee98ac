/** The concurrent-connections suite at this process's descriptor limit: our limit, not the service's failure. */
import { describe, it, expect, afterEach } from '@jest/globals'
import { createConnector, connectionOptionsFromConfig } from '../../src/client/connection.js'
import { createProbeProtocol } from '../../src/client/protocol.js'
import type { Connect } from '../../src/client/types.js'
import type { ConfigInput } from '../../src/config/schema.js'
import type { FdLimit } from '../../src/engine/fd-limit.js'
import type { SuiteResult } from '../../src/engine/model.js'
import { runSuites } from '../../src/run/runner.js'
import { HealthError } from '../../src/errors.js'
import { systemClock } from '../../src/metrics/clock.js'
import { startReferenceServer } from '../../src/server/reference-server.js'
import {
  createConcurrentConnectionsSuite,
  type ConcurrentSuiteOptions
} from '../../src/suites/concurrent-connections.js'
import { makeConfig } from '../fixtures/builders.js'
import { check } from '../suites/harness.js'

const closers: (() => Promise<void>)[] = []
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()))
})

/** Runs the suite built with `options` against `url`; `wrap` may replace the connector. */
async function runWith(
  url: string,
  overrides: ConfigInput,
  options: ConcurrentSuiteOptions,
  wrap: (connect: Connect) => Connect = (connect) => connect
): Promise<SuiteResult> {
  const config = makeConfig({ url, suites: ['concurrent-connections'], duration: 1, ...overrides })
  const protocol = createProbeProtocol(config)
  const connect = createConnector({
    url,
    clock: systemClock,
    protocol,
    ...connectionOptionsFromConfig(config)
  })
  const suite = createConcurrentConnectionsSuite(options)
  const run = await runSuites({
    config,
    registry: new Map([[suite.id, suite]]),
    target: url,
    connect: wrap(connect),
    canCarry: protocol.canCarry,
    clock: systemClock,
    timing: { durationMs: 600, suiteGraceMs: 15_000 }
  })
  const result = run.suites[0]
  if (result === undefined) throw new Error('no suite result')
  return result
}

// 80 descriptors: 80 - 64 - 8 headroom = 8 connections.
const SMALL_LIMIT: FdLimit = { soft: 80, inUse: 0, source: 'proc' }

describe('concurrent-connections at the descriptor limit', () => {
  it('judges all-opened against the connections the limit allows and skips it naming both numbers', async () => {
    const server = await startReferenceServer()
    closers.push(() => server.close())
    const result = await runWith(
      server.url,
      { connectionCount: 20, openRatePerSec: 1000 },
      { readFdLimit: () => SMALL_LIMIT }
    )
    const opened = check(result, 'all-opened')
    expect(opened.status).toBe('skipped')
    expect(opened.value).toBe(8)
    expect(opened.message).toContain('stopped at 8 of connection_count 20 connections')
    expect(opened.message).toContain('file-descriptor limit')
    expect(check(result, 'all-served').value).toBe(8)
    expect(result.metrics.connections).toMatchObject({
      target: 20,
      opened: 8,
      attempted: 8,
      fdExhausted: true
    })
    // A connection the loaded machine dropped is reopened into its own slot, never a ninth.
    const { reconnections } = result.metrics.connections as { reconnections: number }
    expect(server.stats.connections).toBe(8 + reconnections)
    expect(result.status).not.toBe('failed')
  }, 20_000)

  it('still fails all-opened when the service refuses within the planned connections', async () => {
    const server = await startReferenceServer()
    closers.push(() => server.close())
    let calls = 0
    const result = await runWith(
      server.url,
      { connectionCount: 20, openRatePerSec: 1000 },
      { readFdLimit: () => SMALL_LIMIT },
      (connect) => async (options) => {
        if (++calls > 5) throw new HealthError('WSH_ERR_CONNECT', 'HTTP 503 from the service')
        return connect(options)
      }
    )
    const opened = check(result, 'all-opened')
    expect(opened.status).toBe('failed')
    expect(opened.value).toBe(5)
    expect(opened.threshold).toEqual({ op: '>=', value: 8 })
    expect(opened.message).toContain('service refused connections after 5 opened')
  }, 20_000)

  it('treats EMFILE while opening as our limit, not as the service refusing', async () => {
    const server = await startReferenceServer()
    closers.push(() => server.close())
    let calls = 0
    const result = await runWith(
      server.url,
      { connectionCount: 12, openRatePerSec: 1000 },
      {},
      (connect) => async (options) => {
        if (++calls > 6) {
          const cause = Object.assign(new Error('socket: too many open files'), { code: 'EMFILE' })
          throw new HealthError('WSH_ERR_CONNECT', 'cannot connect: EMFILE', { cause })
        }
        return connect(options)
      }
    )
    const opened = check(result, 'all-opened')
    expect(opened.status).toBe('skipped')
    expect(opened.value).toBe(6)
    expect(opened.message).toContain('stopped at 6 of connection_count 12 connections')
    expect(result.metrics.connections).toMatchObject({ openFailures: 0, fdExhausted: true })
    expect((result.metrics.connections as { fdFailures: number }).fdFailures).toBeGreaterThan(0)
  }, 20_000)
})
