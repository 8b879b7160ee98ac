/**
 * Per-command help (`ws-health <command> --help`): every flag of the command
 * with what it does, its default and an example. Defaults of settings are
 * read from the config schema (the one home of defaults), so help never
 * drifts from what a run uses.
 */
import { COMMANDS, usage, type CommandName } from './config/argv.js'
import { FLAG_KEYS } from './config/fields.js'
import { ConfigSchema } from './config/schema.js'

export interface FlagHelp {
  /** Placeholder of the value (`S`, `URL`); none for a switch. */
  value?: string
  text: string
  /** The default in words, where the schema has none or it needs explaining. */
  defaultText?: string
  example: string
}

interface CommandHelp {
  synopsis: string
  summary: string[]
  flags: Record<string, FlagHelp>
}

const OUTPUT_FLAGS: Record<string, FlagHelp> = {
  json: {
    text: 'Print the JSON report on stdout; the human report and log go to stderr.',
    defaultText: 'off',
    example: '--json > report.json'
  },
  quiet: {
    text: 'Print only the verdict line (under GitHub Actions, annotations too).',
    defaultText: 'off',
    example: '--quiet'
  },
  verbose: {
    text: 'Add the per-connection lines (messages, latency, heartbeats) to the report.',
    defaultText: 'off',
    example: '--verbose'
  },
  'no-color': {
    text: 'No ANSI colours (also when NO_COLOR is set).',
    defaultText: 'colours on a terminal',
    example: '--no-color'
  }
}

