/**
 * `ws-health history FILE` (or `--history-branch`): the trend analysis of a run history in the
 * terminal, for its newest run against the earlier runs of the same target
 * (last runs, baselines, regressions, predictions), as the summary shows it.
 */
import { stat } from 'node:fs/promises'
import type { Config } from '../config/schema.js'
import { HealthError, describeError } from '../errors.js'
import { regressionOptions } from '../history/baseline.js'
import { readHistoryFromBranch, type BranchLocation } from '../history/branch-store.js'
import { readHistory } from '../history/file-store.js'
import type { HistoryReadResult } from '../history/jsonl.js'
import { analyzeTrend } from '../history/trend.js'
import { trendTextLines } from '../report/trend-section.js'

export interface HistoryView {
  lines: string[]
  /** Skipped lines and other problems with the file. */
  warnings: string[]
}

/**
 * Reads `file` and describes its newest run's trend.
 * @param config thresholds and baseline knobs (the same config a run would use)
 * @throws HealthError WSH_ERR_CONFIG when the file does not exist, is not a file, or
 *   has lines none of which is a history record;
 *   WSH_ERR_REPORT when it cannot be read
 */
export async function viewHistory(file: string, config: Config): Promise<HistoryView> {
  const info = await stat(file).catch((error: unknown) => {
    throw new HealthError(
      'WSH_ERR_CONFIG',
      `cannot open history file ${JSON.stringify(file)}: ${describeError(error)}`
    )
  })
  if (!info.isFile()) {
    throw new HealthError('WSH_ERR_CONFIG', `history file ${JSON.stringify(file)} is not a file`)
  }
  return describeHistory(file, await readHistory(file), config)
}

/**
 * Reads the history kept in a branch (history_branch, through the contents
 * API) and describes its newest run's trend. A missing branch or file is
 * an empty history.
 * @throws HealthError WSH_ERR_GITHUB when the API fails (403 names the permission)
 */
export async function viewBranchHistory(
  location: BranchLocation,
  config: Config
): Promise<HistoryView> {
  const label = `${location.owner}/${location.repo}@${location.branch}:${location.path}`
  return describeHistory(label, await readHistoryFromBranch(location), config)
}

function describeHistory(file: string, read: HistoryReadResult, config: Config): HistoryView {
  const { records, skippedLines, warnings } = read
  if (records.length === 0 && skippedLines.length > 0) {
    // Lines but no record: the wrong file was given, not an empty history; "no runs" would hide that.
    throw new HealthError(
      'WSH_ERR_CONFIG',
      `${JSON.stringify(file)} is not a ws-health history file: none of its ${skippedLines.length} line(s) is a history record (expected JSON lines written by "ws-health run --history")`
    )
  }
  const current = records[records.length - 1]
  if (current === undefined) {
    return { lines: [`History ${file}: no runs recorded yet.`], warnings }
  }
  const previous = records.slice(0, -1)
  const others = new Set(records.filter((r) => r.target !== current.target).map((r) => r.target))
  const trend = analyzeTrend(previous, current, config, { regression: regressionOptions(config) })
  const lines = [
    `History ${file}: ${records.length} run(s); newest ${current.time} against ${current.target} (${current.status}, health score ${current.healthScore})`
  ]
  if (others.size > 0) {
    lines.push(
      `(runs against ${others.size} other target(s) are in the file and not analysed here)`
    )
  }
  lines.push(
    ...trendTextLines(trend, {
      k: config.regressionK,
      thresholds: {
        p95LatencyMs: config.thresholds.p95LatencyMs,
        successRate: config.thresholds.successRate,
        healthScore: config.thresholds.healthScore
      }
    })
  )
  return { lines, warnings }
}
