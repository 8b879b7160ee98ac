/**
 * Small statistics for benchmark rows. Benchmarks compare two loops measured
 * the same way, so both go through these helpers (nearest-rank percentiles
 * on one sorted copy), never through the code under test.
 */

/** Nearest-rank percentile (0-100) of samples; NaN when empty. Sorts a copy. */
export function percentile(samples: ArrayLike<number>, p: number): number {
  return percentiles(samples, [p])[0]
}

/** Several nearest-rank percentiles (0-100) from one sorted copy. */
export function percentiles(samples: ArrayLike<number>, ps: readonly number[]): number[] {
  const n = samples.length
  if (n === 0) return ps.map(() => Number.NaN)
  const sorted = Float64Array.from(samples).sort()
  return ps.map((p) => sorted[Math.min(n - 1, Math.max(0, Math.ceil((p / 100) * n) - 1))])
}

/** Median of a small list (e.g. repeated timings); NaN when empty. */
export function median(values: readonly number[]): number {
  return percentile(values, 50)
}

/** Joins sample arrays measured in rounds into one. */
export function concat(parts: readonly Float64Array[]): Float64Array {
  const out = new Float64Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const part of parts) {
    out.set(part, at)
    at += part.length
  }
  return out
}

/** Deterministic pseudo-random source (LCG), so every run times the same samples. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0 || 1
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0
    return state / 0x100000000
  }
}

/**
 * Latency-like samples in ms: log-normal around `medianMs` (a real RTT
 * distribution has a long right tail), from a fixed seed.
 */
export function syntheticLatencies(count: number, medianMs = 0.2, seed = 42): Float64Array {
  const random = seededRandom(seed)
  const out = new Float64Array(count)
  for (let i = 0; i < count; i++) {
    // Box-Muller: one normal draw per sample; sigma 0.6 gives p99 about 4x the median.
    const u = 1 - random()
    const v = random()
    const normal = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v)
    out[i] = medianMs * Math.exp(0.6 * normal)
  }
  return out
}
