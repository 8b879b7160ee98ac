/**
 * Stress mode's result shapes and judgement: which step broke a threshold
 * first, how latency grew with load, and the one-line verdict
 * ("breaking point at ..." or "no breaking point up to N connections / M msgs/s").
 */
import { linearRegression, linearRegressionLine, rSquared } from 'simple-statistics'
import type { Config } from '../config/schema.js'
import type { ScenarioReport } from './exhaustion.js'
import type { MetricValue } from './model.js'
import type { StepFigures } from './ramp.js'

export type StressStep = StepFigures & {
  /**
   * Probes/s the step's schedule offered (connections x the per-connection
   * rate); msgsPerSec is what the service achieved. Optional: reports written
   * before stress was open loop lack it.
   */
  offeredMsgsPerSec?: number
  /** The step's large-message burst: sent, intact replies, slowest RTT (ms). */
  burst: { sent: number; intact: number; maxRttMs: number | null; bytes: number } | null
}

export type BreakingPoint = {
  connections: number
  /** Replies/s the service achieved at the breaking step. */
  msgsPerSec: number
  /** Probes/s the breaking step offered (absent in reports from before open-loop stress). */
  offeredMsgsPerSec?: number
  /** Which threshold broke first. */
  reason: 'p95' | 'error-rate' | 'no-replies'
  p95Ms: number | null
  errorRate: number | null
  limit: number
}

export type StressReport = {
  steps: StressStep[]
  breakingPoint: BreakingPoint | null
  /** One line: where it broke, or "no breaking point up to N connections / M msgs/s". */
  verdict: string
  limits: {
    maxConnections: number
    fdSoftLimit: number
    fdSource: string
    /** Connections the descriptor budget allows. */
    fdBudget: number
    /** The ramp's top: min(max_connections, fdBudget). */
    plannedMax: number
    p95LimitMs: number
    errorRateLimit: number
  }
  /** Set when the ramp stopped at a limit before breaking. */
  stoppedAt: { connections: number; reason: string } | null
  degradation: {
    /** Latency against time within the highest step that did not break. */
    overTime: { [key: string]: MetricValue } | null
    /** p95 against connections across steps: ms per extra connection. */
    againstLoad: { slopeMsPerConnection: number; r2: number } | null
  }
  scenarios: { [key: string]: ScenarioReport }
}

/** Highest error rate a step may have: 1 - thresholds.successRate (rounded: 1 - 0.95 is not 0.05 in floating point). */
export function errorRateLimit(config: Config): number {
  return Math.round((1 - config.thresholds.successRate) * 1e9) / 1e9
}

/** The first threshold `step` crosses (error rate, then no replies, then p95), or null. */
export function breaking(
  step: StepFigures & Pick<StressStep, 'offeredMsgsPerSec'>,
  config: Config
): BreakingPoint | null {
  const p95Limit = config.thresholds.p95LatencyMs
  const errorLimit = errorRateLimit(config)
  const base = {
    connections: step.connections,
    msgsPerSec: step.msgsPerSec,
    ...(step.offeredMsgsPerSec === undefined ? {} : { offeredMsgsPerSec: step.offeredMsgsPerSec }),
    p95Ms: step.p95Ms,
    errorRate: step.errorRate
  }
  if (step.errorRate !== null && step.errorRate > errorLimit) {
    return { ...base, reason: 'error-rate', limit: errorLimit }
  }
  if (step.sent > 0 && step.p95Ms === null)
    return { ...base, reason: 'no-replies', limit: p95Limit }
  if (step.p95Ms !== null && step.p95Ms > p95Limit)
    return { ...base, reason: 'p95', limit: p95Limit }
  return null
}

/** Linear fit of step p95 on connections; null with fewer than two distinct loads. */
export function againstLoad(
  steps: readonly StressStep[]
): StressReport['degradation']['againstLoad'] {
  const points = steps
    .filter((s) => s.p95Ms !== null)
    .map((s): [number, number] => [s.connections, s.p95Ms as number])
  if (points.length < 2 || points.every((p) => p[0] === points[0][0])) return null
  const line = linearRegression(points)
  const r2 = rSquared(points, linearRegressionLine(line))
  return { slopeMsPerConnection: line.m, r2: Number.isFinite(r2) ? r2 : 1 }
}

function shown(value: number | null): string {
  return value === null ? 'none' : String(Math.round(value * 10) / 10)
}

/** One line saying where stress mode broke, or that it did not. */
export function verdict(report: StressReport): string {
  const bp = report.breakingPoint
  const stopped = report.stoppedAt
    ? `; stopped at ${report.stoppedAt.connections} connections: ${report.stoppedAt.reason}`
    : ''
  if (bp) {
    const why =
      bp.reason === 'p95'
        ? `p95 ${shown(bp.p95Ms)} ms > ${bp.limit} ms`
        : bp.reason === 'error-rate'
          ? `error rate ${shown((bp.errorRate ?? 0) * 100)} % > ${shown(bp.limit * 100)} %`
          : 'no reply within the step'
    const offered =
      bp.offeredMsgsPerSec === undefined ? '' : ` (of ${shown(bp.offeredMsgsPerSec)} offered)`
    return `breaking point at ${bp.connections} connections, ${shown(bp.msgsPerSec)} msgs/s${offered}: ${why}`
  }
  if (report.steps.length === 0) return `no stress step completed${stopped}`
  const maxConnections = Math.max(...report.steps.map((s) => s.connections))
  const maxRate = Math.max(...report.steps.map((s) => s.msgsPerSec))
  return `no breaking point up to ${maxConnections} connections / ${shown(maxRate)} msgs/s${stopped}`
}
