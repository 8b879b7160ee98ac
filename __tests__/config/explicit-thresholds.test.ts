/**
 * Issue 18 section 2: the loader records which thresholds the user set (for
 * k6-style gating), fits unset latency limits around a set one, and takes
 * the threshold flags.
 */
import { afterEach, describe, expect, it } from '@jest/globals'
import { parseArgv } from '../../src/config/argv.js'
import { loadConfig } from '../../src/config/load.js'
import { makeProject, thrown } from './test-helpers.js'

const FILE = '.github/websocket-test-config.json'
const URL = 'ws://127.0.0.1:1'
let cleanup: (() => void) | undefined

afterEach(() => {
  cleanup?.()
  cleanup = undefined
})

function withFile(body: object): string {
  const project = makeProject({ [FILE]: JSON.stringify({ url: URL, ...body }) })
  cleanup = project.cleanup
  return project.dir
}

describe('explicitThresholds', () => {
  it('is empty when every threshold is a default', () => {
    expect(loadConfig({ env: {}, inputs: { url: URL } }).explicitThresholds).toEqual([])
  })

  it('lists thresholds set by input, flag, environment and config file', () => {
    const cwd = withFile({ thresholds: { min_fairness: 0.5 } })
    const config = loadConfig({
      cwd,
      env: { LATENCY_THRESHOLD_MS: '700' },
      flags: { url: URL, 'thresholds.p95LatencyMs': '300' }
    })
    expect([...config.explicitThresholds].sort()).toEqual([
      'minFairness',
      'p95LatencyMs',
      'p99LatencyMs'
    ])
    const fromInput = loadConfig({
      env: {},
      inputs: { url: URL, 'thresholds.successRate': '0.99' }
    })
    expect(fromInput.explicitThresholds).toEqual(['successRate'])
  })

  it('cannot be set by the user in the config file', () => {
    const cwd = withFile({ explicit_thresholds: ['p50LatencyMs'] })
    const error = thrown(() => loadConfig({ env: {}, cwd }))
    expect(error.code).toBe('WSH_ERR_CONFIG')
    expect(error.message).toContain('explicit_thresholds')
  })
})

describe('independent latency thresholds', () => {
  it('p99 alone lowers the unset p50 and p95 defaults to fit', () => {
    const config = loadConfig({ env: {}, inputs: { url: URL, 'thresholds.p99LatencyMs': '300' } })
    expect(config.thresholds).toMatchObject({
      p50LatencyMs: 100,
      p95LatencyMs: 300,
      p99LatencyMs: 300
    })
    expect(config.explicitThresholds).toEqual(['p99LatencyMs'])
  })

  it('p99 below the p50 default lowers both', () => {
    const cwd = withFile({ thresholds: { p99_latency_ms: 50 } })
    expect(loadConfig({ env: {}, cwd }).thresholds).toMatchObject({
      p50LatencyMs: 50,
      p95LatencyMs: 50,
      p99LatencyMs: 50
    })
  })

  it('p50 and p99 set keep the unset p95 between them', () => {
    const low = loadConfig({
      env: {},
      inputs: { url: URL, 'thresholds.p50LatencyMs': '20', 'thresholds.p99LatencyMs': '200' }
    })
    expect(low.thresholds.p95LatencyMs).toBe(200)
    const high = loadConfig({
      env: {},
      inputs: { url: URL, 'thresholds.p50LatencyMs': '700', 'thresholds.p99LatencyMs': '2000' }
    })
    expect(high.thresholds.p95LatencyMs).toBe(700)
  })

  it('an inconsistent pair the user set is still an error naming both', () => {
    const error = thrown(() =>
      loadConfig({
        env: {},
        inputs: { url: URL, 'thresholds.p95LatencyMs': '400', 'thresholds.p99LatencyMs': '300' }
      })
    )
    expect(error.code).toBe('WSH_ERR_CONFIG')
    expect(error.message).toContain(
      'p99_latency_ms: expected at least the p95 limit (400 ms), got 300'
    )
  })
})

describe('threshold and gating flags', () => {
  it('--p50 --p95 --p99 --success-rate --fail-on-regression reach the config', () => {
    const { flags } = parseArgv([
      'run',
      '--url',
      URL,
      '--p50',
      '10',
      '--p95',
      '20',
      '--p99',
      '30',
      '--success-rate',
      '0.9',
      '--fail-on-regression'
    ])
    const config = loadConfig({ flags, env: {} })
    expect(config.thresholds).toMatchObject({
      p50LatencyMs: 10,
      p95LatencyMs: 20,
      p99LatencyMs: 30,
      successRate: 0.9
    })
    expect(config.failOnRegression).toBe(true)
    expect([...config.explicitThresholds].sort()).toEqual([
      'p50LatencyMs',
      'p95LatencyMs',
      'p99LatencyMs',
      'successRate'
    ])
  })

  it('a bad --p99 names the flag, the value and what is allowed', () => {
    const { flags } = parseArgv(['run', '--url', URL, '--p99', '-5'])
    const error = thrown(() => loadConfig({ flags, env: {} }))
    expect(error.code).toBe('WSH_ERR_CONFIG')
    expect(error.message).toContain('--p99: expected a number > 0, got -5')
  })

  it('fail_on_regression defaults to false', () => {
    expect(loadConfig({ env: {}, inputs: { url: URL } }).failOnRegression).toBe(false)
  })
})
