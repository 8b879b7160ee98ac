/**
 * The CLI's discovery and history parts, kept out of src/cli.ts so its
 * glue stays short: `ws-health discover [DIR]`, `ws-health history FILE`,
 * the run's target when --url is missing, and the run history after a run.
 * What only one command needs is imported when that command runs, so a
 * start-up evaluates no more than it uses (BENCHMARKS.md, (e)).
 */
import type { CliIo } from './cli.js'
import type { ParsedArgv } from './config/argv.js'
import { loadConfig } from './config/load.js'
import type { Config } from './config/schema.js'
import { describeDiscovery, describeWarning } from './discovery/describe.js'
import {
  discoverWithConfig,
  resolveTarget,
  toReportDiscovery,
  type ResolvedTarget
} from './discovery/resolve-target.js'
import type { RunReport } from './engine/model.js'
import { HealthError, isHealthError } from './errors.js'
import type { HistoryOutcome } from './history/run-history.js'
import type { BranchLocation } from './history/branch-store.js'

const EXIT_FOUND = 0
const EXIT_NOT_FOUND = 1

/** The directory a command works in: io.cwd (tests) or the process's working directory. */
export function workingDir(io: CliIo): string {
  return io.cwd ?? process.cwd()
}

/**
 * `ws-health discover [DIR]`: prints the candidates, every attempt and the
 * chosen URL. Exit 0 when an endpoint upgraded, 1 when none did; a DIR that
 * does not exist is a usage error (HealthError WSH_ERR_CONFIG, exit 2).
 */
export async function discoverCommand(
  parsed: ParsedArgv,
  io: CliIo,
  signal: AbortSignal
): Promise<number> {
  const dir = parsed.positionals[0] ?? workingDir(io)
  const config = loadConfig({ env: io.env, cwd: dir })
  const result = await discoverWithConfig(config, { dir, env: io.env, signal })
  io.stdout.write(`${describeDiscovery(result).join('\n')}\n`)
  return result.url === null ? EXIT_NOT_FOUND : EXIT_FOUND
}

/**
 * `ws-health history FILE` or `ws-health history --history-branch NAME`: the
 * trend analysis of a run history (exit 0; 2 for a bad FILE, a missing
 * token or repository, or both a FILE and a branch).
 */
export async function historyCommand(parsed: ParsedArgv, io: CliIo): Promise<number> {
  const { repo, ...flags } = parsed.flags
  const config = loadConfig({ flags, env: io.env, cwd: workingDir(io) })
  const file = parsed.positionals[0]
  const { viewBranchHistory, viewHistory } = await import('./commands/history-command.js')
  const view =
    file !== undefined && flags.historyBranch === undefined
      ? await viewHistory(file, config)
      : await viewBranchHistory(branchToRead(file, config, repo, io.env), config)
  for (const warning of view.warnings) io.stderr.write(`ws-health: warning: ${warning}\n`)
  io.stdout.write(`${view.lines.join('\n')}\n`)
  return EXIT_FOUND
}

/** Where `ws-health history` reads a branch: the config's branch and path, the repo and a token from the environment. */
function branchToRead(
  file: string | undefined,
  config: Config,
  repoFlag: unknown,
  env: CliIo['env']
): BranchLocation {
  if (file !== undefined) {
    throw new HealthError(
      'WSH_ERR_CONFIG',
      `ws-health history: got both a FILE (${JSON.stringify(file)}) and --history-branch; give one`
    )
  }
  if (config.historyBranch === undefined) {
    throw new HealthError(
      'WSH_ERR_CONFIG',
      'ws-health history: expected a history FILE or --history-branch NAME, got neither'
    )
  }
  const slug = typeof repoFlag === 'string' ? repoFlag : (env.GITHUB_REPOSITORY ?? '')
  const [owner, repo, extra] = slug.split('/')
  if (!owner || !repo || extra !== undefined) {
    throw new HealthError(
      'WSH_ERR_CONFIG',
      `ws-health history: --repo: expected OWNER/NAME (or GITHUB_REPOSITORY), got ${JSON.stringify(slug)}`
    )
  }
  const token = env.GITHUB_TOKEN || env.GH_TOKEN || ''
  if (token === '') {
    throw new HealthError(
      'WSH_ERR_CONFIG',
      'ws-health history: reading --history-branch needs a token in GITHUB_TOKEN or GH_TOKEN (contents: read)'
    )
  }
  return {
    token,
    apiUrl: env.GITHUB_API_URL || undefined,
    owner,
    repo,
    branch: config.historyBranch,
    path: config.historyPath
  }
}

/**
 * The URL a run checks: --url, or discovery in the working directory.
 * Discovery warnings (malformed project files) go to stderr with file:line.
 * Null when discovery found nothing: the WSH_ERR_DISCOVERY message listing
 * what was tried is on stderr and the run is a failure (exit 1), never a pass.
 */
export async function resolveRunTarget(
  config: Config,
  io: CliIo,
  signal: AbortSignal
): Promise<ResolvedTarget | null> {
  let target: ResolvedTarget
  try {
    target = await resolveTarget(config, { dir: workingDir(io), env: io.env, signal })
  } catch (error) {
    if (!isHealthError(error) || error.code !== 'WSH_ERR_DISCOVERY') throw error
    io.stderr.write(`ws-health: ${error.message}\n`)
    return null
  }
  if (target.discovery) {
    for (const warning of target.discovery.warnings) {
      io.stderr.write(`ws-health: warning: ${describeWarning(warning)}\n`)
    }
    io.stderr.write(`ws-health: no --url given; discovered ${target.url}\n`)
  }
  return target
}

/** Records discovery on the report, then keeps the run history (--history); warnings go to stderr. */
export async function finishRunReport(
  report: RunReport,
  config: Config,
  target: ResolvedTarget,
  io: CliIo
): Promise<HistoryOutcome | null> {
  if (target.discovery) report.discovery = toReportDiscovery(target.discovery)
  // Loaded here, after the run: the history records' schemas and the trend
  // statistics are not worth building before the first connection.
  const { keepRunHistory } = await import('./history/run-history.js')
  const { outcome, warnings } = await keepRunHistory(report, config, {
    env: io.env,
    token: config.githubToken || io.env.GITHUB_TOKEN || io.env.GH_TOKEN || undefined
  })
  for (const warning of warnings) io.stderr.write(`ws-health: warning: ${warning}\n`)
  return outcome
}
