/**
 * Builders for synthetic histories: complete records with overrides, and
 * deterministic noise from a seeded generator so every run of a test sees the
 * same series.
 */
import type { HistoryRecord, HistoryMetrics } from '../../src/history/record.js'

/** mulberry32: a tiny seeded generator; returns values in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Noise in [-amplitude, amplitude] from a seeded generator. */
export function noise(seed: number, amplitude: number): () => number {
  const random = seededRandom(seed)
  return () => (random() * 2 - 1) * amplitude
}

const DAY_MS = 86_400_000
const START = Date.parse('2026-01-01T00:00:00.000Z')

export function makeRecord(
  index: number,
  metrics: Partial<HistoryMetrics> = {},
  overrides: Partial<HistoryRecord> = {}
): HistoryRecord {
  const healthScore = metrics.healthScore ?? 97
  return {
    v: 1,
    time: new Date(START + index * DAY_MS).toISOString(),
    commit: `c${index}`,
    ref: 'refs/heads/main',
    runId: String(1000 + index),
    target: 'ws://127.0.0.1:8001/ws',
    status: 'passed',
    healthScore,
    metrics: {
      healthScore,
      avgLatencyMs: 40,
      p50LatencyMs: 30,
      p95LatencyMs: 200,
      p99LatencyMs: 400,
      successRate: 1,
      deliveryRate: 1,
      reconnections: 0,
      recoveryTimeMaxMs: null,
      connectTimeAvgMs: 5,
      throughputMsgsPerSec: 500,
      errors: 0,
      ...metrics
    },
    suites: [{ id: 'latency-performance', status: 'passed', metrics: { samples: 100 } }],
    ...overrides
  }
}

/** `count` records whose metrics come from `at(index)`. */
export function makeSeries(
  count: number,
  at: (index: number) => Partial<HistoryMetrics>
): HistoryRecord[] {
  return Array.from({ length: count }, (_, i) => makeRecord(i, at(i)))
}
