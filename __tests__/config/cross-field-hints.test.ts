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
  it('a file p50 above the p95 default names the file key and shows the default', () => {
    const cwd = withFile({ thresholds: { p50_latency_ms: 600 } })
    const error = thrown(() => loadConfig({ env: {}, cwd }))
    expect(error.code).toBe('WSH_ERR_CONFIG')
    expect(error.message).toContain(
      `thresholds.p95_latency_ms: expected at least the p50 limit (600 ms), got the default 500 (in ${FILE})`
    )
    expect(error.message).not.toContain('got nothing')
  })

  it('an input p50 above the p95 default names the input', () => {
    const error = thrown(() =>
      loadConfig({ env: {}, inputs: { url: 'ws://127.0.0.1:1', 'thresholds.p50LatencyMs': '600' } })
    )
    expect(error.message).toContain(
      'p95_latency_ms: expected at least the p50 limit (600 ms), got the default 500'
    )
    expect(error.message).not.toContain('thresholds.p95')
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

  it('a chaos block in order loads', () => {
    const cwd = withFile({ chaos: { network_delay: { min_ms: 20, max_ms: 20 } } })
    expect(loadConfig({ env: {}, cwd }).chaos.networkDelay).toEqual({ minMs: 20, maxMs: 20 })
  })
})
