/**
 * The open-loop latency settings (issue 16 section 1): probe_rate,
 * latency_connections, latency_mode and max_in_flight, from the config file
 * and CLI flags, with their defaults; a bad value is exit 2 with the field,
 * the value and what is allowed.
 */
import { describe, expect, it } from '@jest/globals'
import { EXIT, main } from '../../src/cli.js'
import { parseArgv } from '../../src/config/argv.js'
import { loadConfig } from '../../src/config/load.js'
import { captureIo } from '../e2e/cli-io.js'
import { fixture, makeProject, thrown } from './test-helpers.js'

const URL = 'ws://127.0.0.1:1/ws'

function fromFlags(...args: string[]) {
  const { flags } = parseArgv(['run', `--url=${URL}`, ...args])
  return loadConfig({ env: {}, cwd: fixture('none'), flags })
}

describe('open-loop latency settings', () => {
  it('default to open loop at 200 probes/s over 1 connection with 1000 in flight', () => {
    const config = fromFlags()
    expect(config).toMatchObject({
      latencyMode: 'open',
      probeRate: 200,
      latencyConnections: 1,
      maxInFlight: 1_000
    })
  })

  it('are read from CLI flags', () => {
    const config = fromFlags(
      '--latency-mode',
      'closed',
      '--probe-rate',
      '1500',
      '--latency-connections',
      '4',
      '--max-in-flight',
      '64'
    )
    expect(config).toMatchObject({
      latencyMode: 'closed',
      probeRate: 1_500,
      latencyConnections: 4,
      maxInFlight: 64
    })
  })

  it('are read from the config file', () => {
    const project = makeProject({
      'ws.json': JSON.stringify({
        latency_mode: 'closed',
        probe_rate: 50,
        latency_connections: 2,
        max_in_flight: 10
      })
    })
    try {
      const config = loadConfig({
        env: {},
        cwd: project.dir,
        flags: { url: URL, configFile: 'ws.json' }
      })
      expect(config).toMatchObject({
        latencyMode: 'closed',
        probeRate: 50,
        latencyConnections: 2,
        maxInFlight: 10
      })
    } finally {
      project.cleanup()
    }
  })

  it.each([
    [
      ['--latency-mode', 'half'],
      ['--latency-mode', '"half"', 'open', 'closed']
    ],
    [
      ['--probe-rate', '0'],
      ['--probe-rate', '0']
    ],
    [
      ['--probe-rate', 'fast'],
      ['--probe-rate', '"fast"']
    ],
    [
      ['--latency-connections', '1.5'],
      ['--latency-connections', 'integer']
    ],
    [
      ['--max-in-flight', '0'],
      ['--max-in-flight', '>= 1']
    ]
  ])('refuses %j naming the flag, the value and what is allowed', (args, parts) => {
    const error = thrown(() => fromFlags(...args))
    expect(error.code).toBe('WSH_ERR_CONFIG')
    for (const part of parts) expect(error.message).toContain(part)
  })

  it('exits 2 from the CLI on a bad value, before any connection', async () => {
    const io = captureIo()
    const code = await main(['run', '--url', URL, '--latency-mode', 'sometimes'], io)
    expect(code).toBe(EXIT.usage)
    expect(io.err()).toContain('--latency-mode')
    expect(io.err()).toContain('"sometimes"')
  })
})
