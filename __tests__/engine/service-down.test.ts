/**
 * Whether the service is still up after a failed suite: the probe over real
 * sockets, and the runner asking it only when the run had connected, and
 * only calling the service down when it still refuses (a restart in
 * progress, as self-healing does on purpose, is not down).
 */
import { afterEach, describe, expect, it } from '@jest/globals'
import type { ClientSocket, OpenSocket } from '../../src/client/socket-opener.js'
import type { Connect } from '../../src/client/types.js'
import type { SuiteId } from '../../src/engine/model.js'
import { runSuites } from '../../src/run/runner.js'
import { createServiceProbe, type ServiceProbe } from '../../src/engine/service-down.js'
import { HealthError } from '../../src/errors.js'
import { systemClock } from '../../src/metrics/clock.js'
import type { Suite } from '../../src/engine/suite-types.js'
import { makeCheck, makeConfig } from '../fixtures/builders.js'
import { answer } from '../fixtures/faulty-servers.js'
import { closedPortUrl, startWsServer, type TestServer } from '../fixtures/ws-server.js'

let server: TestServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

const config = makeConfig({ url: 'ws://127.0.0.1:1/ws', handshakeTimeoutMs: 2_000 })

describe('createServiceProbe', () => {
  it('finds a live service up and a closed port down with the refusal', async () => {
    server = await startWsServer(() => answer)
    const up = createServiceProbe({ url: server.url, config, clock: systemClock })
    expect(await up()).toEqual({ up: true })
    const down = createServiceProbe({
      url: await closedPortUrl(),
      config,
      clock: systemClock,
      windowMs: 600
    })
    const answered = await down()
    expect(answered.up).toBe(false)
    expect(!answered.up && (answered.error as HealthError).code).toBe('WSH_ERR_CONNECT')
  })

  it('retries within its window, so a service that is restarting is up', async () => {
    let tries = 0
    const open: OpenSocket = async () => {
      tries++
      if (tries < 3) throw new HealthError('WSH_ERR_CONNECT', 'connect ECONNREFUSED (restarting)')
      return { terminate: () => undefined } as unknown as ClientSocket
    }
    const probe = createServiceProbe({
      url: 'ws://127.0.0.1:1/ws',
      config,
      clock: systemClock,
      openSocket: open
    })
    expect(await probe()).toEqual({ up: true })
    expect(tries).toBe(3)
  })
})

const connect: Connect = () => Promise.reject(new Error('fake suites never connect'))
const FAST = {
  durationMs: 100,
  suiteGraceMs: 100,
  runSlackMs: 20_000,
  reportReserveMs: 0,
  abortGraceMs: 50
}

function suite(id: SuiteId, status: 'passed' | 'failed'): Suite {
  return {
    id,
    title: id,
    durationWeight: 1,
    run: async () => ({ checks: [makeCheck({ status })], metrics: {} })
  }
}

function runWith(serviceUp: ServiceProbe, everConnected: () => boolean) {
  const suites = [
    suite('connection-lifecycle', 'passed'),
    suite('self-healing', 'failed'),
    suite('latency-performance', 'passed')
  ]
  return runSuites({
    config: makeConfig({ suites: suites.map((s) => s.id) }),
    registry: new Map(suites.map((s) => [s.id, s])),
    target: 'ws://127.0.0.1:1/ws',
    connect,
    canCarry: () => true,
    timing: FAST,
    serviceUp,
    everConnected
  })
}

describe('runSuites and a service that may have gone down', () => {
  it('asks after a failed suite and, when the service is up, carries on', async () => {
    server = await startWsServer(() => answer)
    let asked = 0
    const real = createServiceProbe({ url: server.url, config, clock: systemClock })
    const result = await runWith(
      async (signal) => {
        asked++
        return real(signal)
      },
      () => true
    )
    expect(asked).toBe(1)
    expect(result.serviceDown).toBeUndefined()
    expect(result.suites.map((s) => s.status)).toEqual(['passed', 'failed', 'passed'])
    expect(result.suites[1]?.checks.some((c) => c.code === 'WSH_ERR_SERVICE_DOWN')).toBe(false)
  })

  it('does not ask when the run never connected (an unreachable service is reported as such)', async () => {
    let asked = 0
    const result = await runWith(
      async () => {
        asked++
        return { up: false, error: new Error('refused') }
      },
      () => false
    )
    expect(asked).toBe(0)
    expect(result.serviceDown).toBeUndefined()
    expect(result.suites[2]?.status).toBe('passed')
  })

  it('marks the suite where it went down and makes the later ones not-run', async () => {
    const closed = createServiceProbe({
      url: await closedPortUrl(),
      config,
      clock: systemClock,
      windowMs: 300
    })
    const result = await runWith(closed, () => true)
    expect(result.status).toBe('failed')
    expect(result.serviceDown?.during).toBe('self-healing')
    expect(result.suites[1]?.checks.at(-1)).toMatchObject({
      id: 'service-accepts-connections',
      code: 'WSH_ERR_SERVICE_DOWN'
    })
    expect(result.suites[2]).toMatchObject({ status: 'not-run', checks: [{ status: 'not-run' }] })
  })
})
