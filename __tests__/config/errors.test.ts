import { describe, it, expect } from '@jest/globals'
import { loadConfig, type ConfigSources } from '../../src/config/load.js'
import { formatConfigIssues } from '../../src/config/format-issues.js'
import { ConfigSchema } from '../../src/config/schema.js'
import { fixture, thrown } from './test-helpers.js'

/** Loads with no env and no default file, expecting WSH_ERR_CONFIG; returns the message. */
function configError(sources: ConfigSources): string {
  const error = thrown(() => loadConfig({ env: {}, cwd: fixture('no-such-dir'), ...sources }))
  expect(error.name).toBe('HealthError')
  expect(error.code).toBe('WSH_ERR_CONFIG')
  return error.message
}

describe('bad values name the field, the value and what is allowed', () => {
  it('rejects a number that is not a number, as the seed example says', () => {
    expect(configError({ inputs: { connectionCount: 'ten' } })).toContain(
      'connection_count: expected an integer >= 1, got "ten"'
    )
  })

  it('parses numbers given as strings', () => {
    expect(loadConfig({ env: {}, inputs: { connectionCount: '10' } }).connectionCount).toBe(10)
  })

  it('rejects out-of-range and non-integer numbers', () => {
    const message = configError({
      inputs: { duration: '0', 'thresholds.successRate': '1.5', chaosSeed: '2.5' }
    })
    expect(message).toContain('duration: expected an integer >= 1, got 0')
    expect(message).toContain('success_rate: expected a number from 0 to 1, got 1.5')
    expect(message).toContain('chaos_seed: expected an integer >= 0, got 2.5')
  })

  it('rejects a bad enum value', () => {
    expect(configError({ inputs: { protocol: 'xml' } })).toContain(
      'protocol: expected one of echo, json, got "xml"'
    )
    expect(configError({ flags: { failOn: 'sometimes' } })).toContain(
      '--fail-on: expected one of failed, degraded, never, got "sometimes"'
    )
  })

  it('rejects an unknown suite id and lists the allowed ids', () => {
    expect(configError({ inputs: { suites: 'connection-lifecycle, new-test' } })).toContain(
      'suites: expected one of connection-lifecycle, self-healing, message-delivery, heartbeat-monitoring, concurrent-connections, latency-performance (or all), got "new-test"'
    )
  })

  it('rejects a boolean that is not true/false/1/0/yes/no instead of defaulting', () => {
    expect(configError({ env: { CHAOS_MODE: 'on' } })).toContain(
      'CHAOS_MODE: expected a boolean (true, false, 1, 0, yes or no), got "on"'
    )
  })

  it('rejects a URL that is not ws:// or wss://', () => {
    expect(configError({ inputs: { url: 'http://localhost:8001/ws' } })).toContain(
      'url: expected a ws:// or wss:// URL, got "http://localhost:8001/ws"'
    )
  })

  it('never shows header values, even when they are wrong', () => {
    const message = configError({ inputs: { headers: 'not a header s3cret' } })
    expect(message).toContain('headers: expected a JSON object of strings or "Name: value" lines')
    expect(message).not.toContain('s3cret')
  })

  it('reports every problem at once, from every source', () => {
    const message = configError({
      inputs: { protocol: 'xml' },
      env: { CONNECTION_COUNT: 'ten', STRESS_TEST: 'maybe' }
    })
    expect(message).toMatch(/^Invalid configuration \(3 problems\):/)
    expect(message).toContain('CONNECTION_COUNT: expected an integer >= 1, got "ten"')
    expect(message).toContain('STRESS_TEST: expected a boolean')
    expect(message).toContain('protocol: expected one of echo, json, got "xml"')
  })

  it('names the file key and the file for bad values in a config file', () => {
    const file = fixture('bad-values.json')
    const message = configError({ inputs: { configFile: file } })
    expect(message).toContain(`connection_count: expected an integer >= 1, got "ten" (in ${file})`)
    expect(message).toContain('thresholds.min_success_rate: expected a number from 0 to 1, got 1.5')
    expect(message).toContain(
      'test_suites.self-healing.retry_attempts: expected an integer from 0 to 5, got 9'
    )
  })

  it('rejects a shard outside 1 <= K <= N and a bad issue_on, naming each input', () => {
    const message = configError({ inputs: { shard: '0/2', issueOn: 'always' } })
    expect(message).toMatch(/shard: expected K\/N with integers 1 <= K <= N.*got "0\/2"/)
    expect(message).toMatch(/issue_on: expected one of failed, degraded, got "always"/)
  })
})

describe('config file problems', () => {
  it('reports unknown keys with the allowed keys', () => {
    const message = configError({ inputs: { configFile: fixture('unknown-key.json') } })
    expect(message).toMatch(
      /conection_count: unknown key; allowed here: url, suites, test_duration, connection_count,.* environments/
    )
    expect(message).toMatch(
      /thresholds\.p99_latency: unknown key; allowed here: .*p99_latency_ms, max_latency_p99_ms/
    )
  })

  it('reports unknown suite ids and suite settings', () => {
    const message = configError({ inputs: { configFile: fixture('unknown-suite.json') } })
    expect(message).toContain(
      'test_suites.new-test: unknown key; allowed here: connection-lifecycle, self-healing'
    )
    expect(message).toContain(
      'test_suites.heartbeat-monitoring.interval: unknown key; allowed here: timeout, retry_attempts, ping_interval, critical'
    )
  })

  it('reports malformed JSON with the file, line and column', () => {
    const file = fixture('malformed.json')
    const message = configError({ inputs: { configFile: file } })
    expect(message).toContain(`${file} is not valid JSON`)
    expect(message).toContain('line 4 column 1')
  })

  it('reports a missing explicitly named file', () => {
    const message = configError({ flags: { configFile: 'nope.json' } })
    expect(message).toContain('config: cannot read nope.json (file not found)')
  })

  it('rejects the short and long form of one threshold together', () => {
    expect(configError({ inputs: { configFile: fixture('both-forms.json') } })).toContain(
      'thresholds.max_latency_p99_ms: also set as thresholds.p99_latency_ms; use one of them'
    )
  })

  it('rejects an environment the file does not define, listing the defined ones', () => {
    expect(
      configError({ inputs: { configFile: fixture('seed-full.json'), environment: 'staging' } })
    ).toContain('environment: expected one of ci, production')
    expect(configError({ inputs: { environment: 'staging' } })).toContain(
      'environment: "staging" needs a config file with environments.staging; none found'
    )
  })
})

describe('formatConfigIssues', () => {
  it('uses snake_case schema paths when no name mapping is given', () => {
    const result = ConfigSchema.safeParse({ connectionCount: 0, thresholds: { p99LatencyMs: -1 } })
    expect(result.success).toBe(false)
    const lines = formatConfigIssues(result.error?.issues ?? [], {
      valueAt: (path) => (path[0] === 'connectionCount' ? 0 : -1)
    })
    expect(lines).toEqual([
      'connection_count: expected an integer >= 1, got 0',
      'thresholds.p99_latency_ms: expected a number > 0, got -1'
    ])
  })
})
