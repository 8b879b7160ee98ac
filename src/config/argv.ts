/**
 * Parses `ws-health` arguments (DESIGN.md CLI contract) into a command, raw
 * settings keyed by schema path, and positionals. Values stay raw strings;
 * loadConfig() validates them with the rest of the configuration.
 */
import { parseArgs } from 'node:util'
import { HealthError } from '../errors.js'
import { closestName } from './did-you-mean.js'
import { FLAG_KEYS } from './fields.js'
import type { RawSettings } from './load.js'

export type Command = 'run' | 'serve' | 'discover' | 'merge' | 'history' | 'help' | 'version'

/** A command with flags of its own (`ws-health <command> --help` describes it). */
export type CommandName = Exclude<Command, 'help' | 'version'>

/**
 * How `run` and `merge` present their result; not settings of the check, so
 * they never reach the config schema.
 */
export interface OutputFlags {
  /** `--json`: the JSON report on stdout, human output on stderr. */
  json?: boolean
  /** `--quiet`: the verdict line only. */
  quiet?: boolean
  /** `--verbose`: per-connection lines in the console report. */
  verbose?: boolean
  /** `--no-color`: no ANSI colours, whatever the terminal. */
  noColor?: boolean
}

export interface ParsedArgv {
  command: Command
  /** `help`: the command whose help was asked for (`ws-health run --help`); none for the overview. */
  topic?: CommandName
  /**
   * `run`: schema paths (`url`, `connectionCount`, `chaosMode`, ...) with raw values.
   * `merge`: `reportPath`. `serve`: `port` (an integer 0-65535, already checked).
   * `history`: config paths plus `repo` (OWNER/NAME), which is not a config setting.
   */
  flags: RawSettings
  /** `discover`: at most one DIR; `merge`: one or more report files; `history`: at most one FILE. */
  positionals: string[]
  /** `run` and `merge`: output flags (`--json`, `--quiet`, `--verbose`, `--no-color`). */
  output?: OutputFlags
}

type OptionType = 'string' | 'boolean'

const RUN_OPTIONS: Record<string, OptionType> = {
  url: 'string',
  suites: 'string',
  duration: 'string',
  connections: 'string',
  chaos: 'boolean',
  stress: 'boolean',
  'protocol-violations': 'boolean',
  // The negation of a boolean flag: `--no-<flag>` sets it to false.
  'no-protocol-violations': 'boolean',
  'max-connections': 'string',
  'open-rate': 'string',
  'probe-rate': 'string',
  'latency-connections': 'string',
  'latency-mode': 'string',
  'max-in-flight': 'string',
  config: 'string',
  environment: 'string',
  protocol: 'string',
  report: 'string',
  'fail-on': 'string',
  'fail-on-regression': 'boolean',
  p50: 'string',
  p95: 'string',
  p99: 'string',
  'success-rate': 'string',
  seed: 'string',
  history: 'string',
  'history-keep': 'string',
  'history-branch': 'string',
  'history-path': 'string',
  'discovery-timeout': 'string',
  shard: 'string',
  'server-command': 'string',
  'server-ready-timeout': 'string',
  'max-reconnect-attempts': 'string',
  'idle-ms': 'string',
  'min-message-bytes': 'string',
  'max-message-bytes': 'string',
  compression: 'boolean'
}

/** Output flags of `run` and `merge`, and the OutputFlags key each sets. */
const OUTPUT_OPTIONS: Record<string, keyof OutputFlags> = {
  json: 'json',
  quiet: 'quiet',
  verbose: 'verbose',
  'no-color': 'noColor'
}
const OUTPUT_TYPES: Record<string, OptionType> = Object.fromEntries(
  Object.keys(OUTPUT_OPTIONS).map((name) => [name, 'boolean'])
)

/** The flags of each command (src/cli-help.ts documents every one). */
export const COMMANDS: Record<CommandName, Record<string, OptionType>> = {
  run: { ...RUN_OPTIONS, ...OUTPUT_TYPES },
  serve: { port: 'string' },
  discover: {},
  history: {
    config: 'string',
    environment: 'string',
    'history-branch': 'string',
    'history-path': 'string',
    repo: 'string'
  },
  merge: { report: 'string', 'fail-on': 'string', ...OUTPUT_TYPES }
}

/** `--help` anywhere after a command, or `ws-health help <command>`. */
function helpFor(topic: CommandName | undefined): ParsedArgv {
  return { command: 'help', ...(topic ? { topic } : {}), flags: {}, positionals: [] }
}

