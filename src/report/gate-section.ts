/**
 * The gate (RunReport.gate, judged by src/engine/gate.ts) in words: which
 * explicit threshold the service missed, named as the user set it
 * (`p95_latency_ms`), and which regression fails the step under
 * fail_on_regression. Used by the failure line, the console and the step summary.
 */
import { FIELDS } from '../config/fields.js'
import type { ThresholdKey } from '../config/schema.js'
import type { RunGate, ThresholdMiss } from '../engine/gate.js'
import type { RunReport } from '../engine/model.js'
import { describeRegression } from '../history/describe.js'
import { formatThreshold, formatValue } from '../format/figures.js'
import { suiteTitle } from '../format/status.js'

/** The name the user knows a threshold by: its action input, else its config-file key. */
export function thresholdName(key: ThresholdKey): string {
  const spec = FIELDS.find((field) => field.path === `thresholds.${key}`)
  return spec?.input ?? spec?.file?.[0] ?? `thresholds.${key}`
}

/** "latency p95 320 ms misses p95_latency_ms < 300 ms (Latency & Performance)" */
export function describeMiss(miss: ThresholdMiss): string {
  const limit = formatThreshold({ op: miss.op, value: miss.limit }, miss.unit)
  return `${miss.title} ${formatValue(miss.value, miss.unit)} misses ${thresholdName(miss.threshold)} ${limit} (${suiteTitle({ id: miss.suite, title: miss.suite })})`
}

/** One sentence per reason the gate fails the step; empty when it fails nothing. */
export function gateReasons(gate: RunGate | undefined): string[] {
  if (gate === undefined) return []
  return [
    ...gate.thresholdMisses.map((miss) => `threshold you set: ${describeMiss(miss)}`),
    ...gate.regressions.map((r) => `regression (fail_on_regression): ${describeRegression(r)}`)
  ]
}

/** The gate's reasons on one line for the failure message; '' when it fails nothing. */
export function gateLine(report: Pick<RunReport, 'gate'>): string {
  return gateReasons(report.gate).join('; ')
}
