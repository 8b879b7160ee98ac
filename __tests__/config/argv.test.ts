import { describe, it, expect } from '@jest/globals'
import { parseArgv, usage } from '../../src/config/argv.js'
import { loadConfig } from '../../src/config/load.js'
import { fixture, thrown } from './test-helpers.js'

function argvError(argv: string[]): string {
  const error = thrown(() => parseArgv(argv))
  expect(error.code).toBe('WSH_ERR_CONFIG')
  return error.message
}

describe('parseArgv', () => {
  it('parses every run flag of the CLI contract into schema paths', () => {
    const parsed = parseArgv([
      'run',
      '--url',
      'ws://127.0.0.1:1/ws',
      '--suites',
      'all',
      '--duration',
      '5',
      '--connections',
      '3',
      '--chaos',
      '--stress',
      '--config',
      'c.json',
      '--environment',
      'ci',
      '--protocol',
      'json',
      '--report',
      'out.json',
      '--fail-on',
      'degraded',
      '--seed',
      '7'
    ])
    expect(parsed).toEqual({
      command: 'run',
      positionals: [],
      output: {},
      flags: {
        url: 'ws://127.0.0.1:1/ws',
        suites: 'all',
        duration: '5',
        connectionCount: '3',
        chaosMode: true,
        stressTest: true,
        configFile: 'c.json',
        environment: 'ci',
        protocol: 'json',
        reportPath: 'out.json',
        failOn: 'degraded',
        chaosSeed: '7'
      }
    })
  })

  it('produces flags loadConfig validates, with flag names in messages', () => {
    const ok = parseArgv(['run', '--url=ws://127.0.0.1:1/ws', '--connections', '4', '--chaos=no'])
    const config = loadConfig({ env: {}, cwd: fixture('none'), flags: ok.flags })
    expect(config.connectionCount).toBe(4)
    expect(config.chaosMode).toBe(false)
    const bad = parseArgv(['run', '--connections', 'ten'])
    expect(
      thrown(() => loadConfig({ env: {}, cwd: fixture('none'), flags: bad.flags })).message
    ).toContain('--connections: expected an integer >= 1, got "ten"')
  })

  it('--open-rate sets open_rate and is validated under its flag name', () => {
    const ok = parseArgv(['run', '--url=ws://127.0.0.1:1/ws', '--open-rate', '50'])
    expect(ok.flags).toMatchObject({ openRatePerSec: '50' })
    expect(loadConfig({ env: {}, cwd: fixture('none'), flags: ok.flags }).openRatePerSec).toBe(50)
    const bad = parseArgv(['run', '--open-rate', '0'])
    expect(
      thrown(() => loadConfig({ env: {}, cwd: fixture('none'), flags: bad.flags })).message
    ).toContain('--open-rate')
  })

  it('parses serve, discover and merge', () => {
    expect(parseArgv(['serve'])).toEqual({ command: 'serve', flags: {}, positionals: [] })
    expect(parseArgv(['serve', '--port', '0'])).toEqual({
      command: 'serve',
      flags: { port: 0 },
      positionals: []
    })
    expect(parseArgv(['discover'])).toEqual({ command: 'discover', flags: {}, positionals: [] })
    expect(parseArgv(['discover', 'app'])).toEqual({
      command: 'discover',
      flags: {},
      positionals: ['app']
    })
    expect(parseArgv(['merge', 'a.json', 'b.json', '--report', 'all.json'])).toEqual({
      command: 'merge',
      flags: { reportPath: 'all.json' },
      positionals: ['a.json', 'b.json'],
      output: {}
    })
  })

  it('recognises help and version', () => {
    expect(parseArgv([]).command).toBe('help')
    expect(parseArgv(['--help']).command).toBe('help')
    expect(parseArgv(['-h']).command).toBe('help')
    expect(parseArgv(['run', '--url', 'ws://x', '--help']).command).toBe('help')
    expect(parseArgv(['--version']).command).toBe('version')
    expect(usage()).toContain('ws-health run [--url URL]')
    expect(usage()).toContain('ws-health history FILE')
    expect(usage()).toContain('merge FILE... [--report FILE]')
  })

  it('rejects an unknown command, listing the commands and suggesting a close one', () => {
    expect(argvError(['start'])).toBe(
      'unknown command "start"; expected one of run, serve, discover, history, merge, --help, --version'
    )
    expect(argvError(['rnu'])).toBe(
      'unknown command "rnu"; did you mean "run"? expected one of run, serve, discover, history, merge, --help, --version'
    )
    expect(argvError(['mrege', 'a.json'])).toContain('did you mean "merge"?')
    expect(argvError(['help', 'serv'])).toContain('did you mean "serve"?')
  })

  it("asks for one command's help with <command> --help or help <command>", () => {
    expect(parseArgv(['run', '--url', 'ws://x', '--help'])).toMatchObject({
      command: 'help',
      topic: 'run'
    })
    expect(parseArgv(['merge', '--bogus', '--help'])).toMatchObject({ topic: 'merge' })
    expect(parseArgv(['help', 'serve'])).toMatchObject({ command: 'help', topic: 'serve' })
    expect(parseArgv(['--help']).topic).toBeUndefined()
  })

  it('parses the output flags of run and merge apart from the settings', () => {
    const run = parseArgv(['run', '--json', '--quiet', '--verbose', '--no-color'])
    expect(run.output).toEqual({ json: true, quiet: true, verbose: true, noColor: true })
    expect(run.flags).toEqual({})
    expect(parseArgv(['merge', 'a.json', '--json']).output).toEqual({ json: true })
    expect(argvError(['run', '--json=yes'])).toBe('--json: takes no value (got "yes")')
    expect(argvError(['serve', '--json'])).toContain('unknown option --json for "ws-health serve"')
  })

  it('rejects an unknown flag, suggesting the closest flag or listing the allowed ones', () => {
    expect(argvError(['run', '--conections', '3'])).toBe(
      'unknown option --conections for "ws-health run"; did you mean --connections?'
    )
    expect(argvError(['run', '--duratoin', '5'])).toBe(
      'unknown option --duratoin for "ws-health run"; did you mean --duration?'
    )
    expect(argvError(['run', '--bogus'])).toContain(
      'unknown option --bogus for "ws-health run"; allowed: --url, --suites, --duration, --connections'
    )
    expect(argvError(['serve', '--url', 'x'])).toBe(
      'unknown option --url for "ws-health serve"; allowed: --port, --help'
    )
  })

  it('rejects missing values, stray arguments and bad ports', () => {
    expect(argvError(['run', '--url'])).toBe('--url: expected a value after it')
    expect(argvError(['run', '--url', '--chaos'])).toBe('--url: expected a value after it')
    expect(argvError(['run', 'ws://x'])).toContain('unexpected argument "ws://x"')
    expect(argvError(['discover', 'a', 'b'])).toContain('unexpected argument "b"')
    expect(argvError(['merge'])).toContain('expected one or more report files')
    expect(argvError(['serve', '--port', '70000'])).toBe(
      '--port: expected an integer from 0 to 65535, got "70000"'
    )
  })
})
