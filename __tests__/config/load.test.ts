import { describe, it, expect, afterEach } from '@jest/globals'
import { loadConfig } from '../../src/config/load.js'
import { ConfigSchema, heartbeatPingIntervalS, suiteSettings } from '../../src/config/schema.js'
import { SUITE_IDS } from '../../src/engine/model.js'
import { FIXTURES, fixture, makeProject } from './test-helpers.js'

const cleanups: Array<() => void> = []
afterEach(() => {
  while (cleanups.length > 0) cleanups.pop()?.()
})

function project(files: Record<string, string>): string {
  const { dir, cleanup } = makeProject(files)
  cleanups.push(cleanup)
  return dir
}

describe('loadConfig precedence', () => {
  it('gives schema defaults when nothing is set', () => {
    const config = loadConfig({ env: {}, cwd: project({}) })
    expect(config).toEqual(ConfigSchema.parse({}))
    expect(config.suites).toEqual([...SUITE_IDS])
    expect(config.configFile).toBeUndefined()
  })

  it('reads the seed config file format', () => {
    const config = loadConfig({ env: {}, inputs: { configFile: fixture('seed-full.json') } })
    expect(config).toMatchObject({
      url: 'ws://127.0.0.1:8001/ws',
      duration: 300,
      connectionCount: 12,
      chaosMode: false,
      stressTest: true,
      chaosSeed: 42,
      protocol: 'json',
      suites: ['connection-lifecycle', 'heartbeat-monitoring'],
      failOn: 'degraded',
      configFile: fixture('seed-full.json')
    })
    expect(config.thresholds.p99LatencyMs).toBe(900)
    expect(config.thresholds.successRate).toBe(0.9)
    expect(suiteSettings(config, 'heartbeat-monitoring')).toEqual({
      timeout: 120,
      retryAttempts: 2,
      critical: false
    })
    expect(heartbeatPingIntervalS(config)).toBe(15)
    expect(config.thresholds.pongTimeoutMs).toBe(5000)
  })

  it('ranks input > environment variable > config file > default', () => {
    const file = { configFile: fixture('seed-full.json') }
    // file only
    expect(loadConfig({ env: {}, inputs: file }).connectionCount).toBe(12)
    // env beats file
    const env = { CONNECTION_COUNT: '20', TEST_DURATION: '45' }
    const fromEnv = loadConfig({ env, inputs: file })
    expect(fromEnv.connectionCount).toBe(20)
    expect(fromEnv.duration).toBe(45)
    // input beats env
    const fromInput = loadConfig({ env, inputs: { ...file, connectionCount: '7' } })
    expect(fromInput.connectionCount).toBe(7)
    expect(fromInput.duration).toBe(45)
    // a CLI flag sits at the input level too
    expect(loadConfig({ env, flags: { ...file, connectionCount: '8' } }).connectionCount).toBe(8)
    // default where no source sets it
    expect(fromInput.handshakeTimeoutMs).toBe(10_000)
  })

  it('treats empty inputs and empty environment variables as unset', () => {
    const config = loadConfig({
      env: { CONNECTION_COUNT: '  ', TEST_DURATION: '' },
      inputs: { configFile: fixture('seed-full.json'), connectionCount: '', duration: undefined }
    })
    expect(config.connectionCount).toBe(12)
    expect(config.duration).toBe(300)
  })

  it('overlays environments.<name> on the file top level, below env and inputs', () => {
    const inputs = { configFile: fixture('seed-full.json'), environment: 'ci' }
    const ci = loadConfig({ env: {}, inputs })
    expect(ci.duration).toBe(30)
    expect(ci.connectionCount).toBe(12)
    expect(ci.thresholds.p95LatencyMs).toBe(800)
    expect(ci.thresholds.p99LatencyMs).toBe(900)
    expect(ci.environment).toBe('ci')

    const prod = loadConfig({
      env: { WS_HEALTH_ENVIRONMENT: 'production' },
      inputs: { configFile: inputs.configFile }
    })
    expect(prod.connectionCount).toBe(50)
    expect(prod.chaosMode).toBe(true)

    const envBeatsOverlay = loadConfig({ env: { TEST_DURATION: '90' }, inputs })
    expect(envBeatsOverlay.duration).toBe(90)
  })

  it('reads every seed environment variable', () => {
    const config = loadConfig({
      cwd: project({}),
      env: {
        TEST_DURATION: '120',
        CONNECTION_COUNT: '3',
        CHAOS_MODE: 'YES',
        STRESS_TEST: '1',
        LATENCY_THRESHOLD_MS: '750',
        SUCCESS_THRESHOLD: '0.99',
        WS_HEALTH_URL: 'wss://example.test/socket',
        WS_HEALTH_SUITES: 'message-delivery, latency-performance',
        WS_HEALTH_PROTOCOL: 'json',
        BACKEND_PORT: '8000',
        WS_ROUTER_PORT: '8001'
      }
    })
    expect(config).toMatchObject({
      duration: 120,
      connectionCount: 3,
      chaosMode: true,
      stressTest: true,
      url: 'wss://example.test/socket',
      suites: ['message-delivery', 'latency-performance'],
      protocol: 'json'
    })
    expect(config.thresholds.p99LatencyMs).toBe(750)
    expect(config.thresholds.successRate).toBe(0.99)
  })

  it('accepts boolean words case-insensitively', () => {
    const cwd = project({})
    for (const [word, expected] of [
      ['true', true],
      ['FALSE', false],
      ['1', true],
      ['0', false],
      ['Yes', true],
      ['no', false]
    ] as const) {
      expect(loadConfig({ cwd, env: {}, inputs: { chaosMode: word } }).chaosMode).toBe(expected)
    }
  })

  it('expands suites "all" and parses lists and headers', () => {
    const config = loadConfig({
      cwd: project({}),
      env: {},
      inputs: {
        suites: 'all',
        subprotocols: 'graphql-ws, v2.json',
        headers: 'Authorization: Bearer abc\nX-Team: blue'
      }
    })
    expect(config.suites).toEqual([...SUITE_IDS])
    expect(config.subprotocols).toEqual(['graphql-ws', 'v2.json'])
    expect(config.headers).toEqual({ Authorization: 'Bearer abc', 'X-Team': 'blue' })
    const json = loadConfig({ cwd: project({}), env: {}, inputs: { headers: '{"X-Key":"k"}' } })
    expect(json.headers).toEqual({ 'X-Key': 'k' })
  })
})

