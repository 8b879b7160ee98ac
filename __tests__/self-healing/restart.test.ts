import { describe, it, expect, afterEach } from '@jest/globals'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startService, type RunningService } from '../../src/engine/service.js'
import { runSuites } from '../../src/run/runner.js'
import { SUITES } from '../../src/suites/registry.js'
import { makeConfig } from '../fixtures/builders.js'
import { closedPort } from '../reconnect/servers.js'
import { check, statuses, wireClient } from '../suites/harness.js'

const FIXTURE = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  'fixtures',
  'service-fixture.mjs'
)

describe('self-healing with server_command', () => {
  let service: RunningService | undefined
  let logDir: string | undefined
  afterEach(async () => {
    await service?.stop()
    service = undefined
    if (logDir) rmSync(logDir, { recursive: true, force: true })
  })

  it('crashes and restarts the service and measures until every client is back', async () => {
    const port = await closedPort()
    const url = `ws://127.0.0.1:${port}/ws`
    logDir = mkdtempSync(join(tmpdir(), 'wsh-restart-'))
    service = await startService({
      command: `"${process.execPath}" "${FIXTURE}"`,
      url,
      readyTimeoutMs: 10_000,
      env: { ...process.env, PORT: String(port) },
      logDir,
      pollIntervalMs: 50
    })
    const config = makeConfig({
      url,
      suites: ['self-healing'],
      duration: 1,
      serverReadyTimeout: 10,
      selfHealing: { kills: 1, messages: 5 }
    })
    const { protocol, recorder, connect } = wireClient(url, config)
    const run = await runSuites({
      config,
      registry: SUITES,
      target: url,
      connect,
      canCarry: protocol.canCarry,
      recordReconnect: (ms) => recorder.recordReconnect(ms),
      service,
      timing: { durationMs: 300, suiteGraceMs: 20_000 }
    })
    const result = run.suites[0]!
    expect(statuses(result)).toEqual({
      'session-resume': 'skipped: service offers no resume token'
    })
    const restart = check(result, 'restart-recovery')
    expect(restart.message).toContain('3 of 3 clients back')
    expect(service.restarts).toBe(1)
    expect(result.metrics.restart).toMatchObject({ clients: 3, back: 3, stateKept: null })
    // 1 kill + 3 restarted clients fed the run's recorder.
    const metrics = recorder.toRunMetrics(1000)
    expect(metrics.reconnections).toBe(4)
    expect(metrics.recoveryTimeMs.max).toEqual(expect.any(Number))
  }, 30_000)
})
