/**
 * The single orchestrator behind the action and the CLI: config -> probe
 * protocol, recorder and connector -> runSuites -> RunReport. It never
 * invents a result: with no service given it refuses to start, and an
 * unreachable service yields a failed report carrying the reason.
 */
import { createConnector, connectionOptionsFromConfig } from '../client/connection.js'
import { createProbeProtocol, type ProbeProtocol } from '../client/protocol.js'
import { suiteSettings, type Config } from '../config/schema.js'
import { redactConfig, redactUrl } from '../config/redact.js'
import { configSecrets, scrubDeep } from '../config/scrub.js'
import { HealthError, isHealthError } from '../errors.js'
import { systemClock, type Clock } from '../metrics/clock.js'
import {
  createRunRecorder,
  liveFigures,
  type LiveFigures,
  type RunRecorder
} from '../metrics/run-recorder.js'
import { runHistograms } from '../metrics/run-histograms.js'
import { startToolMonitor, type ToolMetrics } from '../metrics/tool-monitor.js'
import { applyShard } from '../engine/shard.js'
import { SUITES } from '../suites/registry.js'
import type { Suite } from '../engine/suite-types.js'
import type { ChaosRelay } from '../chaos/relay.js'
import { chaosRetryWindowMs } from '../engine/chaos-timing.js'
import { failedToMeasure } from '../engine/checks.js'
import { finalize } from '../engine/finalize.js'
import { withHeadline } from './headline.js'
import type { MetricValue, RunReport, SuiteId, SuiteResult } from '../engine/model.js'
import { protocolViolationChecks, withMessageDeliveryChecks } from './protocol-violations.js'
import { createServiceProbe, type ServiceProbe } from '../engine/service-down.js'
import { runSuites, selectedSuiteIds, type RunSuitesResult, type RunTiming } from './runner.js'
import type { RunningService } from '../engine/service.js'
import { overallVerdict } from '../engine/verdict.js'
import { splitDuration } from '../engine/stress-budget.js'
import type { StressOverrides } from '../engine/stress-phase.js'
import type { StressEffect } from '../engine/stress-verdict.js'
import { REPORT_RESERVE_MS, RUN_SLACK_MS } from '../engine/deadline.js'
import { toolLoad } from '../engine/tool-lag.js'
import { cancellationOf, isCancellation } from '../stop-signal.js'
import { cancelledBeforeSuites, withoutCancelledFailures } from './cancellation.js'

/**
 * Chaos mode's relay and connector, loaded when a run turns chaos on: a run
 * without it never evaluates the relay (BENCHMARKS.md, (e)). Stress mode is
 * loaded the same way, after the suites.
 */
function chaosMode(): Promise<typeof import('../engine/chaos-mode.js')> {
  return import('../engine/chaos-mode.js')
}

/** Where a run is, for a progress line; nothing else depends on it. */
export interface RunProgress {
  /** The running suite, or 'stress' while stress mode runs after the suites. */
  suite: SuiteId | 'stress'
  /** 1-based position of the suite among the selected ones. */
  index: number
  count: number
  /** Steps done of `total` within the suite (0 of 1 when it starts). */
  done: number
  total: number
  note?: string
  /**
   * The run's figures so far (probes, p95, errors), computed when called: a
   * live log reads them every few seconds, never per update.
   */
  figures(): LiveFigures
}

export interface RunDeps {
  /** Monotonic clock for every duration (default: the system clock). */
  clock?: Clock
  onProgress?(progress: RunProgress): void
  /** Called as each suite finishes. */
  onSuiteEnd?(result: SuiteResult): void
  /** Aborts the run (SIGINT); suites are cut and report what they measured. */
  signal?: AbortSignal
  /** Suites by id (default: src/suites/registry.ts). */
  registry?: ReadonlyMap<SuiteId, Suite>
  /** Time-limit overrides for tests (ms). */
  timing?: Partial<RunTiming>
  /** Working directory of server_command (default process.cwd()). */
  cwd?: string
  /** Stress-mode overrides for tests (fd limit, descriptors per connection, step time, scenarios). */
  stress?: StressOverrides
}

