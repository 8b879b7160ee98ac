/**
 * The first line of a run's log, printed before anything is measured: what
 * is checked, for how long, and against which limits, so a CI log that is
 * cut short still says what the run was asked to do.
 */
import { redactUrl } from '../config/redact.js'
import type { Config } from '../config/schema.js'
import { applyShard } from '../engine/shard.js'
import { formatDuration, formatMs, formatPercent } from '../format/figures.js'

/**
 * e.g. `ws-health: checking ws://127.0.0.1:8001/ws · suites connection-lifecycle, message-delivery ·
 * duration 60 s · 10 connections · thresholds connect < 10 s, p50 < 100 ms, ...`.
 * Credentials in the URL are redacted like in the report.
 * @throws HealthError WSH_ERR_CONFIG for a `shard` that would run nothing (as the run would).
 */
export function startLine(whole: Config, url: string): string {
  const config = applyShard(whole)
  const { thresholds: t } = config
  const modes = [
    config.chaosMode
      ? `chaos on${config.chaosSeed === undefined ? '' : ` (seed ${config.chaosSeed})`}`
      : undefined,
    config.stressTest ? 'stress on' : undefined,
    config.shard !== undefined ? `shard ${config.shard}` : undefined
  ].filter((mode) => mode !== undefined)
  const limits = [
    `connect < ${formatDuration(t.connectTimeMs)}`,
    `p50 < ${formatMs(t.p50LatencyMs)}`,
    `p95 < ${formatMs(t.p95LatencyMs)}`,
    `p99 < ${formatMs(t.p99LatencyMs)}`,
    `success >= ${formatPercent(t.successRate)}`,
    `delivery >= ${formatPercent(t.deliveryRate)}`
  ]
  return [
    `ws-health: checking ${redactUrl(url)}`,
    `suites ${[...new Set(config.suites)].join(', ')}`,
    `duration ${formatDuration(config.duration * 1000)}`,
    `${config.connectionCount} connections`,
    ...modes,
    `thresholds ${limits.join(', ')}`
  ].join(' · ')
}
