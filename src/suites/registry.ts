/**
 * Suite id -> implementation, for the six built-in suites. A selected id
 * missing from the registry is reported skipped by the runner, never faked.
 * Each built-in suite's code is loaded when the suite starts: the runner
 * reads titles and budgets from the catalog, and a run evaluates only the
 * suites it runs, the first of them before its first connection
 * (BENCHMARKS.md, (e)).
 */
import type { SuiteId } from '../engine/model.js'
import type { Suite, SuiteContext } from '../engine/suite-types.js'
import { SUITE_CATALOG, type SuiteInfo } from './catalog.js'

/** A suite whose code `load` brings in when the runner starts it (or on its first run). */
function loadedWhenRun(info: SuiteInfo, load: () => Promise<Suite>): Suite {
  return { ...info, load, run: async (ctx: SuiteContext) => (await load()).run(ctx) }
}

/** The built-in suites, in DESIGN.md order. */
export const BUILT_IN_SUITES: readonly Suite[] = [
  loadedWhenRun(
    SUITE_CATALOG['connection-lifecycle'],
    async () => (await import('./connection-lifecycle.js')).connectionLifecycleSuite
  ),
  loadedWhenRun(
    SUITE_CATALOG['self-healing'],
    async () => (await import('./self-healing.js')).selfHealingSuite
  ),
  loadedWhenRun(
    SUITE_CATALOG['message-delivery'],
    async () => (await import('./message-delivery.js')).messageDeliverySuite
  ),
  loadedWhenRun(
    SUITE_CATALOG['heartbeat-monitoring'],
    async () => (await import('./heartbeat-monitoring.js')).heartbeatMonitoringSuite
  ),
  loadedWhenRun(
    SUITE_CATALOG['concurrent-connections'],
    async () => (await import('./concurrent-connections.js')).concurrentConnectionsSuite
  ),
  loadedWhenRun(
    SUITE_CATALOG['latency-performance'],
    async () => (await import('./latency-performance.js')).latencyPerformanceSuite
  )
]

/** A fresh registry of the built-in suites plus `extra` (which replace built-ins with the same id). */
export function createSuiteRegistry(extra: readonly Suite[] = []): Map<SuiteId, Suite> {
  return new Map([...BUILT_IN_SUITES, ...extra].map((suite) => [suite.id, suite]))
}

/** The default registry (built-in suites by id). */
export const SUITES: ReadonlyMap<SuiteId, Suite> = createSuiteRegistry()
