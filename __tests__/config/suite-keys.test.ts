/**
 * Per-suite keys are accepted only under the suites that read them, and each
 * setting has one unit (issue 19 section 4): a key a suite ignores, or the
 * seed's pong_timeout in seconds, is exit 2 naming the key, the value and
 * what to write instead.
 */
import { afterEach, describe, expect, it } from '@jest/globals'
import { EXIT, main } from '../../src/cli.js'
import { loadConfig } from '../../src/config/load.js'
import { ConfigSchema, heartbeatPingIntervalS, suiteReadsSetting } from '../../src/config/schema.js'
import { SUITE_IDS } from '../../src/engine/model.js'
import { makeProject, thrown } from './test-helpers.js'

const cleanups: (() => void)[] = []
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup()
})

/** A project whose default config file holds `config`. */
function projectWith(config: unknown): string {
  const project = makeProject({ '.github/websocket-test-config.json': JSON.stringify(config) })
  cleanups.push(project.cleanup)
  return project.dir
}

function configError(config: unknown): string {
  const error = thrown(() => loadConfig({ env: {}, cwd: projectWith(config) }))
  expect(error.code).toBe('WSH_ERR_CONFIG')
  return error.message
}

const OTHER_SUITES = SUITE_IDS.filter((id) => id !== 'heartbeat-monitoring')

describe('per-suite keys a suite does not read', () => {
  it('knows that only heartbeat-monitoring reads ping_interval and every suite the rest', () => {
    for (const id of SUITE_IDS) {
      expect({ id, reads: suiteReadsSetting(id, 'pingInterval') }).toEqual({
        id,
        reads: id === 'heartbeat-monitoring'
      })
      for (const key of ['timeout', 'retryAttempts', 'critical'])
        expect({ id, key, reads: suiteReadsSetting(id, key) }).toEqual({ id, key, reads: true })
    }
  })

  it.each(OTHER_SUITES)(
    'rejects ping_interval under %s, naming the suite, the value and who reads it',
    (id) => {
      const message = configError({ test_suites: { [id]: { ping_interval: 15 } } })
      expect(message).toContain(
        `test_suites.${id}.ping_interval: got 15, but ${id} does not read ping_interval: only heartbeat-monitoring does; keys ${id} accepts: timeout, retry_attempts, critical`
      )
    }
  )

  it('says so inside an environments block too', () => {
    const message = configError({
      environments: { ci: { test_suites: { 'self-healing': { ping_interval: 2 } } } }
    })
    expect(message).toContain(
      'environments.ci.test_suites.self-healing.ping_interval: got 2, but self-healing does not read ping_interval'
    )
  })

  it('still accepts ping_interval under heartbeat-monitoring and the common keys anywhere', () => {
    const config = loadConfig({
      env: {},
      cwd: projectWith({
        test_suites: {
          'heartbeat-monitoring': { ping_interval: 2, timeout: 30 },
          'latency-performance': { timeout: 40, retry_attempts: 1, critical: true }
        }
      })
    })
    expect(heartbeatPingIntervalS(config)).toBe(2)
    expect(config.testSuites['latency-performance']).toEqual({
      timeout: 40,
      retryAttempts: 1,
      critical: true
    })
  })

  it('is rejected by the schema itself, not only by the file reader', () => {
    const parsed = ConfigSchema.safeParse({
      testSuites: { 'message-delivery': { pingInterval: 15 } }
    })
    expect(parsed.success).toBe(false)
    expect(parsed.error?.issues[0]).toMatchObject({
      code: 'unrecognized_keys',
      keys: ['pingInterval'],
      path: ['testSuites', 'message-delivery']
    })
  })
})

describe('one unit per setting: the pong timeout is thresholds.pong_timeout_ms', () => {
  it.each(SUITE_IDS)(
    'rejects the seconds key test_suites.%s.pong_timeout, naming the ms key',
    (id) => {
      const message = configError({ test_suites: { [id]: { pong_timeout: 5 } } })
      expect(message).toContain(
        `test_suites.${id}.pong_timeout: got 5, but pong_timeout (in seconds) is no longer read; set thresholds.pong_timeout_ms in milliseconds instead (5 s = 5000)`
      )
    }
  )

  it('reads thresholds.pong_timeout_ms', () => {
    const config = loadConfig({
      env: {},
      cwd: projectWith({ thresholds: { pong_timeout_ms: 2500 } })
    })
    expect(config.thresholds.pongTimeoutMs).toBe(2500)
  })
})

describe('ws-health run with such a config file', () => {
  it('exits 2 before any connection, with the message on stderr', async () => {
    const dir = projectWith({
      test_suites: {
        'latency-performance': { ping_interval: 15 },
        'heartbeat-monitoring': { pong_timeout: 5 }
      }
    })
    const stderr: string[] = []
    const stdout: string[] = []
    const sink = (into: string[]) => ({
      write: (chunk: string) => {
        into.push(chunk)
        return true
      }
    })
    // Port 9 on loopback: nothing is ever dialled, the config fails first.
    const code = await main(['run', '--url', 'ws://127.0.0.1:9/ws'], {
      stdout: sink(stdout),
      stderr: sink(stderr),
      env: {},
      cwd: dir,
      stop: new AbortController().signal
    })
    expect(code).toBe(EXIT.usage)
    const text = stderr.join('')
    expect(text).toContain('Invalid configuration (2 problems)')
    expect(text).toContain('latency-performance does not read ping_interval')
    expect(text).toContain('set thresholds.pong_timeout_ms in milliseconds instead')
  })
})
