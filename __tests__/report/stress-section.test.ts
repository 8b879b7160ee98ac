/** Rendering of the report's stress block: escaping of what the service said, charts, the effect line. */
import { describe, expect, it } from '@jest/globals'
import type { StressReport, StressStep } from '../../src/engine/stress.js'
import type { MetricValue } from '../../src/engine/model.js'
import { renderConsole } from '../../src/report/console.js'
import { buildStepSummary } from '../../src/report/step-summary.js'
import {
  stressConsoleLines,
  stressLine,
  stressSummarySection
} from '../../src/report/stress-section.js'
import { verdictLine } from '../../src/report/verdict-line.js'
import { makeReport } from '../fixtures/reports.js'

function step(connections: number, p95Ms: number | null): StressStep {
  return {
    connections,
    msgsPerSec: connections * 10,
    p50Ms: p95Ms === null ? null : p95Ms / 2,
    p95Ms,
    errorRate: 0,
    sent: connections * 5,
    replies: connections * 5,
    errors: 0,
    openAttempts: connections,
    openFailures: 0,
    drops: 0,
    durationMs: 300,
    burst: null
  }
}

function stressBlock(overrides: Partial<StressReport> = {}, degradesRun = false) {
  const report: StressReport = {
    steps: [step(2, 10), step(4, 20)],
    breakingPoint: null,
    verdict: 'no breaking point up to 4 connections / 40 msgs/s',
    limits: {
      maxConnections: 4,
      fdSoftLimit: 1024,
      fdSource: 'proc',
      fdBudget: 800,
      plannedMax: 4,
      p95LimitMs: 500,
      errorRateLimit: 0.05
    },
    stoppedAt: null,
    degradation: { overTime: null, againstLoad: { slopeMsPerConnection: 5, r2: 1 } },
    scenarios: {},
    ...overrides
  }
  const effect = { connectionCount: 2, degradesRun, note: 'information only' }
  return { ...report, effect } as unknown as { [key: string]: MetricValue }
}

describe('stress section', () => {
  it('is absent when stress mode was off', () => {
    const report = makeReport()
    expect(stressLine(report)).toBeUndefined()
    expect(stressConsoleLines(report)).toEqual([])
    expect(stressSummarySection(report)).toEqual([])
  })

  it('escapes what the service controls (close reasons) in the step summary', () => {
    const report = makeReport({
      stress: stressBlock({
        scenarios: {
          slowReader: {
            outcome: 'closed-slow-reader',
            observed:
              'closed the slow reader (code 1008: <img src=x> | @org/team #12) and kept serving others'
          }
        }
      })
    })
    const markdown = stressSummarySection(report).join('\n')
    expect(markdown).toContain('| Slow reader | closed-slow-reader |')
    expect(markdown).not.toContain('<img')
    expect(markdown).toContain('&lt;img src=x&gt;')
    expect(markdown).toContain('\\|')
    expect(markdown).not.toMatch(/@org/)
    // The console strips nothing visible but keeps it on one line.
    const text = stressConsoleLines(report).join('\n')
    expect(text).toContain('Slow reader: closed-slow-reader — closed the slow reader (code 1008')
  })

  it('charts p95 and throughput against connections; a limit far above is stated, not drawn', () => {
    const markdown = stressSummarySection(makeReport({ stress: stressBlock() })).join('\n')
    expect(markdown).toContain('### 🔥 Stress mode: on')
    expect(markdown).toContain('x-axis "connections" [2, 4]')
    expect(markdown).toContain('line [10, 20]')
    // 500 ms against 10-20 ms would flatten the data: said in words instead.
    expect(markdown).not.toContain('line [500, 500]')
    expect(markdown).toContain('p95 limit 500 ms, far above these values (not drawn)')
    expect(markdown).toContain('y-axis "ms" 0 --> 25')
    expect(markdown).toContain('line [20, 40]')
    expect(markdown).toContain('_Legend: blue: p95 round-trip latency at each step._')
    expect(markdown).toContain('5 ms per extra connection')
  })

  it('draws the p95 limit in red when it is near the data', () => {
    const near = stressBlock({ steps: [step(2, 300), step(4, 450)] })
    const markdown = stressSummarySection(makeReport({ stress: near })).join('\n')
    expect(markdown).toContain('line [300, 450]')
    expect(markdown).toContain('line [500, 500]')
    expect(markdown).toContain('red: p95 limit 500 ms')
  })

  it('draws what each step offered beside what it achieved, when every step says', () => {
    const offered = (connections: number, rate: number): StressStep => ({
      ...step(connections, 10),
      offeredMsgsPerSec: rate
    })
    // The second step offered 40 msgs/s and got 40: the lines meet; the third fell behind.
    const steps = [offered(2, 20), offered(4, 40), { ...offered(8, 80), msgsPerSec: 50 }]
    const markdown = stressSummarySection(makeReport({ stress: stressBlock({ steps }) })).join('\n')
    expect(markdown).toContain('line [20, 40, 50]')
    expect(markdown).toContain('line [20, 40, 80]')
    expect(markdown).toContain('green: messages per second offered at each step')
    // Without the offered rate of every step (closed loop), only the achieved line.
    const closed = stressSummarySection(makeReport({ stress: stressBlock() })).join('\n')
    expect(closed).not.toContain('offered at each step')
  })

  it('draws no chart from a single step and says when no step completed', () => {
    const one = stressSummarySection(makeReport({ stress: stressBlock({ steps: [step(2, 10)] }) }))
    expect(one.join('\n')).not.toContain('xychart-beta')
    const none = makeReport({
      stress: stressBlock({ steps: [], verdict: 'stress mode not run: the run was cancelled' })
    })
    expect(stressLine(none)).toBe('Stress: on — stress mode not run: the run was cancelled')
    expect(stressSummarySection(none).join('\n')).not.toContain('| Step |')
  })

  it('names a breaking point below connection_count in the verdict line, summary and console', () => {
    const report = makeReport({
      status: 'degraded',
      stress: stressBlock(
        {
          breakingPoint: {
            connections: 4,
            msgsPerSec: 40,
            reason: 'p95',
            p95Ms: 600,
            errorRate: 0,
            limit: 500
          },
          steps: [step(2, 10), step(4, 600)],
          verdict: 'breaking point at 4 connections, 40 msgs/s: p95 600 ms > 500 ms'
        },
        true
      )
    })
    expect(verdictLine(report)).toContain(
      'Stress: breaking point at 4 connections, 40 msgs/s: p95 600 ms > 500 ms (below connection_count 2)'
    )
    const summary = buildStepSummary(report)
    expect(summary).toContain('(degrades the run)')
    expect(summary).toContain('| 2 ❌ breaking point | 4 |')
    expect(renderConsole(report, { color: false })).toMatch(/✗ 4 /)
  })
})
