import { describe, expect, it } from '@jest/globals'
import {
  formatChange,
  formatDuration,
  formatMs,
  formatNumber,
  formatPercent,
  formatThreshold,
  formatValue,
  plural,
  trendDigits
} from '../../src/format/figures.js'
import { checkTally, suiteTitle } from '../../src/format/status.js'

describe('format', () => {
  it('rounds and trims numbers, and says n/a for anything unmeasured', () => {
    expect(formatNumber(45.234)).toBe('45.23')
    expect(formatNumber(100)).toBe('100')
    expect(formatNumber(-0.001)).toBe('0')
    expect(formatNumber(null)).toBe('n/a')
    expect(formatNumber(Number.NaN)).toBe('n/a')
    expect(formatNumber(Number.POSITIVE_INFINITY)).toBe('n/a')
  })

  it('adds units', () => {
    expect(formatMs(12.345)).toBe('12.35 ms')
    expect(formatMs(0.0144)).toBe('0.014 ms')
    expect(formatMs(null)).toBe('n/a')
    expect(formatPercent(0.985)).toBe('98.5%')
    expect(formatDuration(850)).toBe('850 ms')
    expect(formatDuration(12_345)).toBe('12.3 s')
  })

  it('shows check values and thresholds in their unit', () => {
    expect(formatValue(0.95, 'ratio')).toBe('95%')
    expect(formatValue(3, 'count')).toBe('3')
    expect(formatValue(92.5, 'score')).toBe('92.5')
    expect(formatValue(1200, 'msgs/s')).toBe('1200 msgs/s')
    expect(formatValue(true, '')).toBe('yes')
    expect(formatValue('CONNECTING->OPEN', '')).toBe('CONNECTING->OPEN')
    expect(formatValue(null, 'ms')).toBe('n/a')
    expect(formatThreshold({ op: '>=', value: 0.95 }, 'ratio')).toBe('>= 95%')
    expect(formatThreshold(null, 'ms')).toBe('—')
  })

  it("uses the seed's suite names", () => {
    expect(suiteTitle({ id: 'latency-performance', title: 'latency and performance' })).toBe(
      'Latency & Performance'
    )
    expect(suiteTitle({ id: 'custom', title: 'Custom' })).toBe('Custom')
  })

  it('signs a change only when it is one', () => {
    expect(formatChange(0.56)).toBe('+56%')
    expect(formatChange(-0.032)).toBe('-3.2%')
    expect(formatChange(0.0001)).toBe('0%')
    expect(formatChange(0)).toBe('0%')
    expect(formatChange(null)).toBe('n/a')
  })

  it('keeps about three significant figures for trends', () => {
    expect([512.4, 41.26, 2.571, -150].map((v) => formatNumber(v, trendDigits(v)))).toEqual([
      '512',
      '41.3',
      '2.57',
      '-150'
    ])
  })

  it('counts words and checks', () => {
    expect(plural(1, 'run')).toBe('1 run')
    expect(plural(3, 'run')).toBe('3 runs')
    expect(checkTally([{ status: 'passed' }, { status: 'skipped' }, { status: 'passed' }])).toBe(
      '2 passed, 1 skipped'
    )
    expect(checkTally([])).toBe('no checks')
  })
})
