/**
 * Runs the selected suites in order, each with its share of the duration and
 * a deadline, retries failed ones, and bounds the whole run so it ends within
 * `duration` + 60 s whatever the service does. A suite that throws or hangs
 * becomes a failed suite with the reason; the run itself never crashes.
 */
import type { OpenSocket } from '../client/socket-opener.js'
import type { CanCarry, Connect } from '../client/types.js'
import { suiteSettings, type Config } from '../config/schema.js'
import { describeError, isHealthError } from '../errors.js'
import { systemClock, type Clock } from '../metrics/clock.js'
import type { ServiceControl, Suite } from '../engine/suite-types.js'
import { failedToMeasure, skipped } from '../engine/checks.js'
import {
  ABORT_GRACE_MS,
  REPORT_RESERVE_MS,
  RUN_SLACK_MS,
  SUITE_GRACE_MS,
  abortable,
  createDeadline,
  deadlineError,
  pause
} from '../engine/deadline.js'
import type {
  Check,
  HeadlineSamples,
  SuiteId,
  SuiteOutcome,
  SuiteResult,
  Verdict
} from '../engine/model.js'
import { summarize } from '../metrics/recorder.js'
import {
  measuredSomething,
  notRunSuite,
  serviceDown,
  serviceDownCheck,
  worthAsking,
  type ServiceDown,
  type ServiceProbe
} from '../engine/service-down.js'
import { integrityOf, integritySince, type ReplyIntegrity } from '../engine/reply-integrity.js'
import { cancellationOf } from '../stop-signal.js'
import { interruptedChecks } from './cancellation.js'
import { overallVerdict, suiteStatus } from '../engine/verdict.js'
import { createServicePath, type FaultSource } from '../engine/service-path.js'

/** Time limits of a run; the defaults implement DESIGN.md, tests shrink them. */
export interface RunTiming {
  /** Sampling time shared by the suites, in ms (default: config.duration * 1000). */
  durationMs: number
  /** Added to a suite's budget for its fixed work, in ms (default SUITE_GRACE_MS + thresholds.messageTimeoutMs). */
  suiteGraceMs?: number
  /** The run is cut at durationMs + runSlackMs - reportReserveMs, in ms. */
  runSlackMs: number
  reportReserveMs: number
  /** Time a suite past its deadline gets to return its partial checks, in ms. */
  abortGraceMs: number
}

/** A run behind its schedule by less than this (ms) keeps its planned budgets: timing noise. */
export const SCHEDULE_TOLERANCE_MS = 1_000

export const DEFAULT_TIMING: Omit<RunTiming, 'durationMs' | 'suiteGraceMs'> = {
  runSlackMs: RUN_SLACK_MS,
  reportReserveMs: REPORT_RESERVE_MS,
  abortGraceMs: ABORT_GRACE_MS
}

/**
 * The sampling budget suite `index` gets. Each suite's fixed work
 * (handshakes, kills, an outage, resends under chaos) is planned to fit in
 * its share of the run's slack, `slackShareMs`. When the suites before it
 * took more than their shares, the suites left sample proportionally less,
 * so that they still fit in the `leftMs` before the run deadline instead of
 * being cut by it. Never grown; a run on schedule (within
 * SCHEDULE_TOLERANCE_MS) keeps every planned budget.
 */
export function shrunkBudgetMs(
  planned: readonly number[],
  index: number,
  leftMs: number,
  slackShareMs: number
): number {
  const rest = planned.slice(index)
  const restMs = rest.reduce((sum, ms) => sum + ms, 0)
  const own = Math.max(0, planned[index] ?? 0)
  const room = leftMs - slackShareMs * rest.length
  if (own === 0 || room >= restMs - SCHEDULE_TOLERANCE_MS) return own
  return Math.max(0, (own * room) / restMs)
}

