/**
 * healingAttempts: how many reconnects a self-healing client gets to heal
 * through the path (src/suites/self-healing-clients.ts).
 */
import { describe, expect, it } from '@jest/globals'
import { healingAttempts, MAX_HEALING_ATTEMPTS } from '../../src/suites/self-healing-clients.js'
import { makeConfig } from '../fixtures/builders.js'

const steady = makeConfig({
  maxReconnectAttempts: 5,
  selfHealing: { initialDelayMs: 100, backoffFactor: 1, maxDelayMs: 100, jitter: 0.5 }
})

describe('healingAttempts', () => {
  it('is max_reconnect_attempts on a path that refuses nothing', () => {
    expect(healingAttempts(steady, { healWindowMs: undefined })).toBe(5)
  })

  it('keeps max_reconnect_attempts when its shortest delays already outlast the window', () => {
    // Five delays of at least 50 ms (100 ms - 50 % jitter) cover 250 ms.
    expect(healingAttempts(steady, { healWindowMs: 250 })).toBe(5)
  })

  it('adds attempts until the shortest delays the policy can draw outlast the window', () => {
    // 50 ms each at the least: 21 attempts are the first to cover 1 001 ms.
    expect(healingAttempts(steady, { healWindowMs: 1_001 })).toBe(21)
  })

  it('stops at MAX_HEALING_ATTEMPTS when no delay can be long enough', () => {
    const fullJitter = makeConfig({ selfHealing: { jitter: 1 } })
    expect(healingAttempts(fullJitter, { healWindowMs: 1_000 })).toBe(MAX_HEALING_ATTEMPTS)
  })

  it('never gives fewer attempts than it is given', () => {
    expect(healingAttempts(steady, { healWindowMs: 250 }, 12)).toBe(12)
  })
})
