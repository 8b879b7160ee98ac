/**
 * The distribution of the delay the chaos relay's delay faults add to one
 * round trip (src/chaos/injected-delay.ts): exact values for degenerate
 * configurations, the seed's defaults worked by hand, agreement with a Monte
 * Carlo run of the relay's own fault planner, and the confidence allowance.
 */
import { describe, expect, it } from '@jest/globals'
import {
  createFaultPlanner,
  NO_FAULTS,
  resolveFaults,
  type FaultConfig
} from '../../src/chaos/faults.js'
import {
  ALLOWANCE_CONFIDENCE_Z,
  injectedDelayAllowanceMs,
  injectedDelayCdf,
  injectedDelayQuantileMs,
  maxInjectedDelayMs
} from '../../src/chaos/injected-delay.js'
import { createRandom, deriveSeed } from '../../src/chaos/random.js'
import { DEFAULT_FAULTS } from '../fixtures/schema-defaults.js'

const QS = [0.01, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 1]

/** Faults from NO_FAULTS with only `overrides` on. */
function only(overrides: Parameters<typeof resolveFaults>[0]): FaultConfig {
  return resolveFaults(overrides, NO_FAULTS)
}

/**
 * `roundTrips` injected round-trip delays drawn by the relay's planner: one
 * client-to-server decision (the request) and one server-to-client decision
 * (the reply) per round trip. Like the relay (src/chaos/relay.ts), each
 * direction of connection 0 draws from its own seeded stream
 * (deriveSeed(seed, 0) and deriveSeed(seed, 1)). Disconnect and loss draws
 * are independent of the delay draws, so leaving them on does not change the
 * delay of the round trips that complete.
 */
function monteCarlo(faults: FaultConfig, seed: number, roundTrips: number): Float64Array {
  const request = createFaultPlanner(faults, createRandom(deriveSeed(seed, 0)).next)
  const reply = createFaultPlanner(faults, createRandom(deriveSeed(seed, 1)).next)
  const delays = new Float64Array(roundTrips)
  for (let i = 0; i < roundTrips; i++) {
    const sent = request('client-to-server')
    const answered = reply('server-to-client')
    delays[i] = sent.delayMs + sent.slowMs + answered.delayMs + answered.slowMs
  }
  return delays.sort()
}

/** Empirical q-quantile: the smallest sample with at least q of the samples at or below it. */
function empiricalQuantile(sorted: Float64Array, q: number): number {
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]
}

function empiricalCdf(sorted: Float64Array, t: number): number {
  let below = 0
  while (below < sorted.length && sorted[below] <= t) below++
  return below / sorted.length
}

describe('maxInjectedDelayMs', () => {
  it('is both network legs at their maximum plus the slow response, for faults that are on', () => {
    expect(maxInjectedDelayMs(NO_FAULTS)).toBe(0)
    expect(maxInjectedDelayMs(DEFAULT_FAULTS)).toBe(2 * 500 + 2000)
    // A fault with probability 0 adds nothing, whatever its delay says.
    expect(
      maxInjectedDelayMs({
        networkDelay: { probability: 0, minMs: 100, maxMs: 500 },
        slowResponse: { probability: 0.5, delayMs: 300 }
      })
    ).toBe(300)
  })
})

describe('no delay faults', () => {
  it('NO_FAULTS adds 0 at every quantile and allowance', () => {
    expect(maxInjectedDelayMs(NO_FAULTS)).toBe(0)
    expect(injectedDelayCdf(NO_FAULTS, 0)).toBe(1)
    expect(injectedDelayCdf(NO_FAULTS, 1000)).toBe(1)
    expect(injectedDelayCdf(NO_FAULTS, -1)).toBe(0)
    for (const q of QS) expect(injectedDelayQuantileMs(NO_FAULTS, q)).toBe(0)
    for (const samples of [1, 10, 1000]) {
      for (const q of [0.5, 0.95, 0.99]) {
        expect(injectedDelayAllowanceMs(NO_FAULTS, q, samples)).toBe(0)
      }
    }
  })
})

