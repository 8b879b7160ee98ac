/**
 * The JSON report, schema version 1 (DESIGN.md contract). Keys are written
 * in the contract's order so reports diff cleanly between runs.
 */
import { writeFile } from 'node:fs/promises'
import { makeDirs } from '../make-dirs.js'
import { dirname, resolve } from 'node:path'
import type { MetricValue, RunMetrics, RunReport, SuiteResult } from '../engine/model.js'

/** Optional blocks later issues add; written only when present. */
export const OPTIONAL_REPORT_KEYS = [
  'chaos',
  'stress',
  'trend',
  'discovery',
  'latencyHistogram',
  'service'
] as const

function suiteJson(suite: SuiteResult): Record<string, unknown> {
  return {
    id: suite.id,
    title: suite.title,
    status: suite.status,
    critical: suite.critical,
    durationMs: suite.durationMs,
    checks: suite.checks.map((check) => ({
      id: check.id,
      title: check.title,
      status: check.status,
      value: check.value,
      unit: check.unit,
      threshold: check.threshold,
      message: check.message,
      ...(check.code === undefined ? {} : { code: check.code }),
      ...(check.conformance === true ? { conformance: true } : {}),
      ...(check.scope === undefined ? {} : { scope: check.scope })
    })),
    metrics: suite.metrics
  }
}

function metricsJson(metrics: RunMetrics): Record<string, unknown> {
  const { latencyMs, recoveryTimeMs, connectTimeMs, heartbeat } = metrics
  return {
    latencyMs: {
      avg: latencyMs.avg,
      p50: latencyMs.p50,
      p95: latencyMs.p95,
      p99: latencyMs.p99,
      max: latencyMs.max,
      count: latencyMs.count
    },
    successRate: metrics.successRate,
    deliveryRate: metrics.deliveryRate,
    messagesSent: metrics.messagesSent,
    messagesReceived: metrics.messagesReceived,
    messagesLost: metrics.messagesLost,
    reconnections: metrics.reconnections,
    recoveryTimeMs: { avg: recoveryTimeMs.avg, max: recoveryTimeMs.max },
    connectTimeMs: { avg: connectTimeMs.avg, p95: connectTimeMs.p95 },
    throughputMsgsPerSec: metrics.throughputMsgsPerSec,
    heartbeat: {
      sent: heartbeat.sent,
      received: heartbeat.received,
      successRate: heartbeat.successRate
    },
    errors: metrics.errors,
    corrupted: metrics.corrupted,
    duplicates: metrics.duplicates,
    crossTalk: metrics.crossTalk,
    unsolicited: metrics.unsolicited,
    // After the DESIGN.md keys, so readers of the contract's key order are unaffected.
    ...(metrics.headline === undefined ? {} : { headline: { ...metrics.headline } })
  }
}

/** The report as a plain JSON-safe object in the contract's shape and key order. */
export function toJsonReport(report: RunReport): Record<string, unknown> {
  const json: Record<string, unknown> = {
    schemaVersion: report.schemaVersion,
    status: report.status,
    ...(report.cancelled === undefined ? {} : { cancelled: report.cancelled }),
    healthScore: report.healthScore,
    ...(report.healthScoreCappedFrom === undefined
      ? {}
      : { healthScoreCappedFrom: report.healthScoreCappedFrom }),
    target: report.target,
    startedAt: report.startedAt,
    durationMs: report.durationMs,
    config: report.config,
    suites: report.suites.map(suiteJson),
    metrics: metricsJson(report.metrics)
  }
  for (const key of OPTIONAL_REPORT_KEYS) {
    const block: { [key: string]: MetricValue } | undefined = report[key]
    if (block !== undefined) json[key] = block
  }
  // The gate is judged after the run (src/engine/gate.ts); written when judged.
  if (report.gate !== undefined) json.gate = report.gate
  return json
}

/**
 * Writes the report as pretty JSON, creating parent folders; resolves with
 * the absolute path written.
 */
export async function writeJsonReport(path: string, report: RunReport): Promise<string> {
  const absolute = resolve(path)
  await makeDirs(dirname(absolute))
  await writeFile(absolute, `${JSON.stringify(toJsonReport(report), null, 2)}\n`, 'utf8')
  return absolute
}