/**
 * Runs the configured suites against `config.url` and returns the report.
 * Resolves within `duration` + 60 s; rejects only for a configuration it
 * cannot run (HealthError WSH_ERR_CONFIG).
 */
export async function runHealthCheck(whole: Config, deps: RunDeps = {}): Promise<RunReport> {
  // `shard: K/N` narrows the suites and connections this job runs (src/engine/shard.ts).
  const config = applyShard(whole)
  const url = config.url
  if (url === undefined) {
    throw new HealthError(
      'WSH_ERR_CONFIG',
      'url is required: pass --url / input url (the CLI and the action discover it when not given)'
    )
  }
  const secrets = configSecrets(config)
  const onSuiteEnd = deps.onSuiteEnd
  // Suite results are shown live (console), so they leave scrubbed like the report.
  if (onSuiteEnd) deps = { ...deps, onSuiteEnd: (suite) => onSuiteEnd(scrubDeep(suite, secrets)) }
  const clock = deps.clock ?? systemClock
  // Wall-clock time only labels the report; every duration comes from `clock`.
  const startedAt = new Date().toISOString()
  const startMs = clock.nowMs()

  const protocol = createProbeProtocol(config)
  const recorder = createRunRecorder(clock)
  const registry = deps.registry ?? SUITES
  let result: RunSuitesResult | undefined
  let service: RunningService | undefined
  let relay: ChaosRelay | undefined
  let chaos: RunReport['chaos']
  let stress: RunReport['stress']
  const sampling = samplingSplit(config, deps.timing)
  // The tool's own lag lands in every round trip it times, so the run measures it too.
  const toolMonitor = startToolMonitor({ clock })
  let tool: ToolMetrics
  try {
    // server_command: the run starts the service, and stops it in `finally`.
    if (config.serverCommand !== undefined) {
      try {
        // Loaded only here: child processes are for server_command alone.
        const { startService } = await import('../engine/service.js')
        service = await startService({
          command: config.serverCommand,
          url,
          readyTimeoutMs: config.serverReadyTimeout * 1000,
          cwd: deps.cwd ?? process.cwd(),
          headers: config.headers,
          subprotocols: config.subprotocols,
          clock,
          // The service may print its token: its log file and quoted lines are scrubbed.
          secrets,
          // An interrupt while the service boots stops it too (startService stops it, then rethrows).
          signal: deps.signal
        })
      } catch (error) {
        result = serviceNotStarted(config, registry, error)
      }
    }
    if (result === undefined) {
      if (config.chaosMode) relay = await (await chaosMode()).startChaosMode(config, url, clock)
      const measured = await measureService({
        config,
        url,
        relay,
        service,
        protocol,
        recorder,
        registry,
        clock,
        deps,
        sampling,
        startMs,
        figures: () => liveFigures(recorder)
      })
      result = measured.result
      stress = measured.stress?.block
    }
  } finally {
    tool = toolMonitor.stop()
    if (relay) {
      chaos = (await chaosMode()).chaosReport(relay)
      await relay.close()
    }
    await service?.stop()
  }

  // Headline latency and throughput are latency-performance's own figures (headline.ts).
  const headlined = withHeadline(
    recorder.toRunMetrics(result.durationMs),
    runHistograms(recorder, result.durationMs),
    result.headline,
    result.suites
  )
  const metrics = { ...headlined.metrics, tool: toolLoad(tool, result.suites) }
  const latencyHistogram = headlined.latencyHistogram
  // SIGINT/SIGTERM: the run judged nothing; what it cut short is not-run, not failed.
  const cancel = cancellationOf(deps.signal)
  const suites = cancel ? withoutCancelledFailures(result.suites, cancel) : result.suites
  // Text the service produced (close reasons, replies, errors) may quote a secret back.
  // Verdict, stress downgrade and score: the same finalize() a merge ends with.
  return scrubDeep<RunReport>(
    finalize({
      schemaVersion: 1,
      // finalize() keeps a cancelled run's status `cancelled`.
      ...(cancel ? { cancelled: { signal: cancel.signal, reason: cancel.message } } : {}),
      // Credentials in the URL (userinfo, token query parameters) never reach a report.
      target: redactUrl(url),
      startedAt,
      durationMs: clock.nowMs() - startMs,
      config: redactConfig(config),
      suites,
      metrics,
      latencyHistogram,
      ...(chaos ? { chaos } : {}),
      ...(stress ? { stress } : {}),
      ...(config.serverCommand !== undefined
        ? {
            service: {
              logPath: service?.logPath ?? null,
              readyMs: service?.readyMs ?? null,
              restarts: service?.restarts ?? 0
            }
          }
        : {})
    }),
    secrets
  )
}

