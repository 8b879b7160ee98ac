/**
 * Sharding one run over N jobs (`shard: K/N`, `--shard K/N`). The honest,
 * simple rule: shard K of N opens its share of the concurrent-connections
 * suite's `connection_count` (the remainder goes to the first shards), and
 * every other selected suite runs whole in shard 1 only, so nothing is
 * measured twice. `ws-health merge` / `merge_reports` then combines the
 * shards' reports like a per-suite matrix.
 */
import type { Config } from '../config/schema.js'
import { SHARD_PATTERN } from '../config/schema.js'
import { HealthError } from '../errors.js'
import type { SuiteId } from './model.js'

/** The suite whose connections are split across shards. */
export const SHARDED_SUITE: SuiteId = 'concurrent-connections'

export interface Shard {
  /** 1-based shard number K. */
  index: number
  /** Number of shards N. */
  count: number
}

/**
 * Parses `K/N`.
 * @throws HealthError WSH_ERR_CONFIG unless 1 <= K <= N.
 */
export function parseShard(text: string): Shard {
  const match = SHARD_PATTERN.exec(text.trim())
  const index = Number(match?.[1])
  const count = Number(match?.[2])
  if (!match || index < 1 || index > count) {
    throw new HealthError(
      'WSH_ERR_CONFIG',
      `shard: got ${JSON.stringify(text)}; expected K/N with integers 1 <= K <= N, e.g. 2/4`
    )
  }
  return { index, count }
}

/** Connections shard `index` of `count` opens out of `total` (remainder to the first shards). */
export function shardConnections(total: number, shard: Shard): number {
  return Math.floor(total / shard.count) + (shard.index <= total % shard.count ? 1 : 0)
}

/**
 * The config this shard runs: unchanged without `shard`.
 * @throws HealthError WSH_ERR_CONFIG when the shard would run nothing.
 */
export function applyShard(config: Config): Config {
  if (config.shard === undefined) return config
  const shard = parseShard(config.shard)
  const connections = shardConnections(config.connectionCount, shard)
  const suites =
    shard.index === 1 ? config.suites : config.suites.filter((id) => id === SHARDED_SUITE)
  if (suites.length === 0) {
    throw new HealthError(
      'WSH_ERR_CONFIG',
      `shard: ${config.shard} has nothing to run: shards after the first run only ${SHARDED_SUITE}, which suites (${config.suites.join(',')}) does not include`
    )
  }
  if (suites.includes(SHARDED_SUITE) && connections < 1) {
    throw new HealthError(
      'WSH_ERR_CONFIG',
      `shard: ${config.shard} gets no connections of connection_count ${config.connectionCount}; use at most ${config.connectionCount} shards`
    )
  }
  return { ...config, suites, connectionCount: Math.max(1, connections) }
}
