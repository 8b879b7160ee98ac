/**
 * Bench (i), memory rows: one concurrent-connections run of the real engine
 * (runHealthCheck) with `connections` connections, and this process's peak
 * RSS. Run in a child of its own per service, so the peak is this run's.
 */
import { ConfigSchema } from '../../src/config/schema.js'
import { runHealthCheck } from '../../src/run/run.js'

export interface MemoryRunOptions {
  url: string
  connections: number
  /** permessage-deflate on (the deflate bomb needs it to inflate anything). */
  compression: boolean
}

export interface MemoryRunResult {
  /** Peak resident set size of the process over the whole run, bytes. */
  peakRssBytes: number
  /** The run's verdict and the distinct codes of its failed checks (why a hostile run fails). */
  status: string
  codes: string[]
  durationMs: number
}

/** The suite the memory figures were taken with: 20 connections at once. */
const SUITE = 'concurrent-connections'

export async function memoryRun(options: MemoryRunOptions): Promise<MemoryRunResult> {
  const config = ConfigSchema.parse({
    url: options.url,
    suites: [SUITE],
    duration: 2,
    connectionCount: options.connections,
    compression: options.compression,
    protocolViolations: false
  })
  const report = await runHealthCheck(config)
  const codes = new Set<string>()
  for (const check of report.suites.flatMap((suite) => suite.checks)) {
    if (check.status === 'failed' && check.code !== undefined) codes.add(check.code)
  }
  return {
    // resourceUsage().maxRSS is in kilobytes (getrusage ru_maxrss).
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    status: report.status,
    codes: [...codes],
    durationMs: report.durationMs
  }
}
