import { describe, expect, it } from '@jest/globals'
import { healthBand, healthScore } from '../../src/metrics/health-score.js'

describe('health score', () => {
  it.each([
    [{ successRate: 1, avgLatencyMs: 10, reconnections: 0, errors: 0 }, 100],
    [{ successRate: 0.9, avgLatencyMs: 10, reconnections: 0, errors: 0 }, 95],
    [{ successRate: 1, avgLatencyMs: 200, reconnections: 0, errors: 0 }, 100],
    [{ successRate: 1, avgLatencyMs: 201, reconnections: 0, errors: 0 }, 95],
    [{ successRate: 1, avgLatencyMs: 501, reconnections: 0, errors: 0 }, 90],
    [{ successRate: 1, avgLatencyMs: 1001, reconnections: 0, errors: 0 }, 80],
    [{ successRate: 1, avgLatencyMs: 10, reconnections: 2, errors: 0 }, 90],
    [{ successRate: 1, avgLatencyMs: 10, reconnections: 9, errors: 0 }, 80],
    [{ successRate: 1, avgLatencyMs: 10, reconnections: 0, errors: 3 }, 94],
    [{ successRate: 1, avgLatencyMs: 10, reconnections: 0, errors: 50 }, 90],
    [{ successRate: 0.987, avgLatencyMs: 10, reconnections: 0, errors: 0 }, 99.4],
    [{ successRate: 0, avgLatencyMs: 5000, reconnections: 10, errors: 10 }, 0],
    [{ successRate: null, avgLatencyMs: null, reconnections: 0, errors: 0 }, 50],
    [{ successRate: 1, avgLatencyMs: null, reconnections: 0, errors: 0 }, 100]
  ])('%j scores %d', (input, expected) => {
    expect(healthScore(input)).toBe(expected)
  })
})

describe('health band', () => {
  it.each([
    [100, 'Excellent'],
    [95, 'Excellent'],
    [94.9, 'Good'],
    [85, 'Good'],
    [84.9, 'Fair'],
    [70, 'Fair'],
    [69.9, 'Degraded'],
    [50, 'Degraded'],
    [49.9, 'Critical'],
    [0, 'Critical']
  ])('%d is %s', (score, band) => {
    expect(healthBand(score)).toBe(band)
  })
})