export interface RunSuitesOptions {
  config: Config
  /** Suites by id (src/suites/registry.ts); selected ids missing here are reported skipped. */
  registry: ReadonlyMap<SuiteId, Suite>
  /** The URL suites talk to (the service, or the relay in front of it). */
  target: string
  connect: Connect
  canCarry: CanCarry
  clock?: Clock
  /** Raw socket opener for reconnecting clients (default openWsSocket). */
  openSocket?: OpenSocket
  /** Records a reconnection (ms of recovery) in the run's metrics. */
  recordReconnect?(recoveryMs: number): void
  /** The service started by server_command, if any. */
  service?: ServiceControl
  /** The relay in front of the service (chaos mode): the suites' path goes through it (SuiteContext.path). */
  relay?: FaultSource
  /** The run's reply-integrity counts so far (SuiteContext.replyIntegrity). */
  replyIntegrity?(): Readonly<ReplyIntegrity>
  /**
   * The round trips (ms) recorded on the run's connections so far, in order:
   * the slice a suite added becomes its metrics.probeLatencyMs.
   */
  probeLatencies?(): Float64Array
  /** Aborts the whole run (e.g. SIGINT); running suites are cut like at a deadline. */
  signal?: AbortSignal
  onSuiteStart?(suite: Suite, attempt: number): void
  onSuiteEnd?(result: SuiteResult): void
  onProgress?(id: SuiteId, done: number, total: number, note?: string): void
  /** Overrides of the time limits (tests use milliseconds). */
  timing?: Partial<RunTiming>
  /**
   * Asks whether the service still accepts connections (service-down.ts).
   * Without it a service that goes down mid-run is not detected: every later
   * suite measures (and fails) on its own.
   */
  serviceUp?: ServiceProbe
  /** Whether any connection to the service succeeded so far (default: some check passed or degraded). */
  everConnected?(): boolean
}

export interface RunSuitesResult {
  /** One result per selected suite, in run order. */
  suites: SuiteResult[]
  /** Overall verdict from src/engine/verdict.ts. */
  status: Verdict
  /** Wall time of the suites, in ms (from the injected clock). */
  durationMs: number
  /** True when the run deadline cut at least one suite. */
  runDeadlineHit: boolean
  /** Set when the service stopped accepting connections; the suites after `during` are not-run. */
  serviceDown?: ServiceDown
  /** The headline samples a suite returned (latency-performance; headline.ts). */
  headline?: HeadlineSamples
}

/** Selected suite ids in config order, without duplicates. */
export function selectedSuiteIds(config: Config): SuiteId[] {
  return [...new Set(config.suites)]
}

/**
 * Each suite's sampling budget: its share of `durationMs` by durationWeight
 * among the selected suites (ms, 0 for fixed-work suites).
 */
export function suiteBudgets(
  ids: readonly SuiteId[],
  registry: ReadonlyMap<SuiteId, Suite>,
  durationMs: number
): Map<SuiteId, number> {
  const weights = ids.map((id) => Math.max(0, registry.get(id)?.durationWeight ?? 0))
  const total = weights.reduce((sum, weight) => sum + weight, 0)
  return new Map(
    ids.map((id, index) => [id, total > 0 ? (durationMs * weights[index]) / total : 0])
  )
}

/** Runs the selected suites; never rejects. */
export async function runSuites(options: RunSuitesOptions): Promise<RunSuitesResult> {
  const { config, registry } = options
  const clock = options.clock ?? systemClock
  const timing: RunTiming = {
    ...DEFAULT_TIMING,
    durationMs: config.duration * 1000,
    ...options.timing
  }
  const runLimitMs = Math.max(0, timing.durationMs + timing.runSlackMs - timing.reportReserveMs)
  const runDeadline = createDeadline(runLimitMs, 'the run', options.signal)
  const startMs = clock.nowMs()
  const ids = selectedSuiteIds(config)
  const budgets = suiteBudgets(ids, registry, timing.durationMs)
  const planned = ids.map((id) => budgets.get(id) ?? 0)
  const slackShareMs = Math.max(0, runLimitMs - timing.durationMs) / Math.max(1, ids.length)
  const results: SuiteResult[] = []
  let down: ServiceDown | undefined
  let headline: HeadlineSamples | undefined
  try {
    for (const [index, id] of ids.entries()) {
      let suite = registry.get(id)
      if (down) {
        // Stated once per suite instead of a page of refused connections.
        const title = suite?.title ?? id
        const skippedSuite = notRunSuite(id, title, suiteSettings(config, id).critical, down)
        results.push(skippedSuite)
        notify(() => options.onSuiteEnd?.(skippedSuite))
        continue
      }
      suite = await withCode(suite)
      // Behind schedule (earlier suites overran, e.g. under chaos): sample less, not get cut.
      const leftMs = runLimitMs - (clock.nowMs() - startMs)
      const budgetMs = shrunkBudgetMs(planned, index, leftMs, slackShareMs)
      // A suite that waits past its budget must still leave the suites after it their slack.
      const endsAtMs = startMs + runLimitMs - slackShareMs * (ids.length - index - 1)
      const ran = suite
        ? await runWithRetries(
            suite,
            { budgetMs, endsAtMs },
            runDeadline.signal,
            timing,
            options,
            clock
          )
        : { result: notAvailable(id, config) }
      const result = ran.result
      headline = ran.headline ?? headline
      if (suite && budgetMs < planned[index]) {
        result.metrics.samplingBudgetMs = {
          planned: Math.round(planned[index]),
          used: Math.round(budgetMs)
        }
      }
      down = await downAfter(result, results, options, runDeadline.signal)
      if (down) {
        result.checks.push(serviceDownCheck(down))
        result.status = suiteStatus(result.checks)
      }
      results.push(result)
      notify(() => options.onSuiteEnd?.(result))
    }
  } finally {
    runDeadline.dispose()
  }
  return {
    suites: results,
    status: overallVerdict(results),
    durationMs: clock.nowMs() - startMs,
    runDeadlineHit: runDeadline.signal.aborted,
    ...(down ? { serviceDown: down } : {}),
    ...(headline ? { headline } : {})
  }
}

