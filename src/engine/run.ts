/**
 * The single orchestrator behind the action and the CLI: config -> probe
 * protocol, recorder and connector -> runSuites -> RunReport. It never
 * invents a result: with no service given it refuses to start, and an
 * unreachable service yields a failed report carrying the reason.
 */
import { createConnector, connectionOptionsFromConfig } from '../client/connection.js'
import { createProbeProtocol } from '../client/protocol.js'
import type { Config } from '../config/schema.js'
import { redactConfig, redactUrl } from '../config/redact.js'
import { HealthError } from '../errors.js'
import { systemClock, type Clock } from '../metrics/clock.js'
import { healthScore } from '../metrics/health-score.js'
import { createRunRecorder } from '../metrics/run-recorder.js'
import { SUITES } from '../suites/registry.js'
import type { Suite } from '../suites/types.js'
import type { RunReport, SuiteId, SuiteResult } from './model.js'
import { runSuites, selectedSuiteIds, type RunTiming } from './runner.js'

/** Where a run is, for a progress line; nothing else depends on it. */
export interface RunProgress {
  suite: SuiteId
  /** 1-based position of the suite among the selected ones. */
  index: number
  count: number
  /** Steps done of `total` within the suite (0 of 1 when it starts). */
  done: number
  total: number
  note?: string
}

export interface RunDeps {
  /** Monotonic clock for every duration (default: the system clock). */
  clock?: Clock
  onProgress?(progress: RunProgress): void
  /** Called as each suite finishes. */
  onSuiteEnd?(result: SuiteResult): void
  /** Aborts the run (SIGINT); suites are cut and report what they measured. */
  signal?: AbortSignal
  /** Suites by id (default: src/suites/registry.ts). */
  registry?: ReadonlyMap<SuiteId, Suite>
  /** Time-limit overrides for tests (ms). */
  timing?: Partial<RunTiming>
}

/**
 * Runs the configured suites against `config.url` and returns the report.
 * Resolves within `duration` + 60 s; rejects only for a configuration it
 * cannot run (HealthError WSH_ERR_CONFIG).
 */
export async function runHealthCheck(config: Config, deps: RunDeps = {}): Promise<RunReport> {
  const url = config.url
  if (url === undefined) {
    throw new HealthError(
      'WSH_ERR_CONFIG',
      'url is required: pass --url / input url (discovery comes later)'
    )
  }
  const clock = deps.clock ?? systemClock
  // Wall-clock time only labels the report; every duration comes from `clock`.
  const startedAt = new Date().toISOString()
  const startMs = clock.nowMs()

  const protocol = createProbeProtocol(config)
  const recorder = createRunRecorder(clock)
  const connect = createConnector({
    url,
    clock,
    protocol,
    recorder,
    ...connectionOptionsFromConfig(config)
  })

  const ids = selectedSuiteIds(config)
  const indexOf = (id: SuiteId): number => ids.indexOf(id) + 1
  const onProgress = deps.onProgress
  const result = await runSuites({
    config,
    registry: deps.registry ?? SUITES,
    target: url,
    connect,
    canCarry: protocol.canCarry,
    clock,
    // Reconnecting clients (self-healing) report their recoveries into the run's metrics.
    recordReconnect: (recoveryMs) => recorder.recordReconnect(recoveryMs),
    signal: deps.signal,
    timing: deps.timing,
    onSuiteStart: onProgress
      ? (suite) =>
          onProgress({
            suite: suite.id,
            index: indexOf(suite.id),
            count: ids.length,
            done: 0,
            total: 1
          })
      : undefined,
    onProgress: onProgress
      ? (id, done, total, note) =>
          onProgress({ suite: id, index: indexOf(id), count: ids.length, done, total, note })
      : undefined,
    onSuiteEnd: deps.onSuiteEnd
  })

  const metrics = recorder.toRunMetrics(result.durationMs)
  return {
    schemaVersion: 1,
    status: result.status,
    healthScore: healthScore({
      successRate: metrics.successRate,
      avgLatencyMs: metrics.latencyMs.avg,
      reconnections: metrics.reconnections,
      errors: metrics.errors
    }),
    // Credentials in the URL (userinfo, token query parameters) never reach a report.
    target: redactUrl(url),
    startedAt,
    durationMs: clock.nowMs() - startMs,
    config: redactConfig(config),
    suites: result.suites,
    metrics
  }
}
