/**
 * One-line descriptions of the conditions a run ran under: chaos mode (seed,
 * injected faults, outage window, relay overflows) and a service started by
 * server_command (its log file), and a merged report's shards. Shared by
 * the console output and the step summary.
 */
import type { MetricValue, RunReport } from '../engine/model.js'
import {
  NOT_AVAILABLE,
  formatDuration,
  formatMs,
  formatPercent,
  plural
} from '../format/figures.js'

function count(block: { [key: string]: MetricValue } | undefined, key: string): number {
  const value = block?.[key]
  return typeof value === 'number' ? value : 0
}

/**
 * "Chaos: on, seed 42: 3 disconnects, ...", plus the outage window when one
 * was configured and the relay's buffer overflows when there were any;
 * undefined when chaos mode was off.
 */
export function chaosLine(report: RunReport): string | undefined {
  if (!report.chaos) return undefined
  const injected = report.chaos.injected as { [key: string]: MetricValue } | undefined
  const parts = [
    `${count(injected, 'disconnects')} disconnects`,
    `${count(injected, 'delays')} delays`,
    `${count(injected, 'losses')} losses`,
    `${count(injected, 'slowResponses')} slow responses`,
    `${count(injected, 'outages')} outages`
  ]
  return `Chaos: on, seed ${String(report.chaos.seed)} (replay with chaos_seed / --seed); injected ${parts.join(', ')}${outageText(report.chaos.outage)}${overflowText(report.chaos.flow)}`
}

/** "; outage window 500 ms from 200 ms after the suites started" when one was configured. */
function outageText(outage: MetricValue | undefined): string {
  if (typeof outage !== 'object' || outage === null || Array.isArray(outage)) return ''
  const window = `; outage window ${formatDuration(count(outage, 'durationMs'))} from ${formatDuration(count(outage, 'startMs'))} after the suites started`
  // Said plainly when the run ended before the window opened, so no one reads an outage into it.
  return typeof outage.startedAfterMs === 'number' ? window : `${window} (not reached)`
}

/** "; 2 relay buffer overflows (closed with 1009)" when the relay had to close connections. */
function overflowText(flow: MetricValue | undefined): string {
  if (typeof flow !== 'object' || flow === null || Array.isArray(flow)) return ''
  const overflows = count(flow, 'overflows')
  return overflows > 0 ? `; ${overflows} relay buffer overflow(s) (closed with 1009)` : ''
}

/** "Service: started by server_command, ready in 310 ms, 1 restart; log: /tmp/..." or undefined. */
export function serviceLine(report: RunReport): string | undefined {
  if (!report.service) return undefined
  const { logPath, readyMs, restarts } = report.service
  const ready =
    typeof readyMs === 'number' ? `ready in ${formatMs(readyMs)}` : 'did not become ready'
  const restarted = typeof restarts === 'number' && restarts > 0 ? `, ${restarts} restart(s)` : ''
  const log = typeof logPath === 'string' ? `; log: ${logPath}` : ''
  return `Service: started by server_command, ${ready}${restarted}${log}`
}

/**
 * "The tool itself was delayed up to 42 ms: the latency figures include it
 * (...)" when the engine judged the tool's own lag large next to the judged
 * latency (metrics.tool.lagAffectsLatency); undefined otherwise.
 */
export function toolLagWarning(report: RunReport): string | undefined {
  const tool = report.metrics.tool
  if (!tool?.lagAffectsLatency) return undefined
  const { p99, max } = tool.eventLoopLagMs
  return `The tool itself was delayed up to ${formatMs(max)}: the latency figures include it (its event loop ran late by ${formatMs(p99)} at p99; a latency check that missed by less than the delay is inconclusive, not failed)`
}

/** "event-loop lag p50 0.1 ms, p99 2 ms, max 12 ms; CPU 35.2 %" of the tool itself, or n/a. */
export function toolLoadText(report: RunReport): string {
  const tool = report.metrics.tool
  if (!tool) return NOT_AVAILABLE
  const { p50, p99, max } = tool.eventLoopLagMs
  // cpuPercent is already in percent (it can exceed 100 with helper threads).
  const cpu = formatPercent(tool.cpuPercent === null ? null : tool.cpuPercent / 100, 1)
  return `event-loop lag p50 ${formatMs(p50)}, p99 ${formatMs(p99)}, max ${formatMs(max)}; CPU ${cpu}`
}

/** "avg 120 ms, max 300 ms" of the run's recovery times. */
export function recoveryText(report: RunReport): string {
  const { avg, max } = report.metrics.recoveryTimeMs
  return `avg ${formatMs(avg)}, max ${formatMs(max)}`
}

function objectAt(
  block: { [key: string]: MetricValue } | undefined,
  key: string
): { [key: string]: MetricValue } | undefined {
  const value = block?.[key]
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : undefined
}

/**
 * "Merged from 3 reports; concurrent-connections: 30 of 30 connections
 * opened across 3 shards" for a merged report (config.mergedReports, set by
 * src/report/merge.ts); undefined for a single run.
 */
export function mergedLine(report: RunReport): string | undefined {
  const merged = report.config.mergedReports
  if (typeof merged !== 'number') return undefined
  const parts = [`Merged from ${plural(merged, 'report')}`]
  const concurrent = report.suites.find((suite) => suite.id === 'concurrent-connections')
  const connections = objectAt(concurrent?.metrics, 'connections')
  if (connections !== undefined) {
    const shards = concurrent?.metrics.shards
    const across = Array.isArray(shards) ? ` across ${shards.length} shards` : ''
    parts.push(
      `concurrent-connections: ${count(connections, 'opened')} of ${count(connections, 'target')} connections opened${across}`
    )
  }
  return parts.join('; ')
}
