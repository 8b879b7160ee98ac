/** protocol_violations: action input, CLI flags (--no- and plain), config-file key, default on. */
import { afterEach, describe, expect, it } from '@jest/globals'
import { parseArgv } from '../../src/config/argv.js'
import { readActionInputs } from '../../src/config/inputs.js'
import { loadConfig } from '../../src/config/load.js'
import { clearInputs, fixture, makeProject, setInput, thrown } from './test-helpers.js'

const cleanups: Array<() => void> = []
afterEach(() => {
  clearInputs()
  while (cleanups.length > 0) cleanups.pop()?.()
})

const URL = '--url=ws://127.0.0.1:1/ws'

function fromFlags(...args: string[]) {
  return loadConfig({
    env: {},
    cwd: fixture('none'),
    flags: parseArgv(['run', URL, ...args]).flags
  })
}

describe('protocol_violations', () => {
  it('is on by default', () => {
    expect(fromFlags().protocolViolations).toBe(true)
  })

  it('is turned off by --no-protocol-violations and set by --protocol-violations[=value]', () => {
    expect(fromFlags('--no-protocol-violations').protocolViolations).toBe(false)
    expect(fromFlags('--protocol-violations').protocolViolations).toBe(true)
    expect(fromFlags('--protocol-violations=false').protocolViolations).toBe(false)
  })

  it('refuses a value on the negated flag, naming it', () => {
    const error = thrown(() => parseArgv(['run', URL, '--no-protocol-violations=yes']))
    expect(error.code).toBe('WSH_ERR_CONFIG')
    expect(error.message).toContain('--no-protocol-violations: takes no value')
  })

  it('is no longer an action input: passing one names the config-file key', () => {
    setInput('protocol_violations', 'false')
    const error = thrown(() => readActionInputs())
    expect(error.code).toBe('WSH_ERR_CONFIG')
    expect(error.message).toContain(
      'protocol_violations: got "false", but protocol_violations is no longer an action input; set it in the config file as protocol_violations (CLI: --protocol-violations)'
    )
  })

  it('rejects a non-boolean in the config file, naming the key', () => {
    const { dir, cleanup } = makeProject({
      '.github/websocket-test-config.json': JSON.stringify({ protocol_violations: 'maybe' })
    })
    cleanups.push(cleanup)
    const error = thrown(() => loadConfig({ env: {}, cwd: dir }))
    expect(error.code).toBe('WSH_ERR_CONFIG')
    expect(error.message).toContain('protocol_violations')
    expect(error.message).toContain('maybe')
  })

  it('is read from the config file key protocol_violations', () => {
    const { dir, cleanup } = makeProject({
      '.github/websocket-test-config.json': JSON.stringify({ protocol_violations: false })
    })
    cleanups.push(cleanup)
    expect(loadConfig({ env: {}, cwd: dir }).protocolViolations).toBe(false)
  })
})
