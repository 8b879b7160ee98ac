/**
 * Stress mode's share of a run's duration, decided before the suites start;
 * apart from stress.ts so a run without stress mode never loads it.
 */

/**
 * Share of the run's sampling time stress mode takes when config.stressTest
 * is on; the suites get the rest, so the run still ends within duration + 60 s.
 */
export const STRESS_DURATION_SHARE = 0.4

/** Splits `durationMs` between the suites and stress mode (all to the suites when stress is off). */
export function splitDuration(
  durationMs: number,
  stressTest: boolean
): { suitesMs: number; stressMs: number } {
  if (!stressTest) return { suitesMs: durationMs, stressMs: 0 }
  const stressMs = Math.round(durationMs * STRESS_DURATION_SHARE)
  return { suitesMs: durationMs - stressMs, stressMs }
}
