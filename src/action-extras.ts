/**
 * The action's way to its run, kept out of src/main.ts so its glue stays
 * short: the target when `url` is empty (discovered in GITHUB_WORKSPACE,
 * its warnings annotated), and the run with its live log. Everything after
 * the run lives in src/action-report.ts. Never calls core.setFailed.
 */
import type * as ActionsCore from '@actions/core'
import { EOL } from 'node:os'
import { actionWorkspace, runEnvironment } from './config/environment.js'
import type { Config } from './config/schema.js'
import { describeWarning } from './discovery/describe.js'
import { resolveTarget, toReportDiscovery } from './discovery/resolve-target.js'
import type { DiscoveryWarning } from './discovery/types.js'
import { runHealthCheck } from './run/run.js'
import type { RunReport } from './engine/model.js'
import { systemClock } from './metrics/clock.js'
import { startLiveOutput } from './report/live-output.js'

type Core = typeof ActionsCore

/** Discovery warnings as annotations on the project file and line they concern. */
export function annotateDiscoveryWarnings(core: Core, warnings: readonly DiscoveryWarning[]): void {
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
