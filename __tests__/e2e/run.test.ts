/** runHealthCheck, the one orchestrator behind the action and the CLI, on real sockets. */
import { afterEach, describe, expect, it } from '@jest/globals'
import { runHealthCheck, type RunProgress } from '../../src/run/run.js'
import { isHealthError } from '../../src/errors.js'
import { startReferenceServer, type ReferenceServer } from '../../src/server/reference-server.js'
import { makeConfig } from '../fixtures/builders.js'
import { closedPortUrl } from '../fixtures/ws-server.js'

let server: ReferenceServer | undefined

afterEach(async () => {
  await server?.close()
  server = undefined
})

describe('runHealthCheck', () => {
  it('refuses a config without a url (no mock mode)', async () => {
    const error = await runHealthCheck(makeConfig({})).catch((caught: unknown) => caught)
    expect(isHealthError(error) && error.code).toBe('WSH_ERR_CONFIG')
    expect(String((error as Error).message)).toContain('url is required')
  })

  it('assembles a report from what the suites measured, with the config redacted', async () => {
    server = await startReferenceServer()
    const progress: RunProgress[] = []
    const report = await runHealthCheck(
      makeConfig({
        url: server.url,
        duration: 1,
        suites: ['connection-lifecycle', 'message-delivery'],
        headers: { Authorization: 'Bearer secret-value' }
      }),
      { onProgress: (update) => progress.push(update) }
    )
    expect(report.schemaVersion).toBe(1)
    expect(report.status).toBe('passed')
    expect(report.target).toBe(server.url)
    expect(new Date(report.startedAt).toISOString()).toBe(report.startedAt)
    expect(report.durationMs).toBeGreaterThan(0)
    expect(report.suites.map((suite) => suite.id)).toEqual([
      'connection-lifecycle',
      'message-delivery'
    ])
    expect(report.metrics.messagesSent).toBeGreaterThan(0)
    // No latency-performance: the headline says so instead of showing another suite's samples.
    expect(report.metrics.latencyMs.count).toBe(0)
    expect(report.metrics.headline).toMatchObject({ measured: false })
    const delivery = report.suites.find((suite) => suite.id === 'message-delivery')
    expect(delivery?.metrics.probeLatencyMs).toMatchObject({ count: expect.any(Number) })
    expect((delivery?.metrics.probeLatencyMs as { count: number }).count).toBeGreaterThan(0)
    expect(report.healthScore).toBeGreaterThan(0)
    expect(JSON.stringify(report.config)).not.toContain('secret-value')
    expect(progress[0]).toMatchObject({ suite: 'connection-lifecycle', index: 1, count: 2 })
    expect(
      progress.some((update) => update.suite === 'message-delivery' && update.index === 2)
    ).toBe(true)
  })

  it('keeps credentials in the URL out of the report', async () => {
    server = await startReferenceServer()
    const url = `ws://user:hunter2@127.0.0.1:${server.port}/ws?token=abc123secret`
    const report = await runHealthCheck(
      makeConfig({ url, duration: 1, suites: ['connection-lifecycle'] })
    )
    const json = JSON.stringify(report)
    expect(json).not.toContain('hunter2')
    expect(json).not.toContain('abc123secret')
    expect(report.target).toContain(`127.0.0.1:${server.port}/ws`)
  })

  it('turns an unreachable service into a failed report with the reason', async () => {
    const report = await runHealthCheck(
      makeConfig({ url: await closedPortUrl(), duration: 1, suites: ['connection-lifecycle'] })
    )
    expect(report.status).toBe('failed')
    expect(report.metrics.latencyMs.avg).toBeNull()
    const failed = report.suites[0]?.checks.find((check) => check.status === 'failed')
    expect(failed?.code).toBe('WSH_ERR_CONNECT')
    expect(failed?.message).toMatch(/ECONNREFUSED/)
  })
})
