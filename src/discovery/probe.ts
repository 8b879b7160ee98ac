/**
 * Probes candidates on this machine only, with real WebSocket handshakes.
 * Documented order: candidates by priority; for each, a TCP check on each
 * host (127.0.0.1 first, then what localhost resolves to, loopback only);
 * then, on the first host that accepted, the candidate's own path followed by
 * the `paths` list. The first attempt in that order that upgrades (101) wins,
 * however the parallel attempts finish. A refused port costs one attempt.
 */
import { lookup } from 'node:dns/promises'
import { systemClock, type Clock } from '../metrics/clock.js'
import { attemptHandshake, checkPort, type AttemptResult } from './handshake.js'
import { firstInOrder } from './ordered-pool.js'
import type { Candidate, ProbeAttempt } from './types.js'
import { isLoopbackHost, wsUrl } from './ws-url.js'

export interface ProbeOptions {
  /** Paths tried per port, in order (config discovery_paths; discovery prepends project paths). */
  paths: string[]
  /** Loopback hosts tried per path: 127.0.0.1, ::1 or localhost (resolved, loopback addresses only). */
  hosts?: string[]
  /** Limit for each TCP check and each handshake, in ms (config discovery_timeout_ms). */
  timeoutMs: number
  /** Attempts in flight at once (default 4). */
  concurrency?: number
  /** Candidates probed, best first; the rest are recorded as skipped (default 16). */
  maxCandidates?: number
  /**
   * Limit for the whole probe, in ms (default 30000): attempts still running
   * then are recorded as cancelled, so discovery ends in bounded time even
   * when many ports accept TCP and never answer.
   */
  totalTimeoutMs?: number
  /** Extra handshake headers (e.g. auth); never recorded. */
  headers?: Record<string, string>
  /** Stops probing early; resolves with what was tried. */
  signal?: AbortSignal
  clock?: Clock
}

/**
 * Bounds of a probe that are not user settings (the user's, paths and the
 * per-attempt timeout, come from config through the caller).
 */
export const PROBE_LIMITS = {
  hosts: ['127.0.0.1', 'localhost'],
  concurrency: 4,
  maxCandidates: 16,
  totalTimeoutMs: 30_000
} as const

export interface ProbeResult {
  /** URL of the winning attempt, or null. */
  chosen: string | null
  /** Every attempt in documented order (TCP failures carry no path). */
  attempts: ProbeAttempt[]
}

