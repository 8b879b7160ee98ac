/**
 * Runs one suite against a URL through the real engine, connector, probe
 * protocol and recorder, with small time limits.
 */
import { createConnector, connectionOptionsFromConfig } from '../../src/client/connection.js'
import { createProbeProtocol, type ProbeProtocol } from '../../src/client/protocol.js'
import type { Config, ConfigInput } from '../../src/config/schema.js'
import type { Connect } from '../../src/client/types.js'
import type { SuiteId, SuiteResult } from '../../src/engine/model.js'
import { runSuites, type RunSuitesResult, type RunTiming } from '../../src/run/runner.js'
import { systemClock } from '../../src/metrics/clock.js'
import { createRunRecorder, type RunRecorder } from '../../src/metrics/run-recorder.js'
import { SUITES } from '../../src/suites/registry.js'
import { makeConfig } from '../fixtures/builders.js'

/** Sampling time per suite in tests (ms): long enough for tens of samples, short enough for a quick file. */
export const TEST_SAMPLING_MS = 600

export interface WiredClient {
  protocol: ProbeProtocol
  recorder: RunRecorder
  connect: Connect
}

/** The probe protocol, a fresh run recorder and a connector to `url`, as the action wires them from `config`. */
export function wireClient(url: string, config: Config): WiredClient {
  const protocol = createProbeProtocol(config)
  const recorder = createRunRecorder(systemClock)
  const connect = createConnector({
    url,
    clock: systemClock,
    protocol,
    recorder,
    ...connectionOptionsFromConfig(config)
  })
  return { protocol, recorder, connect }
}

export interface SuiteRun {
  result: SuiteResult
  recorder: RunRecorder
}

/** Runs suite `id` against `url` with config `overrides` and returns its result. */
export async function runSuite(
  id: SuiteId,
  url: string,
  overrides: ConfigInput = {},
  timing: Partial<RunTiming> = {}
): Promise<SuiteRun> {
  const config = makeConfig({
    url,
    suites: [id],
    duration: 1,
    largePayloadBytes: 1_100_000,
    ...overrides
  })
  const { protocol, recorder, connect } = wireClient(url, config)
  const run = await runSuites({
    config,
    registry: SUITES,
    target: url,
    connect,
    canCarry: protocol.canCarry,
    replyIntegrity: () => recorder.counters,
    clock: systemClock,
    timing: { durationMs: TEST_SAMPLING_MS, suiteGraceMs: 15_000, ...timing }
  })
  const result = run.suites[0]
  if (result === undefined) throw new Error(`suite ${id} produced no result`)
  return { result, recorder }
}

/** Runs the registered suites (or `overrides.suites`) against `url` in one run. */
export async function runAll(
  url: string,
  overrides: ConfigInput = {}
): Promise<{ runs: RunSuitesResult }> {
  const config = makeConfig({ url, suites: [...SUITES.keys()], duration: 1, ...overrides })
  const { protocol, recorder, connect } = wireClient(url, config)
  const runs = await runSuites({
    config,
    registry: SUITES,
    target: url,
    connect,
    canCarry: protocol.canCarry,
    replyIntegrity: () => recorder.counters,
    timing: { durationMs: TEST_SAMPLING_MS * 2, suiteGraceMs: 15_000 }
  })
  return { runs }
}

/** The check `id` of a result (throws when missing, so a renamed check fails the test). */
export function check(result: SuiteResult, id: string): SuiteResult['checks'][number] {
  const found = result.checks.find((c) => c.id === id)
  if (found === undefined) {
    throw new Error(`no check ${id} in ${result.id}: ${result.checks.map((c) => c.id).join(', ')}`)
  }
  return found
}

/** The checks that did not pass, as id -> "status: message" (empty when all passed), for readable failures. */
export function statuses(result: SuiteResult): Record<string, string> {
  return Object.fromEntries(
    result.checks
      .filter((c) => c.status !== 'passed')
      .map((c) => [c.id, `${c.status}: ${c.message}`])
  )
}
