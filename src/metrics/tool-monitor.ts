/**
 * The tool watching itself: how late its own event loop ran and how much CPU
 * it used while it measured. A round trip is timed on this event loop, so
 * when the loop is blocked (GC, a busy suite, a slow CI runner) the delay
 * lands in the latency figures as if the service had taken it.
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks'
import { systemClock, type Clock } from './clock.js'

/**
 * Sampling interval of the event-loop delay timer (ms). Node's default: fine
 * enough that a run of a few seconds gives hundreds of samples, coarse
 * enough that the timer itself costs nothing measurable in benchmark (b).
 */
export const TOOL_LAG_RESOLUTION_MS = 10

/** The tool's own load over a window (the JSON report's `metrics.tool`). */
export interface ToolMetrics {
  /**
   * How late the event loop ran a timer that was due (ms): 0 on an idle
   * loop, the length of a block when something held the loop. Null when the
   * window was too short for one sample.
   */
  eventLoopLagMs: { p50: number | null; p99: number | null; max: number | null }
  /**
   * CPU time the process used (user + system) over the window's wall time,
   * in percent; may exceed 100 when helper threads (GC, libuv) ran in
   * parallel. Null for an empty window.
   */
  cpuPercent: number | null
}

export interface ToolMonitor {
  /** The figures so far, without stopping. */
  read(): ToolMetrics
  /** Stops sampling and returns the window's figures; later calls return the same. */
  stop(): ToolMetrics
}

export interface ToolMonitorOptions {
  /** Wall time for the CPU share (default: the system clock). */
  clock?: Clock
  /** Timer interval of the delay sampling (ms, default TOOL_LAG_RESOLUTION_MS). */
  resolutionMs?: number
}

/** Starts measuring the tool's own event-loop delay and CPU use now. */
export function startToolMonitor(options: ToolMonitorOptions = {}): ToolMonitor {
  const clock = options.clock ?? systemClock
  const resolutionMs = options.resolutionMs ?? TOOL_LAG_RESOLUTION_MS
  const histogram = monitorEventLoopDelay({ resolution: resolutionMs })
  histogram.enable()
  const startMs = clock.nowMs()
  const startCpu = process.cpuUsage()
  let stopped: ToolMetrics | undefined

  const read = (): ToolMetrics => {
    if (stopped) return stopped
    const wallMs = clock.nowMs() - startMs
    const cpu = process.cpuUsage(startCpu)
    return {
      eventLoopLagMs: lagOf(histogram, resolutionMs),
      cpuPercent: wallMs > 0 ? ((cpu.user + cpu.system) / 1000 / wallMs) * 100 : null
    }
  }
  return {
    read,
    stop() {
      if (stopped) return stopped
      stopped = read()
      histogram.disable()
      return stopped
    }
  }
}

/**
 * The histogram records the time between timer runs (ns), which includes
 * the interval itself: the lag is what exceeds it.
 */
function lagOf(histogram: IntervalHistogram, resolutionMs: number): ToolMetrics['eventLoopLagMs'] {
  if (histogram.count === 0) return { p50: null, p99: null, max: null }
  const lagMs = (ns: number): number => Math.max(0, ns / 1e6 - resolutionMs)
  return {
    p50: lagMs(histogram.percentile(50)),
    p99: lagMs(histogram.percentile(99)),
    max: lagMs(histogram.max)
  }
}