function intOption(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name}: got ${String(value)}; expected an integer from ${min} to ${max}`)
  }
}

function validate(options: Settings): void {
  intOption('timeoutMs', options.timeoutMs, 1, 60_000)
  intOption('concurrency', options.concurrency, 1, 64)
  intOption('maxCandidates', options.maxCandidates, 1, 1000)
  intOption('totalTimeoutMs', options.totalTimeoutMs, 1, 600_000)
  for (const host of options.hosts) {
    if (!isLoopbackHost(host)) {
      throw new RangeError(
        `hosts: got ${JSON.stringify(host)}; discovery only probes loopback hosts (127.0.0.1, ::1, localhost)`
      )
    }
  }
  for (const route of options.paths) {
    if (!route.startsWith('/') || /\s/.test(route)) {
      throw new RangeError(`paths: got ${JSON.stringify(route)}; expected a path starting with /`)
    }
  }
}

/** Loopback addresses for a host name; `localhost` is resolved and anything else it maps to is dropped. */
async function addressesOf(host: string): Promise<string[]> {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase()
  if (bare === '0.0.0.0') return ['127.0.0.1'] // bound to every interface, loopback included
  if (bare === '::') return ['::1']
  if (bare !== 'localhost') return [bare]
  try {
    const found = await lookup('localhost', { all: true })
    const loopback = found
      .map((entry) => entry.address)
      .filter((address) => isLoopbackHost(address))
    return loopback.length > 0 ? loopback : ['127.0.0.1']
  } catch {
    return ['127.0.0.1']
  }
}

interface Task {
  candidate: Candidate
  host: string
  path?: string
}

/**
 * Probes `candidates` (in their order) and resolves with the first URL that
 * upgraded in the documented order, plus every attempt with its reason.
 * Throws RangeError for bad options, including any non-loopback host.
 */
export async function probeCandidates(
  candidates: Candidate[],
  options: ProbeOptions
): Promise<ProbeResult> {
  const settings = {
    paths: options.paths,
    hosts: options.hosts ?? [...PROBE_LIMITS.hosts],
    timeoutMs: options.timeoutMs,
    concurrency: options.concurrency ?? PROBE_LIMITS.concurrency,
    maxCandidates: options.maxCandidates ?? PROBE_LIMITS.maxCandidates,
    totalTimeoutMs: options.totalTimeoutMs ?? PROBE_LIMITS.totalTimeoutMs
  }
  validate(settings)
  const limit = limitSignal(options.signal, settings.totalTimeoutMs)
  try {
    return await probeWithin(candidates, settings, options, limit.signal)
  } finally {
    limit.dispose()
  }
}

/** The caller's signal combined with the total time limit (AbortSignal.any needs Node 20.3). */
function limitSignal(
  outer: AbortSignal | undefined,
  totalTimeoutMs: number
): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController()
  const timer = setTimeout(
    () =>
      controller.abort(
        `stopped: discovery time limit of ${totalTimeoutMs} ms reached (totalTimeoutMs)`
      ),
    totalTimeoutMs
  )
  const onAbort = (): void => controller.abort(outer?.reason)
  if (outer?.aborted) onAbort()
  else outer?.addEventListener('abort', onAbort, { once: true })
  return {
    signal: controller.signal,
    dispose: () => {
      clearTimeout(timer)
      outer?.removeEventListener('abort', onAbort)
    }
  }
}

type Settings = Required<Omit<ProbeOptions, 'signal' | 'headers' | 'clock'>>

async function probeWithin(
  candidates: Candidate[],
  settings: Settings,
  options: ProbeOptions,
  stop: AbortSignal
): Promise<ProbeResult> {
  const clock = options.clock ?? systemClock
  // Each attempt is kept with its candidate's index so the final list is in documented order.
  const recorded: Array<{ order: number; attempt: ProbeAttempt }> = []
  const order = new Map(candidates.map((candidate, index) => [candidate, index]))
  const record = (candidate: Candidate, attempt: ProbeAttempt): void => {
    recorded.push({ order: order.get(candidate) ?? 0, attempt })
  }
  const baseHosts = [...new Set((await Promise.all(settings.hosts.map(addressesOf))).flat())]

  // Phase 1: which (port, host) pairs accept TCP at all; a refused port is recorded once, not per path.
  const pairs: Array<{ candidate: Candidate; host: string }> = []
  candidates.forEach((candidate, index) => {
    const skip = (host: string, reason: string): void => {
      record(candidate, {
        url: wsUrl(host, candidate.port),
        host,
        port: candidate.port,
        source: candidate.source,
        outcome: 'skipped',
        reason,
        durationMs: 0
      })
    }
    if (index >= settings.maxCandidates) {
      skip(
        baseHosts[0],
        `not probed: more than ${settings.maxCandidates} candidates (raise maxCandidates)`
      )
      return
    }
    if (candidate.host !== undefined && !isLoopbackHost(candidate.host)) {
      skip(
        candidate.host,
        'not probed: discovery only probes loopback hosts (127.0.0.1, ::1, localhost)'
      )
      return
    }
    const own = candidate.host === undefined ? [] : [candidate.host]
    for (const host of new Set([...own.map((h) => h.replace(/^\[|\]$/g, '')), ...baseHosts])) {
      if (host === 'localhost' || host === '0.0.0.0' || host === '::') continue // covered by baseHosts
      pairs.push({ candidate, host })
    }
  })
  const reachable = new Set<string>()
  const tcp = await firstInOrder(
    pairs.length,
    settings.concurrency,
    stop,
    async (index, signal) => {
      const started = clock.nowMs()
      const failure = await checkPort(
        pairs[index].host,
        pairs[index].candidate.port,
        settings.timeoutMs,
        signal
      )
      return { failure, durationMs: clock.nowMs() - started }
    },
    () => false
  )
  pairs.forEach(({ candidate, host }, index) => {
    const result = tcp.results[index]
    if (result === undefined) return
    if (result.failure === null) reachable.add(`${host}|${candidate.port}`)
    else
      record(candidate, {
        url: wsUrl(host, candidate.port),
        host,
        port: candidate.port,
        source: candidate.source,
        ...result.failure,
        durationMs: result.durationMs
      })
  })

  // Phase 2: handshakes in documented order over the reachable pairs.
  const tasks: Task[] = []
  for (const candidate of candidates.slice(0, settings.maxCandidates)) {
    const routes = [
      ...new Set([...(candidate.path === undefined ? [] : [candidate.path]), ...settings.paths])
    ]
    // One host per port: a port open on both 127.0.0.1 and ::1 is a dual-stack listener in
    // practice, and trying every path twice would double the attempts for nothing.
    const host = pairs.find(
      (pair) => pair.candidate === candidate && reachable.has(`${pair.host}|${candidate.port}`)
    )?.host
    if (host !== undefined) for (const path of routes) tasks.push({ candidate, host, path })
  }
  const handshakes = await firstInOrder<AttemptResult & { durationMs: number }>(
    tasks.length,
    settings.concurrency,
    stop,
    async (index, signal) => {
      const { candidate, host, path } = tasks[index]
      const started = clock.nowMs()
      const result = await attemptHandshake(wsUrl(host, candidate.port, path), {
        timeoutMs: settings.timeoutMs,
        headers: options.headers,
        signal
      })
      return { ...result, durationMs: clock.nowMs() - started }
    },
    (result) => result.outcome === 'upgraded'
  )
  tasks.forEach(({ candidate, host, path }, index) => {
    const result = handshakes.results[index]
    if (result === undefined) return
    record(candidate, {
      url: wsUrl(host, candidate.port, path),
      host,
      port: candidate.port,
      path,
      source: candidate.source,
      ...result
    })
  })
  const chosen =
    handshakes.winner >= 0
      ? wsUrl(
          tasks[handshakes.winner].host,
          tasks[handshakes.winner].candidate.port,
          tasks[handshakes.winner].path
        )
      : null
  // Documented order: per candidate, its TCP failures, then its handshakes (sort is stable).
  recorded.sort((a, b) => a.order - b.order)
  return { chosen, attempts: recorded.map((entry) => entry.attempt) }
}
