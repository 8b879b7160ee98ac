/**
 * Seeded pseudo-random source for the chaos relay and backoff jitter.
 *
 * mulberry32 (Tommy Ettinger, public domain): one 32-bit word of state,
 * period 2^32, passes gjrand's tests at the sizes we draw. Chosen because
 * fault schedules need reproducibility (same seed, same sequence), not
 * cryptographic strength, and because a 32-bit seed is what `chaos_seed`
 * accepts and what a report prints.
 */
import { randomInt } from 'node:crypto'

/** Draws a float in [0, 1). */
export type RandomSource = () => number

export interface SeededRandom {
  /** The 32-bit unsigned seed this source started from. */
  readonly seed: number
  /** Next float in [0, 1). */
  next: RandomSource
  /** Next float in [min, max). */
  between(min: number, max: number): number
}

/** Largest seed accepted (seeds are unsigned 32-bit integers). */
export const MAX_SEED = 0xffffffff

/**
 * Creates a seeded source: the same `seed` always yields the same sequence.
 * @param seed integer in [0, 2^32 - 1]
 */
export function createRandom(seed: number): SeededRandom {
  if (!Number.isInteger(seed) || seed < 0 || seed > MAX_SEED) {
    throw new RangeError(`seed: got ${seed}; expected an integer from 0 to ${MAX_SEED}`)
  }
  let state = seed >>> 0
  const next: RandomSource = () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  return {
    seed: seed >>> 0,
    next,
    between: (min, max) => min + next() * (max - min)
  }
}

/** A fresh seed for runs that gave none (printed in the report so the run can be replayed). */
export function randomSeed(): number {
  return randomInt(0, MAX_SEED + 1)
}

/**
 * Derives an independent seed for sub-stream `index` (e.g. one per relayed
 * connection), so each connection's decisions depend only on its own
 * message sequence, not on how connections interleave.
 */
export function deriveSeed(seed: number, index: number): number {
  // One mulberry32 step over the mixed pair; the golden-ratio multiplier spreads consecutive indexes.
  const mixed = (seed ^ Math.imul(index + 1, 0x9e3779b9)) >>> 0
  return Math.floor(createRandom(mixed).next() * (MAX_SEED + 1)) >>> 0
}
