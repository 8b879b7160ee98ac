/** The shared xychart writer: numbers mermaid reads, ranges that fit, limits far above left out. */
import { describe, expect, it } from '@jest/globals'
import {
  CHART_COLORS,
  chartNumber,
  isFarAbove,
  xyChartLines,
  yRange
} from '../../src/report/xychart.js'
import { unparsedBlocks } from '../fixtures/mermaid-parse.js'

describe('chartNumber', () => {
  it('writes plain decimals, never exponent notation', () => {
    expect(chartNumber(1e-7)).toBe('0')
    expect(chartNumber(0.0678)).toBe('0.068')
    expect(chartNumber(12.5)).toBe('12.5')
    expect(chartNumber(1e21)).not.toContain('e')
    expect(chartNumber(-0.0001)).toBe('0')
  })
})

describe('yRange', () => {
  it('starts at 0 with a little room above the highest value', () => {
    expect(yRange([10, 20])).toEqual([0, 25])
    expect(yRange([0.07, 14.2])).toEqual([0, 20])
  })

  it('zooms in on values bunched far above 0, capped at 100 for percentages', () => {
    expect(yRange([97, 100], 100)).toEqual([96, 100])
    expect(yRange([100, 100], 100)).toEqual([95, 100])
    const [low, high] = yRange([80, 97, 100], 100)
    expect(low).toBeLessThanOrEqual(80)
    expect(low).toBeGreaterThan(0)
    expect(high).toBe(100)
  })
})

describe('isFarAbove', () => {
  it('is true for a limit more than 3 times the data', () => {
    expect(isFarAbove(500, [10, 20])).toBe(true)
    expect(isFarAbove(50, [10, 20])).toBe(false)
  })
})

describe('xyChartLines', () => {
  it('writes a chart with colours in series order and a legend naming them, which mermaid parses', async () => {
    const lines = xyChartLines({
      title: 'p95 "latency" (ms)',
      xLabel: 'commit, or run date (UTC)',
      categories: ['a1b2c3d', '12-03 13:22'],
      yLabel: 'ms',
      series: [
        { name: 'p95 per run', color: CHART_COLORS.data, values: [0.0001, 3] },
        { name: 'threshold', color: CHART_COLORS.limit, values: [5, 5] }
      ]
    })
    const markdown = lines.join('\n')
    expect(markdown).toContain('"plotColorPalette": "#2563eb, #dc2626"')
    expect(markdown).toContain(`title "p95 'latency' (ms)"`)
    expect(markdown).toContain('x-axis "commit, or run date (UTC)" [a1b2c3d, "12-03 13:22"]')
    expect(markdown).toContain('y-axis "ms" 0 --> 10')
    expect(markdown).toContain('_Legend: blue: p95 per run · red: threshold._')
    expect(await unparsedBlocks(markdown)).toEqual([])
  })
})
