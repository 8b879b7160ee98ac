/**
 * Suite id -> implementation, for the six built-in suites. A selected id
 * missing from the registry is reported skipped by the runner, never faked.
 */
import type { SuiteId } from '../engine/model.js'
import { concurrentConnectionsSuite } from './concurrent-connections.js'
import { connectionLifecycleSuite } from './connection-lifecycle.js'
import { heartbeatMonitoringSuite } from './heartbeat-monitoring.js'
import { latencyPerformanceSuite } from './latency-performance.js'
import { messageDeliverySuite } from './message-delivery.js'
import { selfHealingSuite } from './self-healing.js'
import type { Suite } from '../engine/suite-types.js'

/** The built-in suites, in DESIGN.md order. */
export const BUILT_IN_SUITES: readonly Suite[] = [
  connectionLifecycleSuite,
  selfHealingSuite,
  messageDeliverySuite,
  heartbeatMonitoringSuite,
  concurrentConnectionsSuite,
  latencyPerformanceSuite
]

/** A fresh registry of the built-in suites plus `extra` (which replace built-ins with the same id). */
export function createSuiteRegistry(extra: readonly Suite[] = []): Map<SuiteId, Suite> {
  return new Map([...BUILT_IN_SUITES, ...extra].map((suite) => [suite.id, suite]))
}

/** The default registry (built-in suites by id). */
export const SUITES: ReadonlyMap<SuiteId, Suite> = createSuiteRegistry()