const RUN_FLAGS: Record<string, FlagHelp> = {
  url: {
    value: 'URL',
    text: 'ws:// or wss:// URL of the service under test.',
    defaultText: 'discovered from the project in the current directory',
    example: '--url ws://localhost:8001/ws'
  },
  suites: {
    value: 'all|id,id',
    text: 'Suites to run: all, or a comma-separated list of suite ids.',
    defaultText: 'all',
    example: '--suites connection-lifecycle,message-delivery'
  },
  duration: {
    value: 'S',
    text: 'Seconds spent sampling (latency, heartbeat, concurrency), 1-86400.',
    example: '--duration 30'
  },
  connections: {
    value: 'N',
    text: 'Simultaneous connections to open.',
    example: '--connections 50'
  },
  chaos: {
    text: 'Run the chaos relay (latency, loss, disconnects) between client and service.',
    example: '--chaos'
  },
  stress: {
    text: 'Ramp load beyond --connections to find where thresholds break.',
    example: '--stress'
  },
  'protocol-violations': {
    text: 'Send one invalid frame after every other check and check the service survives it.',
    example: '--protocol-violations'
  },
  'no-protocol-violations': {
    text: 'Turn the protocol-violation probe off.',
    defaultText: 'the probe runs',
    example: '--no-protocol-violations'
  },
  'max-connections': {
    value: 'N',
    text: 'Upper bound on connections in stress mode.',
    example: '--max-connections 5000'
  },
  'open-rate': {
    value: 'N',
    text: 'Connections opened per second at most.',
    example: '--open-rate 50'
  },
  config: {
    value: 'FILE',
    text: 'JSON config file (seed format).',
    defaultText: '.github/websocket-test-config.json when present',
    example: '--config ws-health.json'
  },
  environment: {
    value: 'NAME',
    text: 'environments.<NAME> block of the config file to overlay.',
    example: '--environment staging'
  },
  protocol: {
    value: 'echo|json',
    text: 'Probe protocol: echo, or json (template request, matched reply).',
    example: '--protocol json'
  },
  report: {
    value: 'FILE|-',
    text: 'Write the JSON report to FILE; - prints it on stdout (human output to stderr).',
    defaultText: 'no file',
    example: '--report ws-health-report.json'
  },
  'fail-on': {
    value: 'failed|degraded|never',
    text: 'Which verdict makes the exit code 1.',
    example: '--fail-on degraded'
  },
  seed: {
    value: 'N',
    text: 'Seed (0-4294967295) that makes a chaos run reproducible.',
    defaultText: 'random (printed in the report)',
    example: '--seed 42'
  },
  history: {
    value: 'FILE',
    text: 'JSON-lines run history: append this run, report trends and regressions.',
    example: '--history .ws-health/history.jsonl'
  },
  'history-keep': {
    value: 'N',
    text: 'Runs the history keeps.',
    example: '--history-keep 500'
  },
  'history-branch': {
    value: 'NAME',
    text: 'Keep the history on a branch through the GitHub API (GITHUB_TOKEN).',
    example: '--history-branch ws-health-history'
  },
  'history-path': {
    value: 'P',
    text: 'Path of the history file inside --history-branch.',
    example: '--history-path ws-health/history.jsonl'
  },
  'discovery-timeout': {
    value: 'MS',
    text: 'Without --url: limit of each port check and handshake of discovery.',
    example: '--discovery-timeout 5000'
  },
  shard: {
    value: 'K/N',
    text: 'Run shard K of N (merge the shards with ws-health merge).',
    example: '--shard 2/4'
  },
  'server-command': {
    value: 'CMD',
    text: 'Shell command that starts the service first (stopped afterwards).',
    example: "--server-command 'node server.js'"
  },
  'server-ready-timeout': {
    value: 'S',
    text: 'Seconds to wait for --server-command to accept handshakes.',
    example: '--server-ready-timeout 60'
  },
  'max-reconnect-attempts': {
    value: 'N',
    text: 'Reconnect attempts per recovery before the self-healing client gives up.',
    example: '--max-reconnect-attempts 8'
  },
  'idle-ms': {
    value: 'MS',
    text: 'Milliseconds heartbeat-monitoring keeps one connection idle.',
    defaultText: "the suite's share of --duration, at most 120000",
    example: '--idle-ms 90000'
  },
  'min-message-bytes': {
    value: 'N',
    text: 'Smallest message size (bytes) the service must accept.',
    defaultText: 'no minimum',
    example: '--min-message-bytes 1048576'
  },
  'max-message-bytes': {
    value: 'N',
    text: 'Largest message size (bytes) the client accepts from the service.',
    defaultText: 'twice the largest probe',
    example: '--max-message-bytes 16777216'
  },
  compression: {
    text: 'Offer permessage-deflate.',
    example: '--compression'
  },
  p50: {
    value: 'MS',
    text: 'Maximum p50 round-trip latency in ms; set here, a miss fails the run (unless --fail-on never).',
    example: '--p50 50'
  },
  p95: {
    value: 'MS',
    text: 'Maximum p95 round-trip latency in ms; set here, a miss fails the run (unless --fail-on never).',
    example: '--p95 200'
  },
  p99: {
    value: 'MS',
    text: 'Maximum p99 round-trip latency in ms; unset p50/p95 limits are lowered to fit it.',
    example: '--p99 300'
  },
  'success-rate': {
    value: 'R',
    text: 'Minimum share of probes that succeed, 0-1; set here, a miss fails the run.',
    example: '--success-rate 0.99'
  },
  'fail-on-regression': {
    text: 'Also fail (exit 1) on a regression against the history baseline (needs --history).',
    example: '--fail-on-regression --history runs.jsonl'
  },
  'latency-mode': {
    value: 'open|closed',
    text: 'open: probes on a fixed schedule, timed from their intended send; closed: each waits for the last reply.',
    example: '--latency-mode closed'
  },
  'probe-rate': {
    value: 'N',
    text: 'Open-loop latency probes per second, over all latency connections.',
    example: '--probe-rate 1000'
  },
  'latency-connections': {
    value: 'N',
    text: 'Connections the open-loop latency probes are spread over.',
    example: '--latency-connections 4'
  },
  'max-in-flight': {
    value: 'N',
    text: 'Open-loop probes outstanding at most; one due beyond it fails as backlogged.',
    example: '--max-in-flight 500'
  },
  ...OUTPUT_FLAGS
}