interface MeasureOptions {
  config: Config
  /** The service's own URL. */
  url: string
  relay: ChaosRelay | undefined
  service: RunningService | undefined
  protocol: ProbeProtocol
  recorder: RunRecorder
  registry: ReadonlyMap<SuiteId, Suite>
  clock: Clock
  deps: RunDeps
  sampling: ReturnType<typeof samplingSplit>
  startMs: number
  /** The recorder's live figures, one function for every progress update. */
  figures: () => LiveFigures
}

interface Measured {
  result: RunSuitesResult
  stress?: { block: { [key: string]: MetricValue }; effect: StressEffect }
}

/**
 * The run's measuring phases in order: the suites, stress mode, then the
 * protocol-violation probes last (protocol-violations.ts says why), each
 * told when the service went down before it.
 */
async function measureService(options: MeasureOptions): Promise<Measured> {
  const { config, url, clock, deps, sampling, startMs } = options
  const serviceUp = createServiceProbe({ url, config, clock })
  const result = await runSelectedSuites(options, serviceUp)
  const endByMs =
    startMs +
    sampling.totalMs +
    (deps.timing?.runSlackMs ?? RUN_SLACK_MS) -
    (deps.timing?.reportReserveMs ?? REPORT_RESERVE_MS)
  const stress = config.stressTest
    ? await (
        await import('../engine/stress-phase.js')
      ).runStressPhase({
        config,
        // Straight to the service, never through the chaos relay (stress-phase.ts says why).
        url,
        protocol: options.protocol,
        clock,
        budgetMs: sampling.stressMs,
        endByMs,
        graceMs: deps.timing?.suiteGraceMs,
        abortGraceMs: deps.timing?.abortGraceMs,
        signal: deps.signal,
        progress: progressOf(options, 'stress'),
        overrides: deps.stress,
        ...(result.serviceDown ? { notRunBecause: result.serviceDown.cause } : {})
      })
    : undefined
  if (!config.suites.includes('message-delivery')) return { result, stress }
  progressOf(options, 'message-delivery')?.(0, 1, 'protocol-violation probes')
  const checks = await protocolViolationChecks({
    config,
    url,
    protocol: options.protocol,
    recorder: options.recorder,
    clock,
    serviceUp,
    down: result.serviceDown,
    everConnected: options.recorder.connectTimes.count > 0,
    after: stress ? 'stress mode' : 'the suites',
    endByMs,
    signal: deps.signal
  })
  return { result: withMessageDeliveryChecks(result, checks), stress }
}

/** A progress callback for `phase` (a suite id or stress mode), when the caller asked for progress. */
function progressOf(
  options: MeasureOptions,
  phase: SuiteId | 'stress'
): ((done: number, total: number, note?: string) => void) | undefined {
  const onProgress = options.deps.onProgress
  if (!onProgress) return undefined
  const ids = selectedSuiteIds(options.config)
  const index = phase === 'stress' ? ids.length + 1 : ids.indexOf(phase) + 1
  const count = phase === 'stress' ? ids.length + 1 : ids.length
  const figures = options.figures
  return (done, total, note) =>
    onProgress({ suite: phase, index, count, done, total, note, figures })
}

