import { describe, expect, it } from '@jest/globals'
import { runScore } from '../../src/engine/run-score.js'
import { mergeReports } from '../../src/report/merge.js'
import { verdictLine } from '../../src/report/verdict-line.js'
import { histogramOf } from '../../src/metrics/histogram.js'
import { makeReport, makeRunMetrics, makeSuiteResult } from '../fixtures/reports.js'

const perfect = makeRunMetrics({ successRate: 1, reconnections: 0, errors: 0 })

describe('runScore', () => {
  it('caps a failed run below the health-score threshold and keeps what the formula said', () => {
    expect(runScore('failed', perfect, [], 80)).toEqual({
      healthScore: 79,
      healthScoreCappedFrom: 100
    })
  })

  it('leaves a passed or degraded run, and a failed one already below, as the formula says', () => {
    expect(runScore('passed', perfect, [], 80)).toEqual({ healthScore: 100 })
    expect(runScore('degraded', perfect, [], 80)).toEqual({ healthScore: 100 })
    const poor = makeRunMetrics({ successRate: 0.5, reconnections: 0, errors: 5 })
    expect(runScore('failed', poor, [], 80)).toEqual({ healthScore: 65 })
  })

  it('does not charge the reconnections self-healing forced', () => {
    const suites = [makeSuiteResult({ id: 'self-healing', metrics: { forcedReconnections: 3 } })]
    const metrics = makeRunMetrics({ successRate: 1, reconnections: 3, errors: 0 })
    expect(runScore('passed', metrics, suites, 80).healthScore).toBe(100)
  })
})

describe('the score agrees with the verdict everywhere', () => {
  const failed = makeReport({
    status: 'failed',
    healthScore: 79,
    healthScoreCappedFrom: 100,
    suites: [
      makeSuiteResult({
        id: 'self-healing',
        status: 'failed',
        metrics: { forcedReconnections: 2 }
      })
    ],
    metrics: makeRunMetrics({
      successRate: 1,
      reconnections: 2,
      errors: 0,
      messagesSent: 2,
      messagesReceived: 2,
      messagesLost: 0
    }),
    latencyHistogram: {
      latencyMs: histogramOf([1, 2]).toJSON(),
      connectTimeMs: histogramOf([1]).toJSON(),
      recoveryTimeMs: histogramOf([]).toJSON(),
      throughputWindowMs: 1000,
      intactReplies: 2
    }
  })
  failed.suites[0].checks[0].status = 'failed'

  it('says why a failed run has the score it has', () => {
    expect(verdictLine(failed)).toMatch(
      /^FAILED \(health 79\/100, capped from 100\/100: a critical check failed \(Self-Healing: [^)]+\)\)/
    )
  })

  it('a report merged alone keeps its verdict and score', () => {
    const merged = mergeReports([failed])
    expect(merged.status).toBe('failed')
    expect(merged.healthScore).toBe(79)
    expect(merged.healthScoreCappedFrom).toBe(100)
  })
})