/**
 * The suite with its code loaded, so loading is never charged to its time;
 * a load that fails is left to `run`, which fails the same way and is reported.
 */
async function withCode(suite: Suite | undefined): Promise<Suite | undefined> {
  if (suite?.load === undefined) return suite
  try {
    return await suite.load()
  } catch {
    return suite
  }
}

/**
 * After a suite that failed something, once the run had connected: asks the
 * service for a new connection (bounded, SERVICE_UP_WINDOW_MS). A refusal
 * means it went down during this suite; a service a suite restarted on
 * purpose (self-healing) is back by then and is not down.
 */
async function downAfter(
  result: SuiteResult,
  before: readonly SuiteResult[],
  options: RunSuitesOptions,
  runSignal: AbortSignal
): Promise<ServiceDown | undefined> {
  if (options.serviceUp === undefined || runSignal.aborted) return undefined
  const everConnected = options.everConnected?.() ?? measuredSomething([...before, result])
  if (!worthAsking(result, everConnected)) return undefined
  const answer = await options.serviceUp(runSignal)
  // Cut by the run deadline: nothing was learned about the service.
  if (answer.up || runSignal.aborted) return undefined
  return serviceDown(result.id, answer.error)
}

function notAvailable(id: SuiteId, config: Config): SuiteResult {
  return {
    id,
    title: id,
    status: 'skipped',
    critical: suiteSettings(config, id).critical,
    durationMs: 0,
    checks: [
      skipped('available', 'suite available', `suite ${id} is not available in this version`)
    ],
    metrics: {}
  }
}

/** A suite's time: its sampling budget and when (Clock.nowMs) it must be done at the latest. */
interface SuiteTime {
  budgetMs: number
  endsAtMs: number
}

async function runWithRetries(
  suite: Suite,
  time: SuiteTime,
  runSignal: AbortSignal,
  timing: RunTiming,
  options: RunSuitesOptions,
  clock: Clock
): Promise<{ result: SuiteResult; headline?: HeadlineSamples }> {
  const settings = suiteSettings(options.config, suite.id)
  const startMs = clock.nowMs()
  const integrityBefore = options.replyIntegrity ? integrityOf(options.replyIntegrity()) : undefined
  const probesBefore = options.probeLatencies?.().length
  let outcome: SuiteOutcome = { checks: [], metrics: {} }
  let attempts = 0
  for (let attempt = 0; attempt <= settings.retryAttempts; attempt++) {
    if (runSignal.aborted) {
      // Past the run deadline a suite (or a retry) would only be cut at once.
      if (attempt === 0) outcome = notStarted(runSignal.reason)
      break
    }
    attempts++
    notify(() => options.onSuiteStart?.(suite, attempt))
    // Without a configured timeout a suite gets its budget, its fixed-work grace and
    // one full message timeout, so a single slow reply is judged, not cut.
    const graceMs =
      timing.suiteGraceMs ?? SUITE_GRACE_MS + options.config.thresholds.messageTimeoutMs
    const samplingMs = Math.max(
      time.budgetMs,
      suite.samplingMs?.(options.config, time.budgetMs) ?? 0
    )
    const limitMs = settings.timeout !== undefined ? settings.timeout * 1000 : samplingMs + graceMs
    outcome = await runOnce(suite, time, limitMs, runSignal, timing, options, clock)
    if (suiteStatus(outcome.checks) !== 'failed') break
  }
  // SIGINT/SIGTERM cut this suite (or kept it from starting): what it could not measure is not-run.
  const cancel = cancellationOf(runSignal)
  if (cancel) outcome = { ...outcome, checks: interruptedChecks(outcome.checks, cancel) }
  const result: SuiteResult = {
    id: suite.id,
    title: suite.title,
    status: suiteStatus(outcome.checks),
    critical: settings.critical,
    durationMs: clock.nowMs() - startMs,
    checks: outcome.checks,
    metrics: {
      ...outcome.metrics,
      attempts,
      // Per suite, over all its attempts: the run's counts changed by this suite alone.
      ...(integrityBefore && options.replyIntegrity
        ? {
            integrity: { ...integritySince(integrityBefore, integrityOf(options.replyIntegrity())) }
          }
        : {}),
      // Every round trip this suite's connections recorded (suites run one at a time).
      ...(probesBefore !== undefined && options.probeLatencies
        ? { probeLatencyMs: { ...summarize(options.probeLatencies().subarray(probesBefore)) } }
        : {})
    }
  }
  return outcome.headline ? { result, headline: outcome.headline } : { result }
}