const HELP: Record<CommandName, CommandHelp> = {
  run: {
    synopsis: 'ws-health run [--url URL] [flags]',
    summary: [
      'Validate the WebSocket service at URL with the six suites and print the report.',
      'Settings not given as flags come from environment variables, then the config',
      'file, then the defaults shown. Exit 0 healthy, 1 failed validation, 2 bad usage.'
    ],
    flags: RUN_FLAGS
  },
  serve: {
    synopsis: 'ws-health serve [--port N]',
    summary: ['Start the embedded reference server (echo, with session resume) until Ctrl+C.'],
    flags: {
      port: {
        value: 'N',
        text: 'Port to listen on, 0-65535 (0 = any free port).',
        defaultText: '0',
        example: '--port 8001'
      }
    }
  },
  discover: {
    synopsis: 'ws-health discover [DIR]',
    summary: [
      'Find WebSocket endpoints from the project files in DIR (default: the current',
      'directory) and probe them on localhost. Exit 0 found, 1 not found.',
      'Example: ws-health discover ./my-service'
    ],
    flags: {}
  },
  merge: {
    synopsis: 'ws-health merge FILE... [flags]',
    summary: [
      'Merge the JSON reports of several jobs (shards, a matrix) into one report.',
      'Example: ws-health merge reports/*.json --report merged.json'
    ],
    flags: {
      report: RUN_FLAGS.report as FlagHelp,
      'fail-on': RUN_FLAGS['fail-on'] as FlagHelp,
      ...OUTPUT_FLAGS
    }
  },
  history: {
    synopsis: 'ws-health history FILE | --history-branch NAME [flags]',
    summary: [
      'Trend analysis of a run history: last runs, baselines, regressions, predictions.',
      'A branch is read through the GitHub API with GITHUB_TOKEN (or GH_TOKEN).'
    ],
    flags: {
      config: RUN_FLAGS.config as FlagHelp,
      environment: RUN_FLAGS.environment as FlagHelp,
      'history-branch': RUN_FLAGS['history-branch'] as FlagHelp,
      'history-path': RUN_FLAGS['history-path'] as FlagHelp,
      repo: {
        value: 'OWNER/NAME',
        text: 'Repository whose --history-branch is read.',
        defaultText: 'GITHUB_REPOSITORY',
        example: '--repo octo/chat'
      }
    }
  }
}

/** The documented flags of a command (a test checks they are exactly the parsed ones). */
export function documentedFlags(command: CommandName): string[] {
  return Object.keys(HELP[command].flags)
}

/** A schema default as typed on the command line (`60`, `off`, `all`), or undefined when none. */
function schemaDefault(flag: string): string | undefined {
  const path = FLAG_KEYS.get(flag)?.path
  if (path === undefined) return undefined
  let value: unknown = ConfigSchema.parse({})
  for (const key of path.split('.')) {
    value = (value as Record<string, unknown> | undefined)?.[key]
  }
  if (value === undefined) return undefined
  if (typeof value === 'boolean') return value ? 'on' : 'off'
  return Array.isArray(value) ? value.join(',') : String(value)
}

function flagLines(name: string, help: FlagHelp | undefined): string[] {
  const head = `  --${name}${help?.value ? ` ${help.value}` : ''}`
  const fallback = 'See docs/cli.md.'
  const defaultText = help?.defaultText ?? schemaDefault(name) ?? 'none'
  return [
    head,
    `      ${help?.text ?? fallback}`,
    `      Default: ${defaultText}.${help ? ` Example: ${help.example}` : ''}`
  ]
}

/** Help for one command, or the overview (usage()) without one. */
export function commandHelp(command: CommandName | undefined): string {
  if (command === undefined) return usage()
  const help = HELP[command]
  const flags = Object.keys(COMMANDS[command])
  const lines = [`Usage: ${help.synopsis}`, '', ...help.summary.map((line) => `  ${line}`)]
  if (flags.length > 0) {
    lines.push('', 'Flags:')
    for (const name of flags) lines.push(...flagLines(name, help.flags[name]))
  }
  lines.push('  --help', '      This help.', '', 'All commands: ws-health --help')
  return lines.join('\n')
}
