/**
 * The CI log's lines: progress text with the figures so far, groups that
 * always close, a suite that ends without reporting progress, and the
 * interval check. Real runs are in __tests__/e2e/cli-log.test.ts.
 */
import { afterEach, describe, expect, it } from '@jest/globals'
import { ciProgressText, createCiLog, type CiLog } from '../../src/report/ci-log.js'
import { systemClock } from '../../src/metrics/clock.js'
import { makeReportCheck, makeSuiteResult } from '../fixtures/reports.js'

const FIGURES = () => ({ probes: 1234, p95LatencyMs: 3.21, errors: 2 })
/** Long enough that no progress line fires while a test runs. */
const NEVER_MS = 3_600_000
let log: CiLog | undefined

afterEach(() => {
  log?.stop()
  log = undefined
})

describe('CI log', () => {
  it('formats elapsed/planned time, the suite step and the figures so far', () => {
    const progress = {
      suite: 'latency-performance',
      index: 6,
      count: 6,
      done: 3,
      total: 10,
      note: 'latency probes',
      figures: FIGURES
    }
    expect(ciProgressText(progress, 20_000, 60_000)).toBe(
      '⏱ 20 s/60 s · [6/6] latency-performance 3/10 latency probes · probes 1234 · p95 3.21 ms · errors 2'
    )
    expect(
      ciProgressText(
        { ...progress, figures: () => ({ probes: 0, p95LatencyMs: null, errors: 0 }) },
        500,
        1000
      )
    ).toContain('· probes 0 · p95 n/a · errors 0')
    expect(ciProgressText(undefined, 10_000, 60_000)).toBe('⏱ 10 s/60 s · starting')
  })

  it('opens a group per suite, closes it after the result, and reopens for later probes', () => {
    const lines: string[] = []
    log = createCiLog({
      writeLine: (line) => lines.push(line),
      github: true,
      clock: systemClock,
      plannedMs: 1000,
      intervalMs: NEVER_MS
    })
    const base = { index: 1, count: 2, done: 0, total: 1, figures: FIGURES }
    log.update({ ...base, suite: 'connection-lifecycle' })
    log.update({ ...base, suite: 'connection-lifecycle', done: 1 })
    log.suiteEnd(
      makeSuiteResult({
        id: 'connection-lifecycle',
        status: 'passed',
        durationMs: 1500,
        checks: [makeReportCheck(), makeReportCheck({ status: 'skipped' })]
      })
    )
    // A suite cut before it reported progress still gets a group around its result.
    log.suiteEnd(
      makeSuiteResult({
        id: 'message-delivery',
        status: 'failed',
        durationMs: 10,
        checks: [makeReportCheck({ status: 'failed' })]
      })
    )
    log.update({ ...base, suite: 'message-delivery', index: 2, note: 'protocol-violation probes' })
    log.stop()
    expect(lines).toEqual([
      '::group::connection-lifecycle',
      '✅ connection-lifecycle: PASSED in 1.5 s (1 passed, 1 skipped)',
      '::endgroup::',
      '::group::message-delivery',
      '❌ message-delivery: FAILED in 10 ms (1 failed)',
      '::endgroup::',
      '::group::message-delivery (protocol-violation probes)',
      '::endgroup::'
    ])
  })

  it('writes plain headings outside GitHub Actions and rejects a bad interval', () => {
    const lines: string[] = []
    log = createCiLog({
      writeLine: (line) => lines.push(line),
      github: false,
      clock: systemClock,
      plannedMs: 1000,
      intervalMs: NEVER_MS
    })
    log.update({ suite: 'self-healing', index: 2, count: 6, done: 0, total: 1 })
    log.suiteEnd(
      makeSuiteResult({ id: 'latency-performance', status: 'passed', durationMs: 5, checks: [] })
    )
    log.stop()
    expect(lines).toEqual([
      '── self-healing [2/6]',
      '── latency-performance',
      '✅ latency-performance: PASSED in 5 ms (no checks)'
    ])
    expect(() =>
      createCiLog({
        writeLine: () => undefined,
        github: false,
        clock: systemClock,
        plannedMs: 1,
        intervalMs: 0
      })
    ).toThrow(RangeError)
  })
})
