/**
 * Action outputs, one per metric (DESIGN.md). Values are plain numbers a
 * workflow can compare (`45.23`, ratios 0-1), or `n/a` when the run did not
 * measure the metric, never a made-up 0.
 */
import { SUITE_IDS, type RunReport, type SuiteId } from '../engine/model.js'
import { NOT_AVAILABLE, formatNumber } from '../format/figures.js'
import { stressFromReport } from './stress-section.js'

/** `<suite>_status` of a suite the run did not select. */
export const NOT_RUN = 'not-run'

export interface OutputExtras {
  /** Absolute path of the JSON report written for this run ('' when none). */
  reportPath?: string
  /** Number of the failure issue this run opened, commented on or closed ('' when none). */
  issueNumber?: number | null
  /** True when the trend analysis predicted a threshold crossing (`predictive_alert`). */
  predictiveAlert?: boolean
}

/** `connection-lifecycle` -> `connection_lifecycle_status`. */
export function suiteStatusOutputName(id: SuiteId): string {
  return `${id.replace(/-/g, '_')}_status`
}

/** Every output name, in the order action.yml declares them. */
export const OUTPUT_NAMES: readonly string[] = [
  'status',
  'health_score',
  'avg_latency_ms',
  'p50_latency_ms',
  'p95_latency_ms',
  'p99_latency_ms',
  'success_rate',
  'delivery_rate',
  'reconnections',
  'recovery_time_ms',
  'connect_time_ms',
  'messages_sent',
  'messages_received',
  'throughput',
  'report_path',
  'issue_number',
  'predictive_alert',
  'stress_breaking_point_connections',
  'stress_breaking_point_msgs_per_sec',
  'stress_max_connections',
  'tool_lag_p99_ms',
  ...SUITE_IDS.map(suiteStatusOutputName)
]

/** A stress output when stress mode ran and found no breaking point up to its highest step. */
export const NO_BREAKING_POINT = 'none'

/**
 * Stress mode's outputs: the breaking point's connections and msgs/s
 * (`none` when nothing broke up to the highest step, `n/a` when stress mode
 * did not run or measured no step) and the most connections a step held.
 */
export function stressOutputs(report: RunReport): Record<string, string> {
  const stress = stressFromReport(report)
  const steps = stress?.steps ?? []
  if (!stress || steps.length === 0) {
    return {
      stress_breaking_point_connections: NOT_AVAILABLE,
      stress_breaking_point_msgs_per_sec: NOT_AVAILABLE,
      stress_max_connections: NOT_AVAILABLE
    }
  }
  const point = stress.breakingPoint
  return {
    stress_breaking_point_connections: point ? String(point.connections) : NO_BREAKING_POINT,
    stress_breaking_point_msgs_per_sec: point ? formatNumber(point.msgsPerSec) : NO_BREAKING_POINT,
    stress_max_connections: String(Math.max(...steps.map((step) => step.connections)))
  }
}

/**
 * All outputs as strings. Latencies in ms (2 decimals), rates as 0-1 ratios
 * (4 decimals), throughput in messages/s (2 decimals), health score 0-100
 * (1 decimal); `recovery_time_ms` and `connect_time_ms` are averages;
 * `tool_lag_p99_ms` is the tool's own event-loop lag p99 (ms).
 */
export function toOutputs(report: RunReport, extras: OutputExtras = {}): Record<string, string> {
  const { metrics } = report
  const outputs: Record<string, string> = {
    status: report.status,
    health_score: formatNumber(report.healthScore, 1),
    avg_latency_ms: formatNumber(metrics.latencyMs.avg),
    p50_latency_ms: formatNumber(metrics.latencyMs.p50),
    p95_latency_ms: formatNumber(metrics.latencyMs.p95),
    p99_latency_ms: formatNumber(metrics.latencyMs.p99),
    success_rate: formatNumber(metrics.successRate, 4),
    delivery_rate: formatNumber(metrics.deliveryRate, 4),
    reconnections: String(metrics.reconnections),
    recovery_time_ms: formatNumber(metrics.recoveryTimeMs.avg),
    connect_time_ms: formatNumber(metrics.connectTimeMs.avg),
    messages_sent: String(metrics.messagesSent),
    messages_received: String(metrics.messagesReceived),
    throughput: formatNumber(metrics.throughputMsgsPerSec),
    report_path: extras.reportPath ?? '',
    issue_number:
      extras.issueNumber === undefined || extras.issueNumber === null
        ? ''
        : String(extras.issueNumber),
    predictive_alert: extras.predictiveAlert === true ? 'true' : 'false',
    ...stressOutputs(report),
    tool_lag_p99_ms: formatNumber(metrics.tool?.eventLoopLagMs.p99)
  }
  for (const id of SUITE_IDS) {
    const suite = report.suites.find((candidate) => candidate.id === id)
    outputs[suiteStatusOutputName(id)] = suite ? suite.status : NOT_RUN
  }
  return outputs
}

/**
 * Outputs of a run that found no service to validate (discovery found no
 * endpoint): `status` failed, every suite `not-run`, every metric `n/a`, so a
 * later step reading them (`if: always()`) sees the failure, never a blank.
 */
export function notStartedOutputs(): Record<string, string> {
  const outputs: Record<string, string> = {}
  for (const name of OUTPUT_NAMES) outputs[name] = NOT_AVAILABLE
  outputs.status = 'failed'
  outputs.report_path = ''
  outputs.issue_number = ''
  outputs.predictive_alert = 'false'
  for (const id of SUITE_IDS) outputs[suiteStatusOutputName(id)] = NOT_RUN
  return outputs
}
