/**
 * A service that goes down during a run, over real sockets: a real child
 * process that crashes on the protocol-violation probe (no 'error' listener,
 * as in many tutorials), and a service that stops mid-run. The report says
 * so once (WSH_ERR_SERVICE_DOWN) instead of a page of refused connections.
 */
import { afterEach, describe, expect, it } from '@jest/globals'
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { dirname, join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { connectWithin } from '../../src/engine/probes.js'
import { failedToMeasure } from '../../src/engine/checks.js'
import type { Check, SuiteId, SuiteResult } from '../../src/engine/model.js'
import { runHealthCheck } from '../../src/run/run.js'
import { serviceUnreachable } from '../../src/engine/verdict.js'
import { SUITES } from '../../src/suites/registry.js'
import type { Suite } from '../../src/engine/suite-types.js'
import { startReferenceServer, type ReferenceServer } from '../../src/server/reference-server.js'
import { makeConfig } from '../fixtures/builders.js'
import { answer } from '../fixtures/faulty-servers.js'
import { closedPortUrl, startWsServer, type TestServer } from '../fixtures/ws-server.js'

const FRAGILE = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  'fixtures',
  'fragile-service.mjs'
)
const SURVIVAL_MESSAGE =
  'the service stopped accepting connections after one client sent a text frame with invalid UTF-8: a single client can take it down'

let child: ChildProcess | undefined
let server: TestServer | undefined
let reference: ReferenceServer | undefined
afterEach(async () => {
  if (child && child.exitCode === null && child.signalCode === null) {
    child.kill('SIGKILL')
    await once(child, 'exit')
  }
  child = undefined
  await server?.close()
  server = undefined
  await reference?.close()
  reference = undefined
})

/** Starts the fragile service as a child process; resolves with its URL once it listens. */
async function startFragile(): Promise<{ url: string; exited: Promise<unknown> }> {
  const proc = spawn(process.execPath, [FRAGILE], { stdio: ['ignore', 'pipe', 'pipe'] })
  child = proc
  const exited = once(proc, 'exit')
  proc.stderr?.resume()
  const lines = createInterface({ input: proc.stdout! })
  for await (const line of lines) {
    const match = /^listening (\d+)$/.exec(line)
    if (match) return { url: `ws://127.0.0.1:${match[1]}/ws`, exited }
  }
  throw new Error('fragile service ended before listening')
}

function check(suite: SuiteResult | undefined, id: string): Check {
  const found = suite?.checks.find((candidate) => candidate.id === id)
  if (!found) throw new Error(`no check ${id} in ${suite?.id}`)
  return found
}

describe('protocol-violation probes run last', () => {
  it('reports a service one invalid frame takes down, after every other suite measured', async () => {
    const { url, exited } = await startFragile()
    const report = await runHealthCheck(
      makeConfig({
        url,
        duration: 1,
        suites: ['message-delivery', 'connection-lifecycle', 'latency-performance'],
        largePayloadBytes: 64 * 1024
      })
    )
    // The crash is real: the process ended.
    await exited
    expect(report.status).toBe('failed')
    // Every suite measured on a live service first, message-delivery included.
    expect(report.suites.find((suite) => suite.id === 'connection-lifecycle')?.status).toBe(
      'passed'
    )
    // Latency judged on a live service: a loaded machine may miss a limit, the crash may not show.
    const latency = report.suites.find((suite) => suite.id === 'latency-performance')
    expect(latency?.checks.length).toBeGreaterThan(0)
    const down = ['WSH_ERR_CONNECT', 'WSH_ERR_CONNECTION_LOST', 'WSH_ERR_SERVICE_DOWN']
    const cut = latency?.checks.filter(
      (c) => c.status === 'not-run' || (c.code !== undefined && down.includes(c.code))
    )
    expect(cut).toEqual([])
    const delivery = report.suites.find((suite) => suite.id === 'message-delivery')
    expect(check(delivery, 'delivery-rate').status).toBe('passed')
    expect(check(delivery, 'text-round-trip').status).toBe('passed')
    // The probe's checks come last in message-delivery.
    const ids = delivery?.checks.map((c) => c.id) ?? []
    expect(ids.slice(-2)).toEqual(['protocol-error-close', 'service-survives-protocol-errors'])
    expect(check(delivery, 'service-survives-protocol-errors')).toMatchObject({
      status: 'failed',
      code: 'WSH_ERR_SERVICE_DOWN',
      message: SURVIVAL_MESSAGE
    })
    expect(delivery?.status).toBe('failed')
    // No page of refused connections anywhere.
    const refused = report.suites
      .flatMap((s) => s.checks)
      .filter((c) => c.code === 'WSH_ERR_CONNECT')
    expect(refused).toEqual([])
  }, 60_000)

  it('passes a service that closes cleanly and keeps accepting connections', async () => {
    reference = await startReferenceServer()
    const report = await runHealthCheck(
      makeConfig({ url: reference.url, duration: 1, suites: ['message-delivery'] })
    )
    const delivery = report.suites[0]
    expect(check(delivery, 'protocol-error-close')).toMatchObject({ status: 'passed', value: 1007 })
    expect(check(delivery, 'service-survives-protocol-errors')).toMatchObject({
      status: 'passed',
      value: true
    })
    expect(report.status).toBe('passed')
  }, 60_000)

  it('skips the probe with the reason when protocol_violations is off', async () => {
    const { url } = await startFragile()
    const report = await runHealthCheck(
      makeConfig({
        url,
        duration: 1,
        suites: ['message-delivery'],
        largePayloadBytes: 64 * 1024,
        protocolViolations: false
      })
    )
    const delivery = report.suites[0]
    expect(check(delivery, 'protocol-error-close')).toMatchObject({
      status: 'skipped',
      message: 'protocol_violations is off'
    })
    expect(delivery?.checks.some((c) => c.id === 'service-survives-protocol-errors')).toBe(false)
    // Nothing took the fragile service down.
    expect(child?.exitCode).toBeNull()
    expect(report.status).toBe('passed')
  }, 60_000)
})

