import { describe, it, expect, afterEach } from '@jest/globals'
import { configFaults } from '../../src/engine/chaos-mode.js'
import { loadConfig } from '../../src/config/load.js'
import { isHealthError } from '../../src/errors.js'
import { DEFAULT_FAULTS } from '../fixtures/schema-defaults.js'
import { makeProject } from './test-helpers.js'

const cleanups: Array<() => void> = []
afterEach(() => {
  while (cleanups.length > 0) cleanups.pop()?.()
})

function withFile(json: unknown): string {
  const { dir, cleanup } = makeProject({
    '.github/websocket-test-config.json': JSON.stringify(json)
  })
  cleanups.push(cleanup)
  return dir
}

describe('chaos, self-healing and server_command settings', () => {
  it('reads chaos.* fault overrides from the config file, keeping the seed defaults for the rest', () => {
    const cwd = withFile({
      chaos_mode: true,
      chaos_seed: 7,
      chaos: {
        random_disconnect: { probability: 0.2, reconnect_delay_ms: 500 },
        network_delay: { max_ms: 800 },
        message_loss: { direction: 'server-to-client' },
        bandwidth: { bytes_per_second: 65536 }
      }
    })
    const config = loadConfig({ env: {}, cwd })
    expect(configFaults(config)).toEqual({
      randomDisconnect: { probability: 0.2, reconnectDelayMs: 500 },
      networkDelay: { ...DEFAULT_FAULTS.networkDelay, maxMs: 800 },
      messageLoss: { probability: 0.05, direction: 'server-to-client' },
      slowResponse: DEFAULT_FAULTS.slowResponse,
      bandwidth: { bytesPerSecond: 65536 }
    })
    expect(config.chaosSeed).toBe(7)
  })

  it('rejects a chaos probability out of range, naming the key', () => {
    const cwd = withFile({ chaos: { message_loss: { probability: 1.5 } } })
    const error = (() => {
      try {
        loadConfig({ env: {}, cwd })
      } catch (e) {
        return e
      }
      return undefined
    })()
    expect(isHealthError(error) && error.code).toBe('WSH_ERR_CONFIG')
    expect(String((error as Error).message)).toContain('chaos.message_loss.probability')
  })

  it('reads server_command, server_ready_timeout and max_reconnect_attempts from inputs and flags', () => {
    const config = loadConfig({
      env: {},
      cwd: withFile({}),
      inputs: { serverCommand: 'npm start', serverReadyTimeout: '12' },
      flags: { maxReconnectAttempts: '3' }
    })
    expect(config).toMatchObject({
      serverCommand: 'npm start',
      serverReadyTimeout: 12,
      maxReconnectAttempts: 3
    })
    expect(config.selfHealing).toMatchObject({
      initialDelayMs: 100,
      backoffFactor: 2,
      resume: 'auto'
    })
  })

  it('reads self_healing.* from the config file', () => {
    const cwd = withFile({ self_healing: { kills: 5, resume: 'header', breaker_reset_ms: 250 } })
    expect(loadConfig({ env: {}, cwd }).selfHealing).toMatchObject({
      kills: 5,
      resume: 'header',
      breakerResetMs: 250
    })
  })
})
