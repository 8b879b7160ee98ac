/** runHealthCheck with chaos_mode and server_command, on real sockets and a real child process. */
import { afterEach, describe, expect, it } from '@jest/globals'
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { openWsSocket } from '../../src/client/socket-opener.js'
import { runHealthCheck } from '../../src/run/run.js'
import { buildStepSummary } from '../../src/report/step-summary.js'
import { renderConsole } from '../../src/report/console.js'
import { startReferenceServer, type ReferenceServer } from '../../src/server/reference-server.js'
import { makeConfig } from '../fixtures/builders.js'
import { closedPort } from '../reconnect/servers.js'

const FIXTURE = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  'fixtures',
  'service-fixture.mjs'
)
const node = `"${process.execPath}"`

let server: ReferenceServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

/** Only small delays: the message sequence stays the same from run to run, so the decisions must too. */
const DELAYS_ONLY = {
  randomDisconnect: { probability: 0 },
  messageLoss: { probability: 0 },
  slowResponse: { probability: 0 },
  networkDelay: { probability: 0.5, minMs: 1, maxMs: 3 }
}

describe('chaos mode', () => {
  it('runs the suites through the relay and reports the seed and the same injected faults for the same seed', async () => {
    server = await startReferenceServer()
    const config = makeConfig({
      url: server.url,
      duration: 1,
      suites: ['connection-lifecycle'],
      chaosMode: true,
      chaosSeed: 42,
      chaos: DELAYS_ONLY
    })
    const first = await runHealthCheck(config)
    const second = await runHealthCheck(config)
    expect(first.chaos).toMatchObject({
      seed: 42,
      injected: { disconnects: 0, losses: 0, slowResponses: 0, outages: 0 },
      faults: { networkDelay: { probability: 0.5, minMs: 1, maxMs: 3 } }
    })
    const injected = first.chaos?.injected as { delays: number }
    expect(injected.delays).toBeGreaterThan(0)
    expect(second.chaos?.injected).toEqual(first.chaos?.injected)
    // The suites really went through the relay: the service saw connections from it.
    expect((first.chaos?.connections as { accepted: number }).accepted).toBeGreaterThan(0)
    expect(first.target).toBe(server.url)
    const summary = buildStepSummary(first)
    expect(summary).toContain('Chaos: on, seed 42')
    expect(renderConsole(first, { color: false })).toContain(
      `injected 0 disconnects, ${injected.delays} delays`
    )
  }, 30_000)

  it('reports no chaos block when chaos mode is off', async () => {
    server = await startReferenceServer()
    const report = await runHealthCheck(
      makeConfig({ url: server.url, duration: 1, suites: ['connection-lifecycle'] })
    )
    expect(report.chaos).toBeUndefined()
    expect(buildStepSummary(report)).not.toContain('Chaos:')
  })

  it('turns a fault combination the relay rejects into a config error naming it', async () => {
    server = await startReferenceServer()
    // ConfigSchema rejects this at load time (__tests__/config/cross-field-hints.test.ts);
    // a Config built in code bypasses that, so the relay's own guard still applies.
    const config = makeConfig({
      url: server.url,
      suites: ['connection-lifecycle'],
      chaosMode: true
    })
    config.chaos.networkDelay = { ...config.chaos.networkDelay, minMs: 600, maxMs: 50 }
    const error = await runHealthCheck(config).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'WSH_ERR_CONFIG' })
    expect(String((error as Error).message)).toContain('networkDelay.maxMs: got 50')
  })
})

describe('self-healing figures in the run report', () => {
  it('feeds reconnections and recovery times into report.metrics without lowering the score for forced ones', async () => {
    server = await startReferenceServer({ resume: true })
    const report = await runHealthCheck(
      makeConfig({
        url: server.url,
        duration: 1,
        suites: ['self-healing', 'connection-lifecycle'],
        selfHealing: { initialDelayMs: 20, maxDelayMs: 400, breakerResetMs: 100 }
      })
    )
    expect(report.status).toBe('passed')
    expect(report.metrics.reconnections).toBeGreaterThanOrEqual(3)
    expect(report.metrics.recoveryTimeMs.avg).toEqual(expect.any(Number))
    expect(report.metrics.recoveryTimeMs.max).toBeGreaterThanOrEqual(
      report.metrics.recoveryTimeMs.avg ?? 0
    )
    expect(report.suites[0]?.metrics.forcedReconnections).toBe(3)
    expect(report.healthScore).toBe(100)
    expect(renderConsole(report, { color: false })).toContain('Recovery Time: avg')
  }, 30_000)
})

describe('server_command', () => {
  it('starts the service, runs against it, stops it and links its log', async () => {
    const port = await closedPort()
    const url = `ws://127.0.0.1:${port}/ws`
    process.env.WSH_FIXTURE_PORT = String(port)
    try {
      const report = await runHealthCheck(
        makeConfig({
          url,
          duration: 1,
          suites: ['connection-lifecycle'],
          serverCommand: `PORT=$WSH_FIXTURE_PORT ${node} "${FIXTURE}"`
        })
      )
      expect(report.status).toBe('passed')
      const logPath = report.service?.logPath as string
      expect(existsSync(logPath)).toBe(true)
      expect(readFileSync(logPath, 'utf8')).toContain(`listening on ${port}`)
      expect(buildStepSummary(report)).toContain(`log: ${logPath}`)
      const after = await openWsSocket(url, {
        headers: {},
        subprotocols: [],
        handshakeTimeoutMs: 1000
      }).then(
        (socket) => {
          socket.terminate()
          return 'still running'
        },
        () => 'stopped'
      )
      expect(after).toBe('stopped')
    } finally {
      delete process.env.WSH_FIXTURE_PORT
    }
  }, 30_000)

  it('fails the run with WSH_ERR_SERVER_START and the last output when the service never gets ready', async () => {
    const port = await closedPort()
    const report = await runHealthCheck(
      makeConfig({
        url: `ws://127.0.0.1:${port}/ws`,
        suites: ['connection-lifecycle', 'self-healing'],
        serverCommand: `${node} -e 'console.log("still booting"); setInterval(() => {}, 1000)'`,
        // Long enough for a node child to start and print on a loaded machine.
        serverReadyTimeout: 3
      })
    )
    expect(report.status).toBe('failed')
    expect(report.suites.map((s) => [s.id, s.status])).toEqual([
      ['connection-lifecycle', 'failed'],
      ['self-healing', 'failed']
    ])
    const check = report.suites[0]?.checks[0]
    expect(check?.code).toBe('WSH_ERR_SERVER_START')
    expect(check?.message).toContain('within 3 s (server_ready_timeout)')
    expect(check?.message).toContain('still booting')
  }, 30_000)
})
