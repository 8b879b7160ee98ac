/**
 * max_message_bytes (optional: derived from the run's probes when unset)
 * and compression (off unless asked for), through every source; a bad
 * value names the setting, the value and what is allowed.
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

describe('max_message_bytes and compression', () => {
  it('default to a derived cap and no compression', () => {
    const config = loadConfig(none)
    expect(config.maxMessageBytes).toBeUndefined()
    expect(config.compression).toBe(false)
  })

  it('are read from the action input, the CLI flag and the config file', () => {
    expect(
      loadConfig({ ...none, inputs: { maxMessageBytes: '4194304', compression: 'true' } })
    ).toMatchObject({ maxMessageBytes: 4_194_304, compression: true })
    const { flags } = parseArgv(['run', '--max-message-bytes', '65536', '--compression'])
    expect(loadConfig({ ...none, flags })).toMatchObject({
      maxMessageBytes: 65_536,
      compression: true
    })
    const project = makeProject({
      '.github/websocket-test-config.json': JSON.stringify({
        max_message_bytes: 2048,
        compression: true
      })
    })
    try {
      expect(loadConfig({ env: {}, cwd: project.dir })).toMatchObject({
        maxMessageBytes: 2048,
        compression: true
      })
    } finally {
      project.cleanup()
    }
  })

  it('rejects sizes below 1 KiB or above 1 GiB and non-boolean compression, naming the setting', () => {
    expect(configError({ inputs: { maxMessageBytes: '100' } })).toMatch(
      /max_message_bytes: expected an integer >= 1024, got 100/
    )
    expect(
      configError({ flags: parseArgv(['run', '--max-message-bytes', '2000000000']).flags })
    ).toMatch(/--max-message-bytes: expected an integer <= 1073741824, got 2000000000/)
    expect(configError({ inputs: { compression: 'maybe' } })).toMatch(/compression: .*"maybe"/)
  })
})