describe('a service that goes down mid-run', () => {
  it('makes the later suites not-run with one stated cause and fails the run', async () => {
    server = await startWsServer(() => answer)
    const live = server
    // Stands in for a crash during heartbeat-monitoring: the service stops, the suite fails to connect.
    const crashing: Suite = {
      id: 'heartbeat-monitoring',
      title: 'Heartbeat monitoring',
      durationWeight: 0,
      async run(ctx) {
        await live.close()
        try {
          const connection = await connectWithin(ctx.connect, {}, ctx.signal)
          connection.terminate()
          return { checks: [], metrics: {} }
        } catch (error) {
          return { checks: [failedToMeasure('ping-pong', 'pings answered', error)], metrics: {} }
        }
      }
    }
    const registry = new Map<SuiteId, Suite>(SUITES)
    registry.set('heartbeat-monitoring', crashing)
    const report = await runHealthCheck(
      makeConfig({
        url: server.url,
        duration: 1,
        suites: [
          'connection-lifecycle',
          'message-delivery',
          'heartbeat-monitoring',
          'concurrent-connections',
          'latency-performance'
        ],
        largePayloadBytes: 64 * 1024,
        // Not critical: going down fails the run anyway.
        testSuites: { 'heartbeat-monitoring': { critical: false } }
      }),
      { registry }
    )
    expect(report.status).toBe('failed')
    const byId = new Map(report.suites.map((suite) => [suite.id, suite]))
    expect(byId.get('connection-lifecycle')?.status).toBe('passed')
    const down = check(byId.get('heartbeat-monitoring'), 'service-accepts-connections')
    expect(down).toMatchObject({ status: 'failed', code: 'WSH_ERR_SERVICE_DOWN' })
    expect(down.message).toMatch(
      /^the service stopped accepting connections during heartbeat-monitoring: /
    )
    for (const id of ['concurrent-connections', 'latency-performance'] as const) {
      const suite = byId.get(id)
      expect(suite?.status).toBe('not-run')
      expect(suite?.checks).toHaveLength(1)
      expect(suite?.checks[0]).toMatchObject({
        status: 'not-run',
        message: `not run: ${down.message}`
      })
    }
    // message-delivery ran before: its protocol-violation probe is not-run, with the same cause.
    expect(check(byId.get('message-delivery'), 'protocol-error-close')).toMatchObject({
      status: 'not-run',
      message: `not run: ${down.message}`
    })
    expect(byId.get('message-delivery')?.status).toBe('passed')
  }, 60_000)
})

describe('a service that was never up', () => {
  it('stays reported as unreachable: the probe is not-run, nothing claims it went down', async () => {
    const report = await runHealthCheck(
      makeConfig({ url: await closedPortUrl(), duration: 1, suites: ['message-delivery'] })
    )
    expect(report.status).toBe('failed')
    const delivery = report.suites[0]
    expect(check(delivery, 'protocol-error-close')).toMatchObject({
      status: 'not-run',
      message: 'not run: the service was never reached in this run'
    })
    expect(delivery?.checks.some((c) => c.code === 'WSH_ERR_SERVICE_DOWN')).toBe(false)
    expect(delivery?.checks.find((c) => c.status === 'failed')?.code).toBe('WSH_ERR_CONNECT')
    expect(serviceUnreachable(report.suites)).toBe(true)
  }, 60_000)
})
