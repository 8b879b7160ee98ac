/**
 * Per-connection figures of a load pool: fairness across connections
 * (Jain's index and max/median spread of throughput and latency) and the
 * per-connection table, compact for small counts, summarised for large ones
 * so a report of 10 000 connections stays small.
 */
import type { MetricValue } from './model.js'
import { summarize } from '../metrics/recorder.js'
import { jainIndex, spread } from '../metrics/regression.js'
import { slotAvgLatencyMs, type LoadSlot } from './load-pool.js'

/** Up to this many connections are listed one by one; above, the report gives distributions. */
export const PER_CONNECTION_DETAIL_LIMIT = 50
/** How many of the slowest connections a summarised report names. */
export const SLOWEST_LISTED = 5

export type Fairness = {
  /** Connections with at least one reply (the others are unserved, not averaged in). */
  served: number
  throughputJain: number | null
  /** max / median of per-connection replies per second. */
  throughputSpread: number | null
  latencyJain: number | null
  /** max / median of per-connection average latency. */
  latencySpread: number | null
  /** Latencies below this (ms) count as equal, so loopback noise is not unfairness. */
  latencyFloorMs: number
}

/** Replies per second of each slot over the time it was open while traffic ran. */
export function slotThroughputs(slots: readonly LoadSlot[]): number[] {
  return slots.map((slot) => (slot.activeMs > 0 ? slot.replies / (slot.activeMs / 1000) : 0))
}

/**
 * Fairness across `slots`. Latencies are raised to `latencyFloorMs` first:
 * a 0.2 ms vs 0.6 ms difference on loopback is noise, a 200 ms one is not.
 */
export function fairness(slots: readonly LoadSlot[], latencyFloorMs: number): Fairness {
  const throughputs = slotThroughputs(slots)
  const latencies: number[] = []
  for (const slot of slots) {
    const avg = slotAvgLatencyMs(slot)
    if (avg !== null) latencies.push(Math.max(avg, latencyFloorMs))
  }
  return {
    served: latencies.length,
    throughputJain: jainIndex(throughputs),
    throughputSpread: spread(throughputs),
    latencyJain: jainIndex(latencies),
    latencySpread: spread(latencies),
    latencyFloorMs
  }
}

function row(slot: LoadSlot): { [key: string]: MetricValue } {
  return {
    label: slot.label,
    sent: slot.sent,
    received: slot.replies,
    reconnections: slot.reconnections,
    avgLatencyMs: slotAvgLatencyMs(slot),
    heartbeats: { sent: slot.pingsSent, received: slot.pongs }
  }
}

/**
 * The per-connection block of the suite's metrics: `connections` lists each
 * one (label, sent, received, reconnections, avg latency, heartbeats) up to
 * PER_CONNECTION_DETAIL_LIMIT; above it `distribution` summarises them and
 * `slowest` names the worst few.
 */
export function perConnectionMetrics(slots: readonly LoadSlot[]): {
  [key: string]: MetricValue
} {
  if (slots.length <= PER_CONNECTION_DETAIL_LIMIT) {
    return { mode: 'detailed', count: slots.length, connections: slots.map(row) }
  }
  const latencies: number[] = []
  for (const slot of slots) {
    const avg = slotAvgLatencyMs(slot)
    if (avg !== null) latencies.push(avg)
  }
  const slowest = [...slots]
    .filter((slot) => slot.replies > 0)
    .sort((a, b) => (slotAvgLatencyMs(b) ?? 0) - (slotAvgLatencyMs(a) ?? 0))
    .slice(0, SLOWEST_LISTED)
    .map(row)
  let reconnections = 0
  let pingsSent = 0
  let pongs = 0
  let unserved = 0
  for (const slot of slots) {
    reconnections += slot.reconnections
    pingsSent += slot.pingsSent
    pongs += slot.pongs
    if (slot.replies === 0) unserved++
  }
  return {
    mode: 'summarised',
    count: slots.length,
    distribution: {
      throughputMsgsPerSec: { ...summarize(slotThroughputs(slots)) },
      avgLatencyMs: { ...summarize(latencies) },
      sent: { ...summarize(slots.map((s) => s.sent)) },
      received: { ...summarize(slots.map((s) => s.replies)) }
    },
    unserved,
    reconnections,
    heartbeats: { sent: pingsSent, received: pongs },
    slowest
  }
}
