/**
 * The report's metric blocks (RunReport.metrics and latencyHistogram), in the
 * shapes src/metrics/ computes them: defined here, below the result model
 * (src/engine/model.ts re-exports them), so the recorders never import the
 * engine.
 */
import type { ToolMetrics } from './tool-monitor.js'

export interface Summary {
  avg: number | null
  p50: number | null
  p95: number | null
  p99: number | null
  max: number | null
  count: number
}

/**
 * Where the headline figures (RunMetrics.latencyMs and
 * throughputMsgsPerSec) come from: always the latency-performance suite's
 * judged samples and measuring window. `measured` false means they are
 * null, for `reason` (the suite was not selected, or took no sample).
 */
export interface HeadlineSource {
  suite: 'latency-performance'
  measured: boolean
  reason?: string
}

/** Run-wide metrics, the `metrics` block of the JSON report (DESIGN.md contract). */
export interface RunMetrics {
  /**
   * The headline latency: latency-performance's judged samples (answered
   * round trips, unanswered probes at the message timeout); all null when it
   * did not measure (see `headline`). Other suites' round trips are in each
   * suite's `metrics.probeLatencyMs`.
   */
  latencyMs: Summary
  /** Where latencyMs and throughputMsgsPerSec come from; absent in reports written before it. */
  headline?: HeadlineSource
  /** Share of probes (messages and pings) that succeeded, 0-1; null when none was sent. */
  successRate: number | null
  /**
   * Share of sent probe messages whose reply arrived intact, 0-1 (echo: byte
   * for byte; json: a reply matching the reply rule); null when none was sent.
   */
  deliveryRate: number | null
  messagesSent: number
  messagesReceived: number
  messagesLost: number
  reconnections: number
  recoveryTimeMs: { avg: number | null; max: number | null }
  connectTimeMs: { avg: number | null; p95: number | null }
  /**
   * Probes the service answered per wall-clock second of latency-performance's
   * measuring window (answered / window seconds); null when it did not measure.
   */
  throughputMsgsPerSec: number | null
  heartbeat: { sent: number; received: number; successRate: number | null }
  errors: number
  /** Replies that did not match their probe byte for byte (never counted as answered). */
  corrupted: number
  /** Second replies to probes that were already answered. */
  duplicates: number
  /** Replies delivered to the wrong connection (another connection's nonce). */
  crossTalk: number
  /** Messages that answered no probe (banners, broadcasts, late replies): counted and ignored. */
  unsolicited: number
  /** The tool's own event-loop lag and CPU use over the run; absent in reports of older versions. */
  tool?: ToolLoad
}

/** The tool's own load over the run (src/metrics/tool-monitor.ts), judged by src/engine/tool-lag.ts. */
export interface ToolLoad extends ToolMetrics {
  /**
   * The lag was large next to the judged latency (lag p99 > 5 ms, or > 10 %
   * of a judged latency percentile): the latency figures include it, and
   * reports warn.
   */
  lagAffectsLatency: boolean
}

/** A log-bucketed histogram as stored in the report (src/metrics/histogram.ts). */
export type HistogramJson = {
  /** Every value read back is within this share of a recorded value (0.01 = 1 %). */
  relativeError: number
  count: number
  /** Exact sum of the values (ms). */
  sum: number
  min: number | null
  max: number | null
  /** Values of (almost) 0 ms. */
  zeroCount: number
  /** Non-empty buckets as [index, count]: bucket i holds (gamma^(i-1), gamma^i] ms. */
  buckets: [number, number][]
}

/** The report's `latencyHistogram` block: what merging needs beyond the metrics block. */
export type LatencyHistograms = {
  /** The headline latency samples (metrics.latencyMs: latency-performance's judged samples). */
  latencyMs: HistogramJson
  /** Successful connect times (metrics.connectTimeMs). */
  connectTimeMs: HistogramJson
  /** Times from losing a connection to having it back (metrics.recoveryTimeMs). */
  recoveryTimeMs: HistogramJson
  /** The wall-clock window throughput was measured over (ms): latency-performance's measuring window. */
  throughputWindowMs: number
  /**
   * Probes answered within that window (throughput's numerator); absent in
   * reports written before it, which used metrics.messagesReceived.
   */
  throughputAnswered?: number
  /** Probe replies that carried what the probe expected (deliveryRate's numerator). */
  intactReplies: number
}
