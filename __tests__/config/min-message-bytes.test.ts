/**
 * min_message_bytes: optional (no minimum by default), set by action input,
 * CLI flag or config-file key, and an integer from 1 to 64 MiB (the largest
 * probe the client can send); a bad value names the setting and the limits.
 */
import { describe, it, expect } from '@jest/globals'
import { parseArgv } from '../../src/config/argv.js'
import { loadConfig, type ConfigSources } from '../../src/config/load.js'
import { fixture, makeProject, thrown } from './test-helpers.js'

const none = { env: {}, cwd: fixture('no-such-dir') }

function configError(sources: ConfigSources): string {
  const error = thrown(() => loadConfig({ ...none, ...sources }))
  expect(error.code).toBe('WSH_ERR_CONFIG')
  return error.message
}

describe('min_message_bytes', () => {
  it('has no default: no minimum', () => {
    expect(loadConfig(none).minMessageBytes).toBeUndefined()
  })

  it('is read from the action input, the CLI flag and the config file', () => {
    expect(loadConfig({ ...none, inputs: { minMessageBytes: '2097152' } }).minMessageBytes).toBe(
      2_097_152
    )
    const { flags } = parseArgv(['run', '--min-message-bytes', '65536'])
    expect(loadConfig({ ...none, flags }).minMessageBytes).toBe(65_536)
    const project = makeProject({
      '.github/websocket-test-config.json': JSON.stringify({ min_message_bytes: 1000 })
    })
    try {
      expect(loadConfig({ env: {}, cwd: project.dir }).minMessageBytes).toBe(1000)
    } finally {
      project.cleanup()
    }
  })

  it('rejects zero, fractions, words and sizes above 64 MiB, naming the setting and the value', () => {
    expect(configError({ inputs: { minMessageBytes: '0' } })).toMatch(
      /min_message_bytes: expected an integer >= 1, got 0/
    )
    expect(configError({ inputs: { minMessageBytes: '1.5' } })).toMatch(
      /min_message_bytes: expected an integer.*, got 1\.5/
    )
    expect(configError({ inputs: { minMessageBytes: 'big' } })).toMatch(
      /min_message_bytes: .*got "big"/
    )
    expect(
      configError({ flags: parseArgv(['run', '--min-message-bytes', '67108865']).flags })
    ).toMatch(/--min-message-bytes: expected an integer <= 67108864, got 67108865/)
  })
})