/** The selected suites, through the chaos relay when it runs; never rejects. */
async function runSelectedSuites(
  options: MeasureOptions,
  serviceUp: ServiceProbe
): Promise<RunSuitesResult> {
  const { config, url, relay, clock, recorder, protocol, deps } = options
  // Under chaos every suite talks to the relay; thresholds then judge recovery under faults.
  const target = relay?.url ?? url
  const direct = createConnector({
    url: target,
    clock,
    protocol,
    recorder,
    ...connectionOptionsFromConfig(config)
  })
  // Under chaos a connect the relay refuses in its fault window is retried (bounded), so
  // the suites judge the service's recovery, not the injected refusal (chaos-mode.ts).
  let connect = direct
  if (relay) {
    const { createChaosConnector } = await chaosMode()
    connect = createChaosConnector({
      connect: direct,
      relayUrl: relay.url,
      target: url,
      clock,
      retryWindowMs: chaosRetryWindowMs(relay.faults)
    })
  }
  const onProgress = deps.onProgress
  return runSuites({
    config,
    registry: options.registry,
    target,
    connect,
    canCarry: protocol.canCarry,
    clock,
    // Reconnecting clients (self-healing) report their recoveries into the run's metrics.
    recordReconnect: (recoveryMs) => recorder.recordReconnect(recoveryMs),
    replyIntegrity: () => recorder.counters,
    probeLatencies: () => recorder.latency.values(),
    ...(options.service ? { service: options.service } : {}),
    ...(relay
      ? {
          relay: {
            faults: relay.faults,
            injected: () => ({ ...relay.injected }),
            heldBetween: (fromMs: number, toMs: number) => relay.heldBetween(fromMs, toMs),
            refusalsBetween: (fromMs: number, toMs: number) => relay.refusalsBetween(fromMs, toMs)
          }
        }
      : {}),
    signal: deps.signal,
    // Stress mode takes its share of the sampling time after the suites (src/engine/stress.ts).
    timing: { ...deps.timing, durationMs: options.sampling.suitesMs },
    // A suite that failed after the run had connected asks whether the service went down.
    serviceUp,
    everConnected: () => recorder.connectTimes.count > 0,
    onSuiteStart: onProgress ? (suite) => progressOf(options, suite.id)?.(0, 1) : undefined,
    onProgress: onProgress
      ? (id, done, total, note) => progressOf(options, id)?.(done, total, note)
      : undefined,
    onSuiteEnd: deps.onSuiteEnd
  })
}

/** The run's sampling time (ms) and its split between the suites and stress mode. */
function samplingSplit(
  config: Config,
  timing: Partial<RunTiming> | undefined
): { totalMs: number; suitesMs: number; stressMs: number } {
  const totalMs = timing?.durationMs ?? config.duration * 1000
  return { totalMs, ...splitDuration(totalMs, config.stressTest) }
}

/**
 * The suites' result when server_command did not come up: every suite
 * failed with the reason (a failed validation, exit 1), or not-run when
 * SIGINT/SIGTERM interrupted the start. Anything else is rethrown.
 */
function serviceNotStarted(
  config: Config,
  registry: ReadonlyMap<SuiteId, Suite>,
  error: unknown
): RunSuitesResult {
  if (isCancellation(error)) {
    const suites = cancelledBeforeSuites(config, selectedSuiteIds(config), registry, error)
    return { suites, status: overallVerdict(suites), durationMs: 0, runDeadlineHit: false }
  }
  if (!isHealthError(error) || error.code !== 'WSH_ERR_SERVER_START') throw error
  return notStarted(config, registry, error)
}

/** Every selected suite failed with the reason the service did not start. */
function notStarted(
  config: Config,
  registry: ReadonlyMap<SuiteId, Suite>,
  error: HealthError
): RunSuitesResult {
  const suites: SuiteResult[] = selectedSuiteIds(config).map((id) => ({
    id,
    title: registry.get(id)?.title ?? id,
    status: 'failed',
    critical: suiteSettings(config, id).critical,
    durationMs: 0,
    checks: [failedToMeasure('server-start', 'service started by server_command', error)],
    metrics: {}
  }))
  return { suites, status: overallVerdict(suites), durationMs: 0, runDeadlineHit: false }
}
