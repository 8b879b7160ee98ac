import { describe, expect, it } from '@jest/globals'
import { applyShard, parseShard, shardConnections } from '../../src/engine/shard.js'
import { makeConfig } from '../fixtures/builders.js'

describe('shard K/N', () => {
  it('splits connection_count so the shards add up to it, remainder first', () => {
    for (const [total, count] of [
      [10, 3],
      [7, 7],
      [1000, 6],
      [5, 2]
    ] as const) {
      const shares = Array.from({ length: count }, (_, i) =>
        shardConnections(total, { index: i + 1, count })
      )
      expect(shares.reduce((a, b) => a + b, 0)).toBe(total)
      expect(Math.max(...shares) - Math.min(...shares)).toBeLessThanOrEqual(1)
    }
    expect(shardConnections(10, { index: 1, count: 3 })).toBe(4)
  })

  it('runs every suite in shard 1 and only concurrent-connections after it', () => {
    const config = makeConfig({ connectionCount: 10, shard: '2/3' })
    expect(applyShard(config)).toMatchObject({
      suites: ['concurrent-connections'],
      connectionCount: 3
    })
    const first = applyShard({ ...config, shard: '1/3' })
    expect(first.suites).toEqual(config.suites)
    expect(first.connectionCount).toBe(4)
    expect(applyShard(makeConfig({}))).toEqual(makeConfig({}))
  })

  it('rejects K/N out of range and shards with nothing to run', () => {
    expect(() => parseShard('0/2')).toThrow(
      /shard: got "0\/2"; expected K\/N with integers 1 <= K <= N/
    )
    expect(() => parseShard('3/2')).toThrow(/1 <= K <= N/)
    expect(() => parseShard('two')).toThrow(/shard: got "two"/)
    expect(() => applyShard(makeConfig({ suites: ['message-delivery'], shard: '2/2' }))).toThrow(
      /shard: 2\/2 has nothing to run: shards after the first run only concurrent-connections/
    )
    expect(() => applyShard(makeConfig({ connectionCount: 2, shard: '3/3' }))).toThrow(
      /gets no connections of connection_count 2/
    )
  })
})