async function runOnce(
  suite: Suite,
  { budgetMs, endsAtMs }: SuiteTime,
  limitMs: number,
  runSignal: AbortSignal,
  timing: RunTiming,
  options: RunSuitesOptions,
  clock: Clock
): Promise<SuiteOutcome> {
  const deadline = createDeadline(limitMs, `suite ${suite.id}`, runSignal)
  const { signal } = deadline
  const cutAtMs = Math.min(clock.nowMs() + limitMs, endsAtMs)
  const running = Promise.resolve().then(() =>
    suite.run({
      config: options.config,
      target: options.target,
      connect: options.connect,
      canCarry: options.canCarry,
      clock,
      signal,
      openSocket: options.openSocket,
      recordReconnect: options.recordReconnect,
      replyIntegrity: options.replyIntegrity,
      path: createServicePath({
        config: options.config,
        connect: options.connect,
        clock,
        signal,
        ...(options.relay ? { relay: options.relay } : {})
      }),
      service: options.service,
      budgetMs,
      timeLeftMs: () => Math.max(0, cutAtMs - clock.nowMs()),
      progress: (done, total, note) =>
        notify(() => options.onProgress?.(suite.id, done, total, note))
    })
  )
  try {
    const outcome = await abortable(running, signal)
    return normalise(outcome)
  } catch (error) {
    if (!signal.aborted) return thrown(error)
    // Cut at the deadline: give the suite a moment to return what it measured.
    const cutReason = isHealthError(signal.reason)
      ? signal.reason
      : deadlineError(`suite ${suite.id}`, limitMs)
    const grace = new AbortController()
    const partial = await Promise.race([
      running.then(normalise, () => null),
      pause(timing.abortGraceMs, grace.signal).then(() => null)
    ])
    grace.abort()
    return {
      checks: [
        ...(partial?.checks ?? []),
        failedToMeasure('deadline', 'finished within its deadline', cutReason)
      ],
      metrics: partial?.metrics ?? {},
      ...(partial?.headline ? { headline: partial.headline } : {})
    }
  } finally {
    deadline.dispose()
  }
}

function notStarted(reason: unknown): SuiteOutcome {
  const check = failedToMeasure('deadline', 'finished within its deadline', reason)
  check.message = `not started: ${check.message}`
  return { checks: [check], metrics: {} }
}

function normalise(outcome: SuiteOutcome): SuiteOutcome {
  if (!outcome || !Array.isArray(outcome.checks)) {
    return thrown(new TypeError('suite returned no checks'))
  }
  return {
    checks: outcome.checks,
    metrics: outcome.metrics ?? {},
    ...(outcome.headline ? { headline: outcome.headline } : {})
  }
}

function thrown(error: unknown): SuiteOutcome {
  const check: Check = failedToMeasure('suite-error', 'ran without an internal error', error)
  if (!isHealthError(error)) check.message = `suite threw: ${describeError(error)}`
  return { checks: [check], metrics: {} }
}

/** Calls an observer; a throwing progress or report callback must not end the run. */
function notify(call: () => void): void {
  try {
    call()
  } catch {
    // Observers only display; the results are unaffected.
  }
}
