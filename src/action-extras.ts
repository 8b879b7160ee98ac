/**
 * The action's discovery and history parts, kept out of src/main.ts so its
 * glue stays short: the target when `url` is empty (discovered in
 * GITHUB_WORKSPACE), annotations for discovery warnings and trend alerts,
 * and the run history after a run. Never calls core.setFailed.
 */
import type * as ActionsCore from '@actions/core'
import { EOL } from 'node:os'
import { actionWorkspace, runEnvironment } from './config/environment.js'
import type { Config } from './config/schema.js'
import type { DiscoveryError } from './discovery/describe.js'
import { describeWarning } from './discovery/describe.js'
import { resolveTarget, toReportDiscovery } from './discovery/resolve-target.js'
import type { DiscoveryWarning } from './discovery/types.js'
import { runHealthCheck } from './run/run.js'
import type { RunReport } from './engine/model.js'
import { isHealthError } from './errors.js'
import type { Severity } from './history/baseline.js'
import { keepRunHistory } from './history/run-history.js'
import type { TrendReport } from './history/trend.js'
import { systemClock } from './metrics/clock.js'
import { checkAnnotations } from './report/annotations.js'
import { buildDiscoveryFailureSummary } from './report/discovery-section.js'
import { startLiveOutput } from './report/live-output.js'

type Core = typeof ActionsCore

/** Discovery warnings as annotations on the project file and line they concern. */
function annotateDiscoveryWarnings(core: Core, warnings: readonly DiscoveryWarning[]): void {
  for (const warning of warnings) {
    const onFile = !warning.file.startsWith('env ')
    core.warning(describeWarning(warning), {
      title: 'ws-health discovery',
      ...(onFile ? { file: warning.file, startLine: warning.line } : {})
    })
  }
}

/**
 * Runs the health check against `url`, or against the endpoint discovered in
 * GITHUB_WORKSPACE when `url` is empty, and records the discovery on the report.
 * `signal` (SIGINT/SIGTERM) cancels the run: the report comes back marked cancelled.
 * @throws HealthError WSH_ERR_DISCOVERY (listing what was tried) when nothing was found
 */
export async function runActionCheck(config: Config, signal?: AbortSignal): Promise<RunReport> {
  const env = runEnvironment()
  const target = await resolveTarget(config, { dir: actionWorkspace(env), env, signal })
  if (target.discovery) {
    // Discovery took its probes' time already; what it found is annotated at once.
    const core = await import('@actions/core')
    annotateDiscoveryWarnings(core, target.discovery.warnings)
    core.info(`No url given; discovered ${target.url}`)
  }
  // The step's log shows the run as it goes: start line, a group per suite, progress every 10 s.
  // Lines go to stdout as core.info writes them; core itself is loaded after the run.
  const log = {
    isTTY: false,
    write: (text: string) => process.stdout.write(`${text.replace(/\n$/, '')}${EOL}`)
  }
  const live = startLiveOutput({
    config,
    url: target.url,
    human: log,
    terminal: log,
    github: env.GITHUB_ACTIONS === 'true',
    quiet: false,
    clock: systemClock
  })
  let report: RunReport
  try {
    report = await runHealthCheck(
      { ...config, url: target.url },
      { onProgress: live.onProgress, onSuiteEnd: live.onSuiteEnd, signal }
    )
  } finally {
    live.stop()
  }
  if (target.discovery) report.discovery = toReportDiscovery(target.discovery)
  return report
}

/**
 * The step summary for a run that discovery could not start (what was tried,
 * why each was rejected), with its warnings annotated; undefined for any other error.
 */
export function discoveryFailureSummary(core: Core, error: unknown): string | undefined {
  if (!isHealthError(error) || error.code !== 'WSH_ERR_DISCOVERY') return undefined
  const result = (error as DiscoveryError).discovery
  if (result === undefined) return undefined
  annotateDiscoveryWarnings(core, result.warnings)
  return buildDiscoveryFailureSummary(result)
}

/**
 * An error annotation for each failed check and a warning for each degraded
 * one, titled `<suite> / <check>` (src/report/annotations.ts); they describe
 * the verdict and never set it.
 */
export function annotateChecks(core: Core, report: RunReport): void {
  for (const { level, title, message } of checkAnnotations(report)) {
    if (level === 'error') core.error(message, { title })
    else core.warning(message, { title })
  }
}

/** The annotation a trend alert of each severity becomes. */
const ANNOTATION_LEVEL: Record<Severity, 'error' | 'warning' | 'notice'> = {
  critical: 'error',
  warning: 'warning',
  info: 'notice'
}

/**
 * Keeps the run history (history_file / history_branch): sets report.trend,
 * annotates each trend alert (critical as error, warning, info as notice;
 * none of them fails the step) and resolves with the `predictive_alert`
 * value with the trend (for alert_issue). History problems are warnings.
 */
export async function keepActionHistory(
  core: Core,
  report: RunReport,
  config: Config
): Promise<{ predictive: boolean; trend: TrendReport | null }> {
  // A cancelled run is not history: it would skew baselines (keepRunHistory skips it too).
  if (report.status === 'cancelled') return { predictive: false, trend: null }
  const { outcome, warnings } = await keepRunHistory(report, config, {
    env: runEnvironment(),
    token: config.githubToken
  })
  for (const warning of warnings) core.warning(warning, { title: 'ws-health history' })
  if (outcome === null) return { predictive: false, trend: null }
  for (const alert of outcome.alerts) {
    core[ANNOTATION_LEVEL[alert.severity]](alert.text, {
      title: `ws-health trend (${alert.severity})`
    })
  }
  if (outcome.count !== null) core.info(`Run history: ${outcome.count} run(s) kept`)
  return { predictive: outcome.predictive, trend: outcome.trend }
}
