import { describe, it, expect, beforeEach, afterEach, jest } from '@jest/globals'
import { readActionInputs } from '../../src/config/inputs.js'
import { loadConfig } from '../../src/config/load.js'
import { clearInputs, fixture, setInput, thrown } from './test-helpers.js'

describe('readActionInputs', () => {
  beforeEach(clearInputs)
  afterEach(() => {
    clearInputs()
    jest.restoreAllMocks()
  })

  it('reads snake_case inputs into schema paths and leaves empty ones out', () => {
    setInput('url', 'ws://127.0.0.1:9/ws')
    setInput('connection_count', '10')
    setInput('chaos_mode', 'true')
    setInput('p99_latency_ms', '800')
    setInput('health_score_threshold', '70')
    setInput('config', fixture('seed-full.json'))
    setInput('duration', '')
    expect(readActionInputs()).toEqual({
      url: 'ws://127.0.0.1:9/ws',
      connectionCount: '10',
      chaosMode: 'true',
      'thresholds.p99LatencyMs': '800',
      'thresholds.healthScore': '70',
      configFile: fixture('seed-full.json')
    })
  })

  it('feeds loadConfig, where inputs beat env and file', () => {
    setInput('connection_count', '10')
    setInput('config', fixture('seed-full.json'))
    setInput('suites', 'all')
    setInput('json_template', '{"op":"ping","ref":"{{id}}"}')
    setInput('json_id_field', 'ref')
    const config = loadConfig({ env: { CONNECTION_COUNT: '20' }, inputs: readActionInputs() })
    expect(config.connectionCount).toBe(10)
    expect(config.duration).toBe(300)
    expect(config.suites).toHaveLength(6)
    expect(config.json).toEqual({
      template: '{"op":"ping","ref":"{{id}}"}',
      matchField: 'type',
      matchValue: 'pong',
      idField: 'ref'
    })
  })

  it('makes a "ten" input fail with the input name', () => {
    setInput('connection_count', 'ten')
    const error = thrown(() =>
      loadConfig({ env: {}, cwd: fixture('none'), inputs: readActionInputs() })
    )
    expect(error.code).toBe('WSH_ERR_CONFIG')
    expect(error.message).toContain('connection_count: expected an integer >= 1, got "ten"')
  })

  it('reads github_token as a masked secret and never shows it in errors', () => {
    const writes: string[] = []
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      writes.push(String(chunk))
      return true
    })
    setInput('github_token', 'ghs_secretvalue1234')
    setInput('merge_reports', 'reports/*.json')
    setInput('shard', '5/3')
    const raw = readActionInputs()
    jest.restoreAllMocks()
    expect(writes.join('')).toContain('::add-mask::ghs_secretvalue1234')
    expect(raw).toMatchObject({
      githubToken: 'ghs_secretvalue1234',
      mergeReports: 'reports/*.json'
    })
    const error = thrown(() => loadConfig({ env: {}, cwd: fixture('none'), inputs: raw }))
    expect(error.message).toMatch(/shard: expected K\/N with integers 1 <= K <= N.*got "5\/3"/)
    expect(error.message).not.toContain('ghs_secretvalue1234')
  })

  it('registers header values as secrets so the runner masks them', () => {
    const writes: string[] = []
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      writes.push(String(chunk))
      return true
    })
    setInput('headers', 'Authorization: Bearer t0ken\nX-Api-Key: k3y')
    const raw = readActionInputs()
    jest.restoreAllMocks()
    expect(writes.join('')).toContain('::add-mask::Bearer t0ken')
    expect(writes.join('')).toContain('::add-mask::k3y')
    expect(loadConfig({ env: {}, cwd: fixture('none'), inputs: raw }).headers).toEqual({
      Authorization: 'Bearer t0ken',
      'X-Api-Key': 'k3y'
    })
  })
})
