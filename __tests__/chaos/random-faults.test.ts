import { describe, it, expect } from '@jest/globals'
import {
  createFaultPlanner,
  NO_FAULTS,
  resolveFaults,
  type FaultDecision
} from '../../src/chaos/faults.js'
import { createRandom, deriveSeed, randomSeed } from '../../src/chaos/random.js'
import { DEFAULT_FAULTS } from '../fixtures/schema-defaults.js'

function plan(seed: number, count: number): FaultDecision[] {
  const decide = createFaultPlanner(resolveFaults({}, DEFAULT_FAULTS), createRandom(seed).next)
  return Array.from({ length: count }, (_, i) =>
    decide(i % 3 === 0 ? 'server-to-client' : 'client-to-server')
  )
}

describe('seeded random source', () => {
  it('repeats its sequence for a seed and differs across seeds', () => {
    const a = createRandom(7)
    const b = createRandom(7)
    const c = createRandom(8)
    const seqA = Array.from({ length: 50 }, () => a.next())
    expect(Array.from({ length: 50 }, () => b.next())).toEqual(seqA)
    expect(Array.from({ length: 50 }, () => c.next())).not.toEqual(seqA)
    expect(seqA.every((x) => x >= 0 && x < 1)).toBe(true)
    expect(createRandom(7).between(10, 20)).toBeGreaterThanOrEqual(10)
  })

  it('validates seeds and derives distinct sub-seeds', () => {
    expect(() => createRandom(-1)).toThrow(/^seed/)
    expect(() => createRandom(2 ** 32)).toThrow(RangeError)
    const seed = randomSeed()
    expect(Number.isInteger(seed) && seed >= 0 && seed <= 0xffffffff).toBe(true)
    expect(deriveSeed(1, 0)).toBe(deriveSeed(1, 0))
    expect(new Set([0, 1, 2, 3].map((i) => deriveSeed(1, i))).size).toBe(4)
  })
})

describe('fault planner', () => {
  it('gives the same decisions for the same seed and message sequence, others for another seed', () => {
    expect(plan(1234, 500)).toEqual(plan(1234, 500))
    expect(plan(1234, 500)).not.toEqual(plan(1235, 500))
  })

  it('applies the seed defaults at about their rates and ranges', () => {
    const decisions = plan(99, 20_000)
    const rate = (pick: (d: FaultDecision) => boolean): number =>
      decisions.filter(pick).length / decisions.length
    expect(rate((d) => d.disconnect)).toBeCloseTo(0.1, 1)
    expect(rate((d) => d.delayMs > 0)).toBeCloseTo(0.2, 1)
    const delays = decisions.filter((d) => d.delayMs > 0).map((d) => d.delayMs)
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(100)
    expect(Math.max(...delays)).toBeLessThanOrEqual(500)
    expect(Math.max(...delays) - Math.min(...delays)).toBeGreaterThan(300)
    const toClient = decisions.filter((d) => d.direction === 'server-to-client')
    expect(toClient.filter((d) => d.slowMs === 2000).length / toClient.length).toBeCloseTo(0.15, 1)
    expect(decisions.some((d) => d.direction === 'client-to-server' && d.slowMs > 0)).toBe(false)
    const losable = decisions.filter((d) => !d.disconnect)
    expect(losable.filter((d) => d.lose).length / losable.length).toBeCloseTo(0.05, 1)
  })

  it('never injects anything with every fault off', () => {
    const decide = createFaultPlanner(resolveFaults({}, NO_FAULTS), createRandom(5).next)
    for (let i = 0; i < 1000; i += 1) {
      expect(decide('server-to-client')).toEqual({
        direction: 'server-to-client',
        disconnect: false,
        lose: false,
        delayMs: 0,
        slowMs: 0
      })
    }
  })

  it('a default config has the seed scenarios, and bad settings are rejected naming them', () => {
    expect(DEFAULT_FAULTS).toEqual({
      randomDisconnect: { probability: 0.1, reconnectDelayMs: 1000 },
      networkDelay: { probability: 0.2, minMs: 100, maxMs: 500 },
      messageLoss: { probability: 0.05, direction: 'both' },
      slowResponse: { probability: 0.15, delayMs: 2000 },
      bandwidth: { bytesPerSecond: 0 }
    })
    expect(() => resolveFaults({ messageLoss: { probability: 1.5 } }, DEFAULT_FAULTS)).toThrow(
      /^faults\.messageLoss\.probability: got 1\.5/
    )
    expect(() => resolveFaults({ networkDelay: { minMs: 600 } }, DEFAULT_FAULTS)).toThrow(
      /^faults\.networkDelay\.maxMs/
    )
    expect(() => resolveFaults({ bandwidth: { bytesPerSecond: -1 } }, DEFAULT_FAULTS)).toThrow(
      /bandwidth/
    )
  })
})
