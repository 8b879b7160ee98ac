/**
 * Statuses and suites as people read them, the same in the console, the
 * step summary, the CI log and the issues: icons, labels, the seed's suite
 * names and the tally of a suite's checks.
 */
import type { Check, Status, SuiteId } from '../engine/model.js'

/** Icons by status; `cancelled` is a run's status only (RunStatus). */
export const STATUS_ICONS: Record<Status | 'cancelled', string> = {
  passed: '✅',
  degraded: '⚠️',
  failed: '❌',
  skipped: '⏭',
  'not-run': '⏹',
  cancelled: '🛑'
}

/** `PASSED`, `DEGRADED`, ...: the verdict word beside an icon. */
export function statusLabel(status: Status | 'cancelled'): string {
  return status.toUpperCase()
}

export const SUITE_TITLES: Record<SuiteId, string> = {
  'connection-lifecycle': 'Connection Lifecycle',
  'self-healing': 'Self-Healing',
  'message-delivery': 'Message Delivery',
  'heartbeat-monitoring': 'Heartbeat Monitoring',
  'concurrent-connections': 'Concurrent Connections',
  'latency-performance': 'Latency & Performance'
}

/** The title shown for a suite: the seed's names for known ids, else the suite's own. */
export function suiteTitle(suite: { id: string; title: string }): string {
  return (SUITE_TITLES as Record<string, string | undefined>)[suite.id] ?? suite.title
}

/** "6 passed, 1 skipped" in the order the statuses first occur; `no checks` for none. */
export function checkTally(checks: readonly Pick<Check, 'status'>[]): string {
  const counts = new Map<string, number>()
  for (const check of checks) counts.set(check.status, (counts.get(check.status) ?? 0) + 1)
  if (counts.size === 0) return 'no checks'
  return [...counts].map(([status, count]) => `${count} ${status}`).join(', ')
}