function unknownCommand(typed: string): HealthError {
  const known = Object.keys(COMMANDS)
  const guess = closestName(typed, known)
  const hint = guess ? `did you mean "${guess}"? ` : ''
  return new HealthError(
    'WSH_ERR_CONFIG',
    `unknown command ${JSON.stringify(typed)}; ${hint}expected one of ${known.join(', ')}, --help, --version`
  )
}

function unknownFlag(rawName: string, command: CommandName): HealthError {
  const names = Object.keys(COMMANDS[command]).map((name) => `--${name}`)
  const guess = closestName(rawName, [...names, '--help'])
  const hint = guess ? `did you mean ${guess}?` : `allowed: ${[...names, '--help'].join(', ')}`
  return new HealthError(
    'WSH_ERR_CONFIG',
    `unknown option ${rawName} for "ws-health ${command}"; ${hint}`
  )
}

/** Help text for `ws-health --help`. */
export function usage(): string {
  return [
    'Usage:',
    '  ws-health run [--url URL] [--suites all|id,id] [--duration S] [--connections N]',
    '      [--chaos] [--stress] [--config FILE] [--environment NAME] [--protocol echo|json]',
    '      [--no-protocol-violations]',
    '      [--max-connections N] [--open-rate N]',
    '      [--latency-mode open|closed] [--probe-rate N] [--latency-connections N]',
    '      [--max-in-flight N]',
    '      [--report FILE] [--fail-on failed|degraded|never] [--seed N] [--shard K/N]',
    '      [--p50 MS] [--p95 MS] [--p99 MS] [--success-rate R] [--fail-on-regression]',
    '      [--history FILE] [--history-keep N] [--history-branch NAME] [--history-path P]',
    '      [--discovery-timeout MS]',
    '      [--server-command CMD] [--server-ready-timeout S] [--max-reconnect-attempts N]',
    '      [--idle-ms MS]',
    '      [--min-message-bytes N] [--max-message-bytes N] [--compression]',
    '      [--json] [--quiet] [--verbose] [--no-color]',
    '        Validate the WebSocket service at URL. Without --url, the endpoint is',
    '        discovered from the project in the current directory (see discover).',
    '        --history appends the run to a JSON-lines history and reports trends,',
    '        regressions and predicted threshold crossings. --report - or --json prints',
    '        the JSON report on stdout (human output then goes to stderr).',
    '        A threshold given as a flag (or input, env or config file) that the',
    '        service misses fails the run (exit 1) unless --fail-on never;',
    '        --fail-on-regression also fails it on a regression against the history.',
    '  ws-health serve [--port N]',
    '        Start the embedded reference server (port 0 = any free port).',
    '  ws-health discover [DIR]',
    '        Find WebSocket endpoints from the project files in DIR (default: the',
    '        current directory) and probe them on localhost; exit 0 found, 1 not found.',
    '  ws-health merge FILE... [--report FILE] [--fail-on failed|degraded|never]',
    '      [--json] [--quiet] [--verbose] [--no-color]',
    '        Merge JSON reports from several jobs into one.',
    '  ws-health history FILE [--config FILE] [--environment NAME]',
    '  ws-health history --history-branch NAME [--history-path P] [--repo OWNER/NAME]',
    '        Trend analysis of a run history: last runs, baselines, regressions, predictions.',
    '        A branch is read through the GitHub API with GITHUB_TOKEN (or GH_TOKEN);',
    '        --repo defaults to GITHUB_REPOSITORY.',
    '  ws-health --help | --version | <command> --help',
    '        <command> --help lists every flag of the command with its default and an example.',
    '',
    'Settings not given as flags come from environment variables (TEST_DURATION,',
    'CONNECTION_COUNT, ...), then the config file, then defaults.',
    '',
    'Exit codes: 0 healthy, 1 the service failed validation, 2 bad usage or configuration.'
  ].join('\n')
}

/**
 * Parses the arguments after `node cli.js` (process.argv.slice(2)).
 * @throws HealthError WSH_ERR_CONFIG naming an unknown command or option and listing the allowed ones.
 */
