/**
 * The six suites' ids: the lowest layer, so configuration (which validates
 * them) and the engine (which runs them) share one list without importing
 * each other.
 */
export const SUITE_IDS = [
  'connection-lifecycle',
  'self-healing',
  'message-delivery',
  'heartbeat-monitoring',
  'concurrent-connections',
  'latency-performance'
] as const

export type SuiteId = (typeof SUITE_IDS)[number]
