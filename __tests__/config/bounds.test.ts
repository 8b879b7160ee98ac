/**
 * Time fields have upper bounds (a Node timer given 2^31 ms or more fires
 * after 1 ms) and the latency percentile limits must be ordered.
 */
import { describe, it, expect } from '@jest/globals'
import { loadConfig, type ConfigSources } from '../../src/config/load.js'
import { fixture, thrown } from './test-helpers.js'

function configError(sources: ConfigSources): string {
  const error = thrown(() => loadConfig({ env: {}, cwd: fixture('no-such-dir'), ...sources }))
  expect(error.code).toBe('WSH_ERR_CONFIG')
  return error.message
}

describe('time fields are bounded', () => {
  it('rejects a message timeout a Node timer cannot hold, naming the field', () => {
    const message = configError({ inputs: { 'thresholds.messageTimeoutMs': '2147483648' } })
    expect(message).toMatch(
      /thresholds\.message_timeout_ms: expected an integer <= 600000, got 2147483648/
    )
  })

  it('rejects a pong timeout and a handshake timeout above ten minutes', () => {
    const message = configError({
      inputs: { 'thresholds.pongTimeoutMs': '600001', handshakeTimeoutMs: '9999999999' }
    })
    expect(message).toMatch(/pong_timeout_ms: .*600000.*, got 600001/)
    expect(message).toMatch(/handshake_timeout_ms: .*600000.*, got 9999999999/)
  })

  it('accepts the limits themselves', () => {
    const config = loadConfig({
      env: {},
      cwd: fixture('no-such-dir'),
      inputs: { 'thresholds.messageTimeoutMs': '600000' }
    })
    expect(config.thresholds.messageTimeoutMs).toBe(600_000)
  })
})

describe('latency percentile limits are ordered', () => {
  it('rejects p95 below p50 and p99 below p95 with a message naming both', () => {
    const message = configError({
      inputs: { 'thresholds.p50LatencyMs': '300', 'thresholds.p95LatencyMs': '200' }
    })
    expect(message).toMatch(/p95_latency_ms: expected at least the p50 limit \(300 ms\), got 200/)
    const second = configError({
      inputs: { 'thresholds.p95LatencyMs': '2000', 'thresholds.p99LatencyMs': '1500' }
    })
    expect(second).toMatch(/p99_latency_ms: expected at least the p95 limit \(2000 ms\), got 1500/)
  })
})