describe('config file thresholds', () => {
  const expected = {
    p50LatencyMs: 50,
    p95LatencyMs: 250,
    p99LatencyMs: 750,
    successRate: 0.99,
    deliveryRate: 0.98,
    connectTimeMs: 2000,
    pongTimeoutMs: 3000,
    healthScore: 90
  }

  it('accepts the short forms', () => {
    const config = loadConfig({ env: {}, inputs: { configFile: fixture('short-thresholds.json') } })
    expect(config.thresholds).toMatchObject(expected)
  })

  it('accepts the max_/min_ forms with the same meaning', () => {
    const config = loadConfig({ env: {}, inputs: { configFile: fixture('long-thresholds.json') } })
    expect(config.thresholds).toMatchObject(expected)
  })
})

describe('default config file paths', () => {
  it('uses .github/websocket-test-config.json first', () => {
    const cwd = project({
      '.github/websocket-test-config.json': '{"connection_count": 4}',
      '.github/workflows/config/websocket-test-config.json': '{"connection_count": 6}'
    })
    const config = loadConfig({ env: {}, cwd })
    expect(config.connectionCount).toBe(4)
    expect(config.configFile).toBe('.github/websocket-test-config.json')
  })

  it('falls back to .github/workflows/config/websocket-test-config.json', () => {
    const cwd = project({
      '.github/workflows/config/websocket-test-config.json': '{"connection_count": 6}'
    })
    expect(loadConfig({ env: {}, cwd }).connectionCount).toBe(6)
  })

  it('resolves a relative explicit path against cwd', () => {
    const config = loadConfig({
      env: {},
      cwd: FIXTURES,
      flags: { configFile: 'short-thresholds.json' }
    })
    expect(config.thresholds.p99LatencyMs).toBe(750)
  })
})
