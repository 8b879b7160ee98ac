/** Cross-field rules name the key the user would edit, and show a default as a default. */
import { afterEach, describe, expect, it } from '@jest/globals'
import { loadConfig } from '../../src/config/load.js'
import { makeProject, thrown } from './test-helpers.js'

const FILE = '.github/websocket-test-config.json'
let cleanup: (() => void) | undefined

function withFile(body: object): string {
  const project = makeProject({ [FILE]: JSON.stringify({ url: 'ws://127.0.0.1:1', ...body }) })
  cleanup = project.cleanup
  return project.dir
}

afterEach(() => {
  cleanup?.()
  cleanup = undefined
})

describe('cross-field config rules', () => {
  it('a file p50 above the p95 default raises the unset p95 to fit instead of failing', () => {
    const cwd = withFile({ thresholds: { p50_latency_ms: 600 } })
    const config = loadConfig({ env: {}, cwd })
    expect(config.thresholds).toMatchObject({
      p50LatencyMs: 600,
      p95LatencyMs: 600,
      p99LatencyMs: 1000
    })
  })

  it('an input p50 above an input p99 names the p99 input and the p50 limit', () => {
    const error = thrown(() =>
      loadConfig({
        env: {},
        inputs: {
          url: 'ws://127.0.0.1:1',
          'thresholds.p50LatencyMs': '600',
          'thresholds.p99LatencyMs': '400'
        }
      })
    )
    expect(error.code).toBe('WSH_ERR_CONFIG')
    expect(error.message).toContain(
      'p99_latency_ms: expected at least the p50 limit (600 ms), got 400'
    )
    expect(error.message).not.toContain('thresholds.p99')
    expect(error.message).not.toContain('p95')
  })

  it('chaos max_ms below min_ms is a load-time error without chaos mode, named by its file key', () => {
    const cwd = withFile({ chaos: { network_delay: { min_ms: 50, max_ms: 20 } } })
    const error = thrown(() => loadConfig({ env: {}, cwd }))
    expect(error.code).toBe('WSH_ERR_CONFIG')
    expect(error.message).toContain(
      `chaos.network_delay.max_ms: expected at least chaos.network_delay.min_ms (50 ms), got 20 (in ${FILE})`
    )
    expect(error.message).not.toContain('networkDelay')
  })

  it('chaos min_ms above the seed max default is caught too', () => {
    const cwd = withFile({ chaos: { network_delay: { min_ms: 600 } } })
    const error = thrown(() => loadConfig({ env: {}, cwd }))
    expect(error.message).toContain(
      `chaos.network_delay.max_ms: expected at least chaos.network_delay.min_ms (600 ms), got the default 500 (in ${FILE})`
    )
  })

  it('chaos max_ms below the seed min default is caught too', () => {
    const cwd = withFile({ chaos: { network_delay: { max_ms: 50 } } })
    const error = thrown(() => loadConfig({ env: {}, cwd }))
    expect(error.message).toContain(
      `chaos.network_delay.max_ms: expected at least chaos.network_delay.min_ms (100 ms), got 50 (in ${FILE})`
    )
  })

  it('a chaos block in order loads, complete with the defaults of the fields left out', () => {
    const cwd = withFile({ chaos: { network_delay: { min_ms: 20, max_ms: 20 } } })
    expect(loadConfig({ env: {}, cwd }).chaos.networkDelay).toEqual({
      probability: 0.2,
      minMs: 20,
      maxMs: 20
    })
  })
})
