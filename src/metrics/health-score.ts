/**
 * The health score (0-100) and its band, from the seed's formula (docs/metrics.md
 * documents it): 100 - (1 - success) * 50 - latency penalty (20 if avg >
 * 1000 ms, 10 if > 500, 5 if > 200) - min(reconnections * 5, 20)
 * - min(errors * 2, 10), clamped to 0-100 and rounded to one decimal.
 */

export interface HealthScoreInput {
  /** Share of probes that succeeded, 0-1; null (nothing succeeded because nothing was measured) scores as 0. */
  successRate: number | null
  /** Average latency in ms; null (not measured) adds no latency penalty. */
  avgLatencyMs: number | null
  reconnections: number
  errors: number
}

export type HealthBand = 'Excellent' | 'Good' | 'Fair' | 'Degraded' | 'Critical'

/** Latency penalty steps: [above ms, penalty points], checked in order. */
export const LATENCY_PENALTIES: readonly (readonly [number, number])[] = [
  [1000, 20],
  [500, 10],
  [200, 5]
]

/** Band lower bounds, checked in order. */
export const HEALTH_BANDS: readonly (readonly [number, HealthBand])[] = [
  [95, 'Excellent'],
  [85, 'Good'],
  [70, 'Fair'],
  [50, 'Degraded']
]

/** Health score 0-100, one decimal. */
export function healthScore(input: HealthScoreInput): number {
  // A run that measured nothing has not shown health: it must not score 100.
  const success = clamp(input.successRate ?? 0, 0, 1)
  let score = 100 - (1 - success) * 50
  if (input.avgLatencyMs !== null) {
    for (const [above, penalty] of LATENCY_PENALTIES) {
      if (input.avgLatencyMs > above) {
        score -= penalty
        break
      }
    }
  }
  score -= Math.min(Math.max(input.reconnections, 0) * 5, 20)
  score -= Math.min(Math.max(input.errors, 0) * 2, 10)
  return Math.round(clamp(score, 0, 100) * 10) / 10
}

/** Band of a score: >= 95 Excellent, >= 85 Good, >= 70 Fair, >= 50 Degraded, else Critical. */
export function healthBand(score: number): HealthBand {
  for (const [min, band] of HEALTH_BANDS) if (score >= min) return band
  return 'Critical'
}

function clamp(value: number, min: number, max: number): number {
  return Number.isNaN(value) ? min : Math.min(max, Math.max(min, value))
}