describe('degenerate delay faults', () => {
  it('slow_response alone with probability 1 adds exactly its delay at any q', () => {
    const faults = only({ slowResponse: { probability: 1, delayMs: 750 } })
    expect(maxInjectedDelayMs(faults)).toBe(750)
    expect(injectedDelayCdf(faults, 749.999)).toBe(0)
    expect(injectedDelayCdf(faults, 750)).toBe(1)
    for (const q of QS) expect(injectedDelayQuantileMs(faults, q)).toBe(750)
    expect(injectedDelayAllowanceMs(faults, 0.5, 1)).toBe(750)
    expect(injectedDelayAllowanceMs(faults, 0.99, 1_000_000)).toBe(750)
  })

  it('network_delay with probability 1 and min = max = 100 adds 100 on each leg: 200', () => {
    const faults = only({ networkDelay: { probability: 1, minMs: 100, maxMs: 100 } })
    expect(maxInjectedDelayMs(faults)).toBe(200)
    expect(injectedDelayCdf(faults, 199.999)).toBe(0)
    expect(injectedDelayCdf(faults, 200)).toBe(1)
    for (const q of QS) expect(injectedDelayQuantileMs(faults, q)).toBe(200)
    expect(injectedDelayAllowanceMs(faults, 0.5, 1000)).toBe(200)
  })

  it('both legs uniform on [0, 100]: the sum is a triangle on [0, 200] with its median at 100', () => {
    const faults = only({ networkDelay: { probability: 1, minMs: 0, maxMs: 100 } })
    expect(injectedDelayCdf(faults, 50)).toBeCloseTo(0.125, 12)
    expect(injectedDelayCdf(faults, 100)).toBeCloseTo(0.5, 12)
    expect(injectedDelayCdf(faults, 150)).toBeCloseTo(0.875, 12)
    expect(injectedDelayQuantileMs(faults, 0.5)).toBeCloseTo(100, 4)
    expect(injectedDelayQuantileMs(faults, 0.125)).toBeCloseTo(50, 4)
  })
})

describe('the seed default faults', () => {
  it('adds nothing with probability 0.8 * 0.8 * 0.85 (no delay on either leg, no slow reply)', () => {
    expect(injectedDelayCdf(DEFAULT_FAULTS, 0)).toBeCloseTo(0.8 * 0.8 * 0.85, 12)
    expect(injectedDelayCdf(DEFAULT_FAULTS, -0.001)).toBe(0)
  })

  it('p50 is 0 and p95 lies between 2000 and 2500 ms (a slow reply plus at most one delayed leg)', () => {
    expect(injectedDelayQuantileMs(DEFAULT_FAULTS, 0.5)).toBe(0)
    const p95 = injectedDelayQuantileMs(DEFAULT_FAULTS, 0.95)
    expect(p95).toBeGreaterThan(2000)
    expect(p95).toBeLessThan(2500)
    // By hand: P(<= 2000) = 0.85 + 0.15 * 0.64 = 0.946; above 2000 the one-delayed-leg band of
    // the slowed replies adds 0.15 * 0.32 / 400 per ms until 2100 + 400, so p95 = 2100 + 0.004 / 0.00012.
    expect(p95).toBeCloseTo(2100 + 0.004 / 0.00012, 3)
  })

  it('quantiles are monotone in q and end at the maximum', () => {
    const qs = Array.from({ length: 200 }, (_, i) => (i + 1) / 200)
    const quantiles = qs.map((q) => injectedDelayQuantileMs(DEFAULT_FAULTS, q))
    for (let i = 1; i < quantiles.length; i++) {
      expect(quantiles[i]).toBeGreaterThanOrEqual(quantiles[i - 1])
    }
    expect(quantiles[quantiles.length - 1]).toBeCloseTo(maxInjectedDelayMs(DEFAULT_FAULTS), 3)
    // The quantile is the smallest t with CDF(t) >= q.
    for (const q of [0.6, 0.75, 0.95, 0.99]) {
      const t = injectedDelayQuantileMs(DEFAULT_FAULTS, q)
      expect(injectedDelayCdf(DEFAULT_FAULTS, t)).toBeGreaterThanOrEqual(q)
      expect(injectedDelayCdf(DEFAULT_FAULTS, t - 0.01)).toBeLessThan(q)
    }
  })

  it('the CDF is non-decreasing, within [0, 1], and reaches 1 at maxInjectedDelayMs', () => {
    const max = maxInjectedDelayMs(DEFAULT_FAULTS)
    let previous = 0
    for (let t = -10; t <= max + 10; t += 0.5) {
      const value = injectedDelayCdf(DEFAULT_FAULTS, t)
      expect(value).toBeGreaterThanOrEqual(previous)
      expect(value).toBeLessThanOrEqual(1)
      previous = value
    }
    expect(injectedDelayCdf(DEFAULT_FAULTS, max)).toBe(1)
    expect(injectedDelayCdf(DEFAULT_FAULTS, max - 1)).toBeLessThan(1)
    expect(injectedDelayCdf(DEFAULT_FAULTS, 1e9)).toBe(1)
  })
})

describe('agreement with the relay fault planner (Monte Carlo)', () => {
  // 200k round trips: the empirical CDF's standard error is at most 0.0012, and an empirical
  // quantile's is a few ms where these distributions are thinnest (about 1.2e-4 per ms).
  const ROUND_TRIPS = 200_000
  const CDF_TOLERANCE = 0.005
  const QUANTILE_TOLERANCE_MS = 20

  it.each([
    ['the seed defaults', DEFAULT_FAULTS, 11],
    [
      'overlapping legs and a short slow reply',
      only({
        networkDelay: { probability: 0.5, minMs: 50, maxMs: 300 },
        slowResponse: { probability: 0.4, delayMs: 100 }
      }),
      12
    ]
  ] as const)('%s: exact quantiles and CDF match the sampled ones', (_name, faults, seed) => {
    const sampled = monteCarlo(faults, seed, ROUND_TRIPS)
    expect(sampled[sampled.length - 1]).toBeLessThanOrEqual(maxInjectedDelayMs(faults))
    for (const q of [0.3, 0.5, 0.6, 0.75, 0.9, 0.95, 0.99]) {
      const exact = injectedDelayQuantileMs(faults, q)
      const estimate = empiricalQuantile(sampled, q)
      expect({ q, diff: Math.abs(exact - estimate) <= QUANTILE_TOLERANCE_MS }).toEqual({
        q,
        diff: true
      })
    }
    const max = maxInjectedDelayMs(faults)
    for (const share of [0, 0.05, 0.1, 0.2, 0.35, 0.5, 0.7, 0.9]) {
      const t = share * max
      const diff = Math.abs(injectedDelayCdf(faults, t) - empiricalCdf(sampled, t))
      expect({ t, close: diff < CDF_TOLERANCE }).toEqual({ t, close: true })
    }
  })
})

