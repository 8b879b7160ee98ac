/**
 * After a run: read the history (file or branch), analyse the run against
 * it, put the trend on the report and append the run's record. History is a
 * side channel: every failure here becomes a warning and never changes the
 * verdict.
 */
import type { Config } from '../config/schema.js'
import type { RunReport } from '../engine/model.js'
import { describeError } from '../errors.js'
import { regressionOptions } from './baseline.js'
import { appendRecordToBranch, readHistoryFromBranch, type BranchLocation } from './branch-store.js'
import { describeAlerts, type DescribedAlert } from './describe.js'
import { appendRecord, readHistory } from './file-store.js'
import type { HistoryReadResult } from './jsonl.js'
import { toHistoryRecord, type HistoryRecord, type RecordMeta } from './record.js'
import { analyzeTrend, toReportTrend, type TrendOptions, type TrendReport } from './trend.js'

/** Where the history lives, resolved from the config and the run's environment. */
export type HistoryStore =
  { kind: 'file'; path: string } | { kind: 'branch'; location: BranchLocation }

export interface HistorySettings {
  store: HistoryStore
  keep: number
  meta: RecordMeta
  trend: TrendOptions
}

export interface HistoryContext {
  /** GITHUB_REPOSITORY, GITHUB_API_URL, GITHUB_SHA, GITHUB_REF, GITHUB_RUN_ID (from the config layer). */
  env: Readonly<Record<string, string | undefined>>
  /** Token for history_branch (the action's github_token). */
  token?: string
}

export interface HistoryOutcome {
  /** Null when the history could not be read (see warnings). */
  trend: TrendReport | null
  /** Trend alerts with their sentences, critical first. */
  alerts: DescribedAlert[]
  /** True when a prediction alert was raised (the `predictive_alert` output). */
  predictive: boolean
  /** Problems with the history; none of them changes the verdict. */
  warnings: string[]
  /** Records in the history after this run's append; null when the append failed. */
  count: number | null
}

/** The history store and options the config asks for; null when no history is configured. */
export function historySettings(
  config: Config,
  context: HistoryContext
): { settings: HistorySettings | null; warnings: string[] } {
  const warnings: string[] = []
  const { env } = context
  const meta: RecordMeta = {
    commit: env.GITHUB_SHA || undefined,
    ref: env.GITHUB_REF || undefined,
    runId: env.GITHUB_RUN_ID || undefined
  }
  const trend: TrendOptions = { regression: regressionOptions(config) }
  const base = { keep: config.historyKeep, meta, trend }
  if (config.historyBranch !== undefined) {
    if (config.historyFile !== undefined) {
      warnings.push(
        `history_file ${config.historyFile} is ignored: history_branch ${config.historyBranch} is set and wins`
      )
    }
    const [owner, repo] = (env.GITHUB_REPOSITORY ?? '').split('/')
    if (!owner || !repo) {
      warnings.push(
        'history_branch needs GITHUB_REPOSITORY (owner/repo), which GitHub Actions sets; history skipped'
      )
      return { settings: null, warnings }
    }
    if (!context.token) {
      warnings.push('history_branch needs github_token (contents: write); history skipped')
      return { settings: null, warnings }
    }
    const location: BranchLocation = {
      token: context.token,
      apiUrl: env.GITHUB_API_URL || undefined,
      owner,
      repo,
      branch: config.historyBranch,
      path: config.historyPath
    }
    return { settings: { store: { kind: 'branch', location }, ...base }, warnings }
  }
  if (config.historyFile !== undefined) {
    return { settings: { store: { kind: 'file', path: config.historyFile }, ...base }, warnings }
  }
  return { settings: null, warnings }
}

/** `history.jsonl` or `owner/repo@branch:path`, for messages (never the token). */
export function describeStore(store: HistoryStore): string {
  if (store.kind === 'file') return store.path
  const { owner, repo, branch, path } = store.location
  return `${owner}/${repo}@${branch}:${path}`
}

async function read(store: HistoryStore): Promise<HistoryReadResult> {
  return store.kind === 'file' ? readHistory(store.path) : readHistoryFromBranch(store.location)
}

async function append(
  store: HistoryStore,
  record: HistoryRecord,
  keep: number
): Promise<{ count: number; warnings: string[] }> {
  if (store.kind === 'file') return appendRecord(store.path, record, { keep })
  return appendRecordToBranch({ ...store.location, record, keep })
}

/**
 * Reads the history, sets `report.trend` from the analysis of this run against
 * it, and appends this run's record. Never rejects: problems are warnings.
 * A history that cannot be read is not written either, so a transient
 * failure never replaces it with a one-run history.
 */
export async function recordRunHistory(
  report: RunReport,
  config: Config,
  settings: HistorySettings
): Promise<HistoryOutcome> {
  const where = describeStore(settings.store)
  const outcome: HistoryOutcome = {
    trend: null,
    alerts: [],
    predictive: false,
    warnings: [],
    count: null
  }
  let previous: HistoryReadResult
  try {
    previous = await read(settings.store)
  } catch (error) {
    outcome.warnings.push(`run history ${where} could not be read: ${describeError(error)}`)
    return outcome
  }
  outcome.warnings.push(...previous.warnings)
  const record = toHistoryRecord(report, settings.meta)
  try {
    const trend = analyzeTrend(previous.records, record, config, settings.trend)
    report.trend = toReportTrend(trend)
    outcome.trend = trend
    outcome.alerts = describeAlerts(trend)
    outcome.predictive = trend.predictions.length > 0
  } catch (error) {
    outcome.warnings.push(`trend analysis of ${where} failed: ${describeError(error)}`)
  }
  try {
    const appended = await append(settings.store, record, settings.keep)
    outcome.count = appended.count
  } catch (error) {
    outcome.warnings.push(`run history ${where} could not be written: ${describeError(error)}`)
  }
  return outcome
}

/**
 * historySettings + recordRunHistory: what the CLI and the action call after
 * a run. Resolves with null when no history is configured (warnings may still
 * say why, e.g. history_branch without a token).
 */
export async function keepRunHistory(
  report: RunReport,
  config: Config,
  context: HistoryContext
): Promise<{ outcome: HistoryOutcome | null; warnings: string[] }> {
  const { settings, warnings } = historySettings(config, context)
  if (settings === null) return { outcome: null, warnings }
  // A cancelled run measured part of a run: as a record it would skew baselines and trends.
  if (report.status === 'cancelled') {
    return { outcome: null, warnings: [...warnings, 'run history not kept: the run was cancelled'] }
  }
  const outcome = await recordRunHistory(report, config, settings)
  return { outcome, warnings: [...warnings, ...outcome.warnings] }
}
