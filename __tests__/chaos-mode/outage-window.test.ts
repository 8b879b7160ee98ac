/** chaos.outage: a configured outage window in chaos mode, on real sockets against the reference server. */
import { afterEach, describe, expect, it } from '@jest/globals'
import { runHealthCheck } from '../../src/run/run.js'
import { loadConfig } from '../../src/config/load.js'
import { isHealthError } from '../../src/errors.js'
import { buildStepSummary } from '../../src/report/step-summary.js'
import { renderConsole } from '../../src/report/console.js'
import { chaosLine } from '../../src/report/run-conditions.js'
import { startReferenceServer, type ReferenceServer } from '../../src/server/reference-server.js'
import { makeConfig } from '../fixtures/builders.js'
import { makeProject } from '../config/test-helpers.js'
import { makeReport } from '../fixtures/reports.js'

let server: ReferenceServer | undefined
const cleanups: Array<() => void> = []
afterEach(async () => {
  await server?.close()
  server = undefined
  while (cleanups.length > 0) cleanups.pop()?.()
})

/** Every per-message fault off, so the outage is the only thing the relay injects. */
const NO_MESSAGE_FAULTS = {
  randomDisconnect: { probability: 0 },
  networkDelay: { probability: 0 },
  messageLoss: { probability: 0 },
  slowResponse: { probability: 0 }
}

function configError(json: unknown): string {
  const { dir, cleanup } = makeProject({
    '.github/websocket-test-config.json': JSON.stringify(json)
  })
  cleanups.push(cleanup)
  try {
    loadConfig({ env: {}, cwd: dir })
  } catch (error) {
    expect(isHealthError(error) && error.code).toBe('WSH_ERR_CONFIG')
    return String((error as Error).message)
  }
  throw new Error('expected a config error')
}

describe('chaos mode outage window', () => {
  it('opens the configured window once during the suites and reports it with the flow stats', async () => {
    server = await startReferenceServer()
    const report = await runHealthCheck(
      makeConfig({
        url: server.url,
        // concurrent-connections holds its connections for its whole sampling budget (~2 s),
        // so the window (200-700 ms) falls inside it whatever the machine's speed.
        duration: 2,
        suites: ['concurrent-connections'],
        chaosMode: true,
        chaosSeed: 7,
        chaos: { ...NO_MESSAGE_FAULTS, outage: { startMs: 200, durationMs: 500 } }
      })
    )
    expect(report.chaos).toMatchObject({
      seed: 7,
      injected: { disconnects: 0, delays: 0, losses: 0, slowResponses: 0, outages: 1 },
      outage: { startMs: 200, durationMs: 500 },
      flow: { overflows: 0 }
    })
    // The suite running then really lost its connections to the outage: the ones it held
    // dropped, or, on a machine slow enough that it was still opening them, they were refused.
    const checks = report.suites.flatMap((suite) => suite.checks)
    const statusOf = (id: string) => checks.find((check) => check.id === id)?.status
    expect([statusOf('no-drops'), statusOf('all-opened')]).toContain('failed')
    const outage = report.chaos?.outage as { startedAfterMs: number | null }
    expect(typeof outage.startedAfterMs).toBe('number')
    const flow = report.chaos?.flow as { peakQueuedBytes: number; pauses: number }
    expect(typeof flow.peakQueuedBytes).toBe('number')
    expect(typeof flow.pauses).toBe('number')
    const line = 'outage window 500 ms from 200 ms after the suites started'
    expect(buildStepSummary(report)).toContain(line)
    expect(renderConsole(report, { color: false })).toContain(`1 outages; ${line}`)
  }, 30_000)

  it('injects no outage when chaos.outage is not configured', async () => {
    server = await startReferenceServer()
    const report = await runHealthCheck(
      makeConfig({
        url: server.url,
        duration: 1,
        suites: ['connection-lifecycle'],
        chaosMode: true,
        chaosSeed: 7,
        chaos: NO_MESSAGE_FAULTS
      })
    )
    expect(report.chaos).toMatchObject({ injected: { outages: 0 }, flow: { overflows: 0 } })
    expect(report.chaos?.outage).toBeUndefined()
    expect(buildStepSummary(report)).not.toContain('outage window')
  }, 30_000)

  it('says so when the run ended before the window opened (and leaves no timer behind)', async () => {
    server = await startReferenceServer()
    const report = await runHealthCheck(
      makeConfig({
        url: server.url,
        duration: 1,
        suites: ['connection-lifecycle'],
        chaosMode: true,
        chaosSeed: 7,
        // An hour: a timer left running would keep jest from exiting (--detectOpenHandles shows it).
        chaos: { ...NO_MESSAGE_FAULTS, outage: { startMs: 3_600_000, durationMs: 500 } }
      })
    )
    expect(report.chaos).toMatchObject({
      injected: { outages: 0 },
      outage: { startMs: 3_600_000, durationMs: 500, startedAfterMs: null }
    })
    expect(buildStepSummary(report)).toContain(
      'outage window 500 ms from 3600 s after the suites started (not reached)'
    )
  }, 30_000)

  it('names relay buffer overflows in the chaos line only when there were some', () => {
    const chaos = {
      seed: 1,
      injected: { disconnects: 0, delays: 0, losses: 0, slowResponses: 0, outages: 0 },
      flow: { peakQueuedBytes: 70_000_000, pauses: 3, overflows: 2 }
    }
    expect(chaosLine(makeReport({ chaos }))).toContain(
      '0 outages; 2 relay buffer overflow(s) (closed with 1009)'
    )
    const calm = { ...chaos, flow: { peakQueuedBytes: 10, pauses: 0, overflows: 0 } }
    expect(chaosLine(makeReport({ chaos: calm }))).not.toContain('overflow')
  })

  it('reads chaos.outage from the config file, start_ms defaulting to 0', () => {
    const { dir, cleanup } = makeProject({
      '.github/websocket-test-config.json': JSON.stringify({
        chaos: { outage: { duration_ms: 750 } }
      })
    })
    cleanups.push(cleanup)
    expect(loadConfig({ env: {}, cwd: dir }).chaos.outage).toEqual({
      startMs: 0,
      durationMs: 750
    })
  })

  it.each([
    [{ start_ms: -1, duration_ms: 500 }, 'chaos.outage.start_ms: expected an integer >= 0, got -1'],
    [
      { start_ms: 200, duration_ms: 0 },
      'chaos.outage.duration_ms: expected an integer >= 1, got 0'
    ],
    [{ duration_ms: 60_001 }, 'chaos.outage.duration_ms: expected an integer <= 60000, got 60001'],
    [{ start_ms: 200 }, 'chaos.outage.duration_ms: expected an integer >= 1, got nothing'],
    [{ start: 200, duration_ms: 500 }, 'chaos.outage.start: unknown key']
  ])('rejects chaos.outage %j, naming the key', (outage, message) => {
    expect(configError({ chaos: { outage } })).toContain(message)
  })
})
