import { describe, it, expect } from '@jest/globals'
import {
  checkBackoffOptions,
  createBackoff,
  type BackoffOptions
} from '../../src/client/backoff.js'
import { createBreaker } from '../../src/client/breaker.js'
import { createOutboundQueue } from '../../src/client/outbound-queue.js'
import { isHealthError } from '../../src/errors.js'
import { createManualClock } from '../fixtures/clock.js'

const mid = (): number => 0.5

/** 500 ms doubling to a 10 s cap, +/- 20 %, 5 attempts: the policy the delays below are computed for. */
const POLICY: BackoffOptions = {
  initialDelayMs: 500,
  factor: 2,
  maxDelayMs: 10_000,
  jitter: 0.2,
  maxAttempts: 5
}

describe('backoff policy', () => {
  it('doubles from the initial delay', () => {
    const policy = createBackoff(POLICY)
    expect(policy.options).toEqual(POLICY)
    expect([1, 2, 3, 4, 5].map((n) => policy.delayFor(n, mid))).toEqual([
      500, 1000, 2000, 4000, 8000
    ])
  })

  it('caps every delay at maxDelayMs, jitter included', () => {
    const policy = createBackoff({
      ...POLICY,
      initialDelayMs: 1000,
      factor: 3,
      maxDelayMs: 5000,
      jitter: 0.5
    })
    expect(policy.baseDelayFor(3)).toBe(5000)
    expect(policy.delayFor(3, () => 0.999)).toBe(5000)
    expect(policy.delayFor(1, () => 0.999)).toBeCloseTo(1499, 0)
  })

  it('keeps jitter within +/- the ratio and reports those bounds', () => {
    const policy = createBackoff({ ...POLICY, jitter: 0.2 })
    expect(policy.delayFor(2, () => 0)).toBe(800)
    expect(policy.bounds(2)).toEqual({ minMs: 800, maxMs: 1200 })
    for (let i = 0; i < 200; i += 1) {
      const d = policy.delayFor(2)
      expect(d).toBeGreaterThanOrEqual(800)
      expect(d).toBeLessThanOrEqual(1200)
    }
  })

  it('rejects bad options with a RangeError naming the option', () => {
    expect(() => checkBackoffOptions({ ...POLICY, factor: 0.5 })).toThrow(/^factor: got 0.5/)
    expect(() => checkBackoffOptions({ ...POLICY, jitter: 2 })).toThrow(/^jitter: got 2/)
    expect(() => checkBackoffOptions({ ...POLICY, maxAttempts: 1.5 })).toThrow(/^maxAttempts/)
    expect(() => checkBackoffOptions({ ...POLICY, initialDelayMs: -1 })).toThrow(/^initialDelayMs/)
    expect(() => createBackoff({ ...POLICY, initialDelayMs: 100, maxDelayMs: 50 })).toThrow(
      /^maxDelayMs/
    )
    expect(() => createBackoff(POLICY).delayFor(0)).toThrow(RangeError)
  })
})

describe('circuit breaker (unit)', () => {
  it('opens after the threshold, half-opens after the reset timeout, closes on success', () => {
    const clock = createManualClock()
    const breaker = createBreaker({ failureThreshold: 2, resetTimeoutMs: 1000 }, clock)
    expect(breaker.canAttempt()).toBe(true)
    breaker.onFailure()
    expect(breaker.state).toBe('closed')
    breaker.onFailure()
    expect(breaker.state).toBe('open')
    expect(breaker.canAttempt()).toBe(false)
    expect(breaker.msUntilAttempt()).toBe(1000)
    let refused: unknown
    try {
      breaker.guard()
    } catch (error) {
      refused = error
    }
    expect(isHealthError(refused) && refused.code).toBe('WSH_ERR_CIRCUIT_OPEN')
    clock.advance(1000)
    expect(breaker.canAttempt()).toBe(true)
    expect(breaker.state).toBe('half-open')
    // One trial at a time while half-open.
    expect(breaker.canAttempt()).toBe(false)
    breaker.onSuccess()
    expect(breaker.state).toBe('closed')
    expect(breaker.transitions.map((t) => `${t.from}->${t.to}@${t.atMs - 1000}`)).toEqual([
      'closed->open@0',
      'open->half-open@1000',
      'half-open->closed@1000'
    ])
  })

  it('re-opens when the half-open trial fails', () => {
    const clock = createManualClock()
    const breaker = createBreaker({ failureThreshold: 1, resetTimeoutMs: 10 }, clock)
    breaker.onFailure()
    clock.advance(10)
    expect(breaker.canAttempt()).toBe(true)
    breaker.onFailure()
    expect(breaker.state).toBe('open')
    expect(() => createBreaker({ failureThreshold: 0, resetTimeoutMs: 10 })).toThrow(
      /^failureThreshold/
    )
    expect(() => createBreaker({ failureThreshold: 1, resetTimeoutMs: -1 })).toThrow(
      /^resetTimeoutMs/
    )
  })
})

describe('outbound queue', () => {
  it('keeps send order, tracks the generation written on, and refuses when full', () => {
    const queue = createOutboundQueue(2)
    expect(queue.push('a', 'A')).toBe(true)
    expect(queue.push('b', 'B')).toBe(true)
    expect(queue.push('c', 'C')).toBe(false)
    const [first] = queue.unsentOn(1)
    first.generation = 1
    expect(queue.unsentOn(1).map((m) => m.id)).toEqual(['b'])
    expect(queue.unsentOn(2).map((m) => m.id)).toEqual(['a', 'b'])
    expect(queue.ack('a')).toBe(true)
    expect(queue.ack('a')).toBe(false)
    expect(queue.size).toBe(1)
  })

  it('answers every question before its first message (its map is created on the first push)', () => {
    const queue = createOutboundQueue()
    expect(queue.size).toBe(0)
    expect(queue.maxSize).toBe(10_000)
    expect(queue.has('a')).toBe(false)
    expect(queue.ack('a')).toBe(false)
    expect(queue.generationOf('a')).toBeUndefined()
    expect(queue.unsentOn(0)).toEqual([])
    expect(queue.writtenOn(-1)).toEqual([])
    expect(queue.push('a', 'A')).toBe(true)
    expect(queue.push('a', 'again')).toBe(false)
    expect(queue.generationOf('a')).toBe(-1)
    expect(queue.writtenOn(-1).map((m) => m.data)).toEqual(['A'])
    expect(() => createOutboundQueue(0)).toThrow(/^maxQueue: got 0/)
  })
})