export function parseArgv(argv: readonly string[]): ParsedArgv {
  const [first, ...rest] = argv
  if (first === undefined || first === '--help' || first === '-h') return helpFor(undefined)
  if (first === 'help') {
    const topic = rest[0]
    if (topic === undefined) return helpFor(undefined)
    if (!Object.hasOwn(COMMANDS, topic)) throw unknownCommand(topic)
    return helpFor(topic as CommandName)
  }
  if (first === 'version' || first === '--version' || first === '-V') {
    return { command: 'version', flags: {}, positionals: [] }
  }
  if (!Object.hasOwn(COMMANDS, first)) throw unknownCommand(first)
  const command = first as CommandName
  const allowed = COMMANDS[command]
  const options = Object.fromEntries(
    Object.entries(allowed).map(([name, type]) => [name, { type }])
  )
  const { tokens } = parseArgs({
    args: [...rest],
    options: { ...options, help: { type: 'boolean', short: 'h' } },
    strict: false,
    allowPositionals: true,
    tokens: true
  })
  // --help wins over everything else on the line, even a mistyped flag before it.
  if (tokens.some((token) => token.kind === 'option' && token.name === 'help')) {
    return helpFor(command)
  }
  const flags: RawSettings = {}
  const output: OutputFlags = {}
  const positionals: string[] = []
  for (const token of tokens) {
    if (token.kind === 'positional') {
      positionals.push(token.value)
      continue
    }
    if (token.kind !== 'option') continue
    const type = allowed[token.name]
    if (type === undefined) throw unknownFlag(token.rawName, command)
    const value = token.value
    const outputKey = OUTPUT_OPTIONS[token.name]
    if (outputKey !== undefined) {
      if (value !== undefined) {
        throw new HealthError(
          'WSH_ERR_CONFIG',
          `${token.rawName}: takes no value (got ${JSON.stringify(value)})`
        )
      }
      output[outputKey] = true
      continue
    }
    if (
      type === 'string' &&
      (value === undefined || (!token.inlineValue && value.startsWith('--')))
    ) {
      throw new HealthError('WSH_ERR_CONFIG', `${token.rawName}: expected a value after it`)
    }
    // `--duration=` or `--duration ""` is a mistake, not a request for the default.
    if (type === 'string' && value !== undefined && value.trim() === '') {
      throw new HealthError(
        'WSH_ERR_CONFIG',
        `${token.rawName}: expected a value, got an empty string (leave the flag out for the default)`
      )
    }
    const negated = type === 'boolean' ? negatedFlag(token.name) : undefined
    if (negated !== undefined) {
      if (value !== undefined) {
        throw new HealthError(
          'WSH_ERR_CONFIG',
          `${token.rawName}: takes no value (got ${JSON.stringify(value)}); use --${token.name.slice(3)}=${value} instead`
        )
      }
      flags[negated] = false
      continue
    }
    flags[flagKey(command, token.name)] = type === 'boolean' ? (value ?? true) : value
  }
  checkPositionals(command, positionals)
  if (command === 'serve' && flags.port !== undefined) flags.port = parsePort(String(flags.port))
  return command === 'run' || command === 'merge'
    ? { command, flags, positionals, output }
    : { command, flags, positionals }
}

/** The schema path `--no-<flag>` turns off, when <flag> is a boolean setting. */
function negatedFlag(name: string): string | undefined {
  if (!name.startsWith('no-')) return undefined
  const spec = FLAG_KEYS.get(name.slice(3))
  return spec?.kind === 'boolean' ? spec.path : undefined
}

function flagKey(command: CommandName, name: string): string {
  if (command === 'serve') return name
  return FLAG_KEYS.get(name)?.path ?? name
}

function checkPositionals(command: CommandName, positionals: string[]): void {
  const extra = (limit: number) => {
    const unexpected = positionals.slice(limit).map((p) => JSON.stringify(p))
    return `unexpected argument${unexpected.length > 1 ? 's' : ''} ${unexpected.join(', ')} for "ws-health ${command}"`
  }
  if (command === 'merge' && positionals.length === 0) {
    throw new HealthError(
      'WSH_ERR_CONFIG',
      'ws-health merge: expected one or more report files, got none'
    )
  }
  // No FILE is allowed when --history-branch names the history (the command checks which).
  if (command === 'history' && positionals.length > 1) {
    throw new HealthError('WSH_ERR_CONFIG', extra(1))
  }
  if ((command === 'run' || command === 'serve') && positionals.length > 0) {
    throw new HealthError('WSH_ERR_CONFIG', extra(0))
  }
  if (command === 'discover' && positionals.length > 1) {
    throw new HealthError('WSH_ERR_CONFIG', extra(1))
  }
}

function parsePort(text: string): number {
  const port = /^\d+$/.test(text.trim()) ? Number(text.trim()) : Number.NaN
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new HealthError(
      'WSH_ERR_CONFIG',
      `--port: expected an integer from 0 to 65535, got ${JSON.stringify(text)}`
    )
  }
  return port
}
