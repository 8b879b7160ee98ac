/**
 * What the runner knows of each built-in suite before running it: its title,
 * its share of `duration` and (heartbeat-monitoring) its sampling time. The
 * suite modules take these from here, so the registry can hand the runner
 * every suite while loading a suite's code only when the suite starts: a
 * run's first connection waits for the code of its first suite alone
 * (BENCHMARKS.md, (e)).
 */
import type { SuiteId } from '../core/suite-ids.js'
import type { Suite } from '../engine/suite-types.js'
import { idleMsFor } from './heartbeat-idle.js'

/** A suite without its code. */
export type SuiteInfo = Omit<Suite, 'run'>

export const SUITE_CATALOG: { readonly [Id in SuiteId]: SuiteInfo & { id: Id } } = {
  'connection-lifecycle': {
    id: 'connection-lifecycle',
    title: 'Connection lifecycle',
    durationWeight: 0
  },
  'self-healing': {
    id: 'self-healing',
    title: 'Self-healing and recovery',
    // Kills, one outage and an optional restart are fixed work; the soak between them takes a share.
    durationWeight: 1
  },
  'message-delivery': { id: 'message-delivery', title: 'Message delivery', durationWeight: 0 },
  'heartbeat-monitoring': {
    id: 'heartbeat-monitoring',
    title: 'Heartbeat monitoring',
    durationWeight: 1,
    samplingMs: idleMsFor
  },
  'concurrent-connections': {
    id: 'concurrent-connections',
    title: 'Concurrent connections',
    durationWeight: 2
  },
  'latency-performance': {
    id: 'latency-performance',
    title: 'Latency and performance',
    durationWeight: 2
  }
}
