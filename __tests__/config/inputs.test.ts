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
    setInput('protocol', 'echo')
    const config = loadConfig({ env: { CONNECTION_COUNT: '20' }, inputs: readActionInputs() })
    expect(config.connectionCount).toBe(10)
    expect(config.duration).toBe(300)
    expect(config.suites).toHaveLength(6)
    // The file says json.
    expect(config.protocol).toBe('echo')
  })

  it("refuses report_path '-': standard output is the CLI's, a step writes a file", () => {
    setInput('url', 'ws://127.0.0.1:9/ws')
    setInput('report_path', '-')
    const error = thrown(() => readActionInputs())
    expect(error.code).toBe('WSH_ERR_CONFIG')
    expect(error.message).toContain('report_path: got "-"; expected a file path')
  })

  it('refuses an input that moved to the config file, naming its key', () => {
    setInput('url', 'ws://127.0.0.1:9/ws')
    setInput('handshake_timeout_ms', '5000')
    setInput('connect_time_ms', '2000')
    setInput('max_connections', '50')
    const error = thrown(() => readActionInputs())
    expect(error.code).toBe('WSH_ERR_CONFIG')
    expect(error.message).toContain('Invalid configuration (3 problems)')
    expect(error.message).toContain(
      'handshake_timeout_ms: got "5000", but handshake_timeout_ms is no longer an action input; set it in the config file as handshake_timeout_ms'
    )
    expect(error.message).toContain(
      'connect_time_ms: got "2000", but connect_time_ms is no longer an action input; set it in the config file as thresholds.connect_time_ms'
    )
    expect(error.message).toContain(
      'max_connections: got "50", but max_connections is no longer an action input; set it in the config file as max_connections (CLI: --max-connections)'
    )
  })

  it('refuses an input action.yml does not declare, listing the inputs and hiding the value', () => {
    setInput('conection_count', 'ghs_maybeasecret99')
    const error = thrown(() => readActionInputs())
    expect(error.code).toBe('WSH_ERR_CONFIG')
    expect(error.message).toMatch(
      /^Invalid configuration: conection_count: got "\*\*\*", but this action has no input conection_count; inputs: url, suites, duration, connection_count, /
    )
    expect(error.message).not.toContain('ghs_maybeasecret99')
  })

  it('points a config-file-only setting given as an input at its key', () => {
    setInput('large_payload_bytes', '2000000')
    expect(thrown(() => readActionInputs()).message).toContain(
      'large_payload_bytes: got "2000000", but large_payload_bytes is not an action input; set it in the config file as large_payload_bytes'
    )
  })

  it('ignores an undeclared input left empty, as @actions/core reads empty as unset', () => {
    setInput('idle_ms', '')
    setInput('duration', '5')
    expect(readActionInputs()).toEqual({ duration: '5' })
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
