/**
 * idle_ms (heartbeat-monitoring's idle window): read from the action input,
 * the --idle-ms flag and the config file's top level; a bad value names the
 * field, the value and what is allowed; unset stays unset (the suite derives
 * its default from its budget).
 */
import { afterEach, describe, expect, it } from '@jest/globals'
import { parseArgv } from '../../src/config/argv.js'
import { loadConfig, type ConfigSources } from '../../src/config/load.js'
import { fixture, makeProject, thrown } from './test-helpers.js'

const cleanups: Array<() => void> = []
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup()
})

function load(sources: ConfigSources): ReturnType<typeof loadConfig> {
  return loadConfig({ env: {}, cwd: fixture('no-such-dir'), ...sources })
}

function configError(sources: ConfigSources): string {
  const error = thrown(() => load(sources))
  expect(error.code).toBe('WSH_ERR_CONFIG')
  return error.message
}

describe('idle_ms', () => {
  it('is unset by default, so the suite derives it from its budget', () => {
    expect(load({}).idleMs).toBeUndefined()
  })

  it('is read from the action input and from --idle-ms', () => {
    expect(load({ inputs: { idleMs: '90000' } }).idleMs).toBe(90_000)
    const { flags } = parseArgv(['run', '--url', 'ws://127.0.0.1:1/ws', '--idle-ms', '1500'])
    expect(load({ flags }).idleMs).toBe(1_500)
  })

  it('is read from the config file top level', () => {
    const project = makeProject({
      '.github/websocket-test-config.json': JSON.stringify({ idle_ms: 65_000 })
    })
    cleanups.push(project.cleanup)
    expect(loadConfig({ env: {}, cwd: project.dir }).idleMs).toBe(65_000)
  })

  it('rejects zero, fractions, words and values above ten minutes, naming the field and value', () => {
    expect(configError({ inputs: { idleMs: '0' } })).toMatch(/idle_ms: .*got 0/)
    expect(configError({ inputs: { idleMs: '1.5' } })).toMatch(/idle_ms: .*integer.*got 1\.5/)
    expect(configError({ inputs: { idleMs: 'sixty' } })).toMatch(/idle_ms: .*sixty/)
    const { flags } = parseArgv(['run', '--idle-ms', '600001'])
    expect(configError({ flags })).toMatch(/--idle-ms: .*600000.*got 600001/)
  })
})
