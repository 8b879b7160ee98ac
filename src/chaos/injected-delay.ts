/**
 * How much delay the chaos faults alone add to one request/reply round trip,
 * as a distribution: network_delay may hold the request and the reply (each
 * with its probability, uniform in [minMs, maxMs]) and slow_response may hold
 * the reply (delayMs). Under chaos mode the latency suite judges a
 * percentile only where this allowance is 0 (the faults cannot move it);
 * elsewhere a slow service and injected delays look the same, so the
 * percentile is reported, not judged (DESIGN.md: under chaos the suites
 * judge the service, not the faults).
 */
import type { FaultConfig } from './faults.js'

/** One-sided 99 % normal quantile: the allowance covers the sampling noise of an empirical percentile. */
export const ALLOWANCE_CONFIDENCE_Z = 2.326
/** Bisection steps for a quantile: far below a microsecond over any allowed delay range. */
const BISECTION_STEPS = 60

type DelayFaults = Pick<FaultConfig, 'networkDelay' | 'slowResponse'>

/** The most the faults can add to one round trip (ms). */
export function maxInjectedDelayMs(faults: DelayFaults): number {
  const network = faults.networkDelay.probability > 0 ? 2 * faults.networkDelay.maxMs : 0
  const slow = faults.slowResponse.probability > 0 ? faults.slowResponse.delayMs : 0
  return network + slow
}

/** P(injected delay of one round trip <= t ms). */
export function injectedDelayCdf(faults: DelayFaults, t: number): number {
  const pNet = faults.networkDelay.probability
  const pSlow = faults.slowResponse.probability
  const { minMs, maxMs } = faults.networkDelay
  const slowMs = faults.slowResponse.delayMs
  let cdf = 0
  for (const slowed of [false, true]) {
    const pS = slowed ? pSlow : 1 - pSlow
    if (pS === 0) continue
    const x = t - (slowed ? slowMs : 0)
    // Delayed legs: none, one of the two (either), or both.
    cdf += pS * (1 - pNet) ** 2 * step(x, 0)
    cdf += pS * 2 * pNet * (1 - pNet) * uniformCdf(x, minMs, maxMs)
    cdf += pS * pNet ** 2 * uniformSumCdf(x, minMs, maxMs)
  }
  return Math.min(1, cdf)
}

/**
 * The q-quantile (0 < q <= 1) of the injected round-trip delay, in ms: the
 * smallest t with P(delay <= t) >= q.
 */
export function injectedDelayQuantileMs(faults: DelayFaults, q: number): number {
  if (!(q > 0 && q <= 1)) throw new RangeError(`q: got ${q}; expected 0 < q <= 1`)
  let low = 0
  let high = maxInjectedDelayMs(faults)
  if (injectedDelayCdf(faults, low) >= q) return 0
  // Exact at the top: in floating point the CDF may reach 1 a hair below the maximum.
  if (q === 1) return high
  for (let i = 0; i < BISECTION_STEPS && high - low > 1e-6; i++) {
    const mid = (low + high) / 2
    if (injectedDelayCdf(faults, mid) >= q) high = mid
    else low = mid
  }
  return high
}

/**
 * What the faults alone may add (ms) to the empirical q-quantile of `samples`
 * round trips: the injected delay's quantile at an upper 99 % confidence
 * bound of q (normal approximation), so that a service whose own latency
 * stays under a limit passes limit + allowance in all but about 1 run in
 * 100, whichever probes the relay happened to slow. Few samples widen it.
 * The bound holds per percentile (not jointly for several checks), and a
 * percentile of service time plus injected delay is not the sum of their
 * percentiles: use it to tell whether the faults can move a percentile at
 * all, not as a margin a slow service may use up.
 */
export function injectedDelayAllowanceMs(faults: DelayFaults, q: number, samples: number): number {
  if (!(q > 0 && q < 1)) throw new RangeError(`q: got ${q}; expected 0 < q < 1`)
  if (!(Number.isInteger(samples) && samples >= 1)) {
    throw new RangeError(`samples: got ${samples}; expected an integer >= 1`)
  }
  const upper = Math.min(1, q + ALLOWANCE_CONFIDENCE_Z * Math.sqrt((q * (1 - q)) / samples))
  return injectedDelayQuantileMs(faults, upper)
}

function step(x: number, at: number): number {
  return x >= at ? 1 : 0
}

function uniformCdf(x: number, min: number, max: number): number {
  if (max <= min) return step(x, min)
  return Math.min(1, Math.max(0, (x - min) / (max - min)))
}

/** CDF of the sum of two independent uniforms on [min, max] (a triangle on [2 min, 2 max]). */
function uniformSumCdf(x: number, min: number, max: number): number {
  const width = max - min
  if (width <= 0) return step(x, 2 * min)
  const y = x - 2 * min
  if (y <= 0) return 0
  if (y >= 2 * width) return 1
  if (y <= width) return (y * y) / (2 * width * width)
  const rest = 2 * width - y
  return 1 - (rest * rest) / (2 * width * width)
}