describe('injectedDelayAllowanceMs', () => {
  it('shrinks toward the plain quantile as samples grow', () => {
    const p95 = injectedDelayQuantileMs(DEFAULT_FAULTS, 0.95)
    const allowances = [100, 1_000, 10_000, 1_000_000, 1e10].map((n) =>
      injectedDelayAllowanceMs(DEFAULT_FAULTS, 0.95, n)
    )
    for (let i = 1; i < allowances.length; i++) {
      expect(allowances[i]).toBeLessThan(allowances[i - 1])
    }
    for (const allowance of allowances) expect(allowance).toBeGreaterThanOrEqual(p95)
    expect(allowances[3] - p95).toBeLessThan(10)
    expect(allowances[4] - p95).toBeLessThan(0.1)
  })

  it('is capped at the maximum injected delay for tiny samples', () => {
    const max = maxInjectedDelayMs(DEFAULT_FAULTS)
    let capped = 0
    for (const samples of [1, 2, 10, 100]) {
      for (const q of [0.5, 0.95, 0.99]) {
        const allowance = injectedDelayAllowanceMs(DEFAULT_FAULTS, q, samples)
        expect(allowance).toBeLessThanOrEqual(max)
        // The upper bound of q reaches 1: the allowance is the largest delay the faults can add.
        if (q + ALLOWANCE_CONFIDENCE_Z * Math.sqrt((q * (1 - q)) / samples) >= 1) {
          expect({ samples, q, allowance: Math.round(allowance * 1000) / 1000 }).toEqual({
            samples,
            q,
            allowance: max
          })
          capped++
        } else {
          expect(allowance).toBeLessThan(max - 1)
        }
      }
    }
    // Every q with 1 or 2 samples, p95 and p99 with 10 and with 100 (0.95 + 2.326 * 0.0218 > 1).
    expect(capped).toBe(10)
  })

  it('is the quantile at the 99 % upper bound of q: 0 at p50 only once the bound is under P(no delay)', () => {
    // 30 % of replies slowed by 400 ms: P(no delay) = 0.7, so the p50 allowance is 0 exactly
    // when 0.5 + z * sqrt(0.25 / n) <= 0.7, i.e. n >= (z * 0.5 / 0.2)^2 (34 samples).
    const faults = only({ slowResponse: { probability: 0.3, delayMs: 400 } })
    const enough = Math.ceil(((ALLOWANCE_CONFIDENCE_Z * 0.5) / 0.2) ** 2)
    expect(enough).toBe(34)
    expect(injectedDelayAllowanceMs(faults, 0.5, enough - 1)).toBe(400)
    expect(injectedDelayAllowanceMs(faults, 0.5, enough)).toBe(0)
    expect(injectedDelayAllowanceMs(faults, 0.5, 1_000_000)).toBe(0)
    // p95 is inside the slowed 30 % whatever the sample count.
    expect(injectedDelayAllowanceMs(faults, 0.95, 1_000_000)).toBe(400)
  })

  it('rejects q outside (0, 1) and sample counts that are not integers >= 1', () => {
    for (const q of [0, -0.1, 1, 1.5, Number.NaN]) {
      expect(() => injectedDelayAllowanceMs(DEFAULT_FAULTS, q, 100)).toThrow(RangeError)
    }
    for (const samples of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => injectedDelayAllowanceMs(DEFAULT_FAULTS, 0.95, samples)).toThrow(RangeError)
    }
    expect(() => injectedDelayAllowanceMs(DEFAULT_FAULTS, 0.95, 2.5)).toThrow(/^samples: got 2.5/)
    expect(() => injectedDelayAllowanceMs(DEFAULT_FAULTS, 1, 10)).toThrow(/^q: got 1/)
  })

  it('injectedDelayQuantileMs rejects q outside (0, 1] and accepts q = 1', () => {
    for (const q of [0, -0.5, 1.01, Number.NaN]) {
      expect(() => injectedDelayQuantileMs(DEFAULT_FAULTS, q)).toThrow(RangeError)
    }
    expect(() => injectedDelayQuantileMs(DEFAULT_FAULTS, 1)).not.toThrow()
  })
})
