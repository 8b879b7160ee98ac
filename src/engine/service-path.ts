/**
 * The path between the suites and the service: straight to it, or through
 * the chaos relay (chaos mode). Every concern the relay's faults raise lives
 * here, so a suite measures and judges the same way on either path:
 *
 * - a lane reopens a connection the relay dropped, and only one the relay
 *   could have dropped (never one the service closed with 1009);
 * - `probe` resends a probe the relay lost, after the slowest round trip the
 *   faults can cause, instead of waiting out the message timeout;
 * - a ledger excuses no more lost pings or probes than the relay injected
 *   while the suite ran, and takes out of a round trip what the relay held it;
 * - `retryCutStep` tries again a step (a close handshake, a size try) that an
 *   injected drop cut.
 *
 * On a direct path every one of these is the identity: no resend, no
 * reopening, nothing excused, one try.
 */
import type { FaultConfig } from '../chaos/faults.js'
import { injectedDelayAllowanceMs, maxInjectedDelayMs } from '../chaos/injected-delay.js'
import type { InjectedFaults } from '../chaos/relay-types.js'
import type { RefusalWindow } from '../chaos/refusal-ledger.js'
import type {
  CloseInfo,
  Connect,
  Connection,
  ConnectionOptions,
  ProbeOptions,
  RoundTrip
} from '../client/types.js'
import type { Config } from '../config/schema.js'
import { HealthError, isHealthError } from '../errors.js'
import type { Clock } from '../metrics/clock.js'
import { CHAOS_PROBE_MAX_RESENDS, chaosProbeTimeoutMs, chaosRetryWindowMs } from './chaos-timing.js'
import type { MetricValue } from './model.js'
import {
  MESSAGE_TOO_BIG,
  closedWith,
  connectWithin,
  closeQuietly,
  runProbes,
  type ProbeRunOptions,
  type ProbeRunResult
} from './probes.js'

/** What the engine knows of the relay in front of the service: its faults, its counts, its holds. */
export interface FaultSource {
  faults: FaultConfig
  /** What the relay injected since the run began. */
  injected(): Readonly<InjectedFaults>
  /** How long (ms) the relay held the frames that arrived between two clock readings. */
  heldBetween?(fromMs: number, toMs: number): number
  /** When between two clock readings the relay refused new upgrades on its own account. */
  refusalsBetween?(fromMs: number, toMs: number): readonly RefusalWindow[]
}

/**
 * Tries of a step an injected drop can cut (a close handshake, one size
 * try) on a lossy path. The relay drops a connection with p = 0.1 per
 * message and direction by default, so a fault that persists over three
 * fresh connections is the service's, not the relay's (about 1 in 200).
 */
export const CUT_STEP_TRIES = 3
/**
 * Tries of a lane's reopening on a lossy path. The relay refuses new
 * connections for a while after every drop it injects, relay-wide, and other
 * lanes' traffic keeps causing drops: one connector retry window may not see
 * the relay open again, though it does once those lanes are down too.
 */
export const LANE_REOPEN_TRIES = 3
/**
 * Pipelined phases on a lossy path: probes per wave, wall time (ms) per
 * phase, and the probes a phase judges at least (one wave). The relay's
 * random_disconnect is drawn per message, so a wave of 40 (at p = 0.1)
 * almost never survives: small waves let the service's replies be judged,
 * and the cap keeps every lost message's resend wait from eating the
 * deadline. Each phase runs at least one wave.
 */
export const LOSSY_WAVE = 5
export const LOSSY_PHASE_MS = 3_000
const LOSSY_MIN_JUDGED = LOSSY_WAVE

/**
 * One connection a suite probes over. On a lossy path a drop is the relay's
 * injected fault: `recover` opens one replacement however many pipelined
 * probes ask at once, and the probes lost with the old one are resent.
 */
export interface Lane {
  /** The connection probes go over now. */
  current(): Connection
  /** Every connection the lane opened, the first one first. */
  readonly opened: readonly Connection[]
  /** The connection if open, else a fresh one (on any path): a phase never inherits a connection another closed. */
  reopen(): Promise<Connection>
  /**
   * After a drop: on a lossy path a fresh connection (never after a 1009
   * close: resending would be refused again); on a direct path the current
   * connection as it is, so the service's close is what gets judged.
   */
  recover(): Promise<Connection>
  /** Connections opened to replace a closed one. */
  reopens(): number
  close(): Promise<void>
}

/** One probe's round trip and what the path did to get it answered. */
export interface SingleProbe {
  trip: RoundTrip
  /** Attempts after the first: resent after a lost reply, or after the connection dropped. */
  resends: number
  /** Connections the lane reopened for this probe. */
  reopens: number
}

/** Reopenings one probe may ask of its lane (probeOnce), so a relay dropping everything ends it. */
export const MAX_PROBE_REOPENS = 3

/** runProbes options a suite sets; the path adds the timeout, resend, reopening, signal and clock. */
export type LaneProbeOptions = Omit<
  ProbeRunOptions,
  'signal' | 'clock' | 'timeoutMs' | 'reconnect' | 'resendAfterMs' | 'maxResends'
> & { timeoutMs?: number }

/** What the path injected from the moment a ledger was opened (zeros on a direct path). */
export interface FaultLedger {
  injected(): InjectedFaults
  /** Whether ownTimeMs can take the path's holds out (a direct path holds nothing, so true there too). */
  readonly measuresHolds: boolean
  /**
   * Takes one ping or probe lost with `connection` as the path's: true when
   * the connection is down and fewer were excused than the path dropped
   * connections since the ledger opened; false on a direct path.
   */
  excuseDrop(connection: Connection): boolean
  /** Lost messages excused so far through excuseDrop. */
  excusedDrops(): number
  /**
   * The service's own time of one sequential round trip from `fromMs` to
   * `toMs` taking `rttMs`: less what the path held its frames for. Undefined
   * when the path may have delayed it but keeps no hold ledger and data
   * arrived meanwhile (it may have waited behind a delayed message).
   */
  ownTimeMs(rttMs: number, fromMs: number, toMs: number, dataArrived: boolean): number | undefined
  /** Why a drop without a close frame is not judged (the path injected drops meanwhile), else undefined. */
  dropExcuse(): string | undefined
  /** Resends beyond what the path lost or dropped since the ledger opened: the service's own losses. */
  unexcusedResends(resent: number): number
}

export interface ServicePath {
  /** The path drops connections and loses messages itself, so a lost probe costs a resend wait: plan phases with that. */
  readonly lossy: boolean
  /** Tries a probe gets (1 on a direct path) and how long each waits (ms). */
  readonly tries: { count: number; timeoutMs: number }
  /** Tries of a step an injected drop can cut (CUT_STEP_TRIES on a lossy path, else 1). */
  readonly stepTries: number
  /** How long (ms) the path may refuse connects after a drop it injected (0 on a direct path). */
  readonly refusalWindowMs: number
  /**
   * When between two clock readings the path refused connects on its own
   * account (the relay's 503 window after a drop it injected, an outage);
   * none on a direct path.
   */
  refusalsBetween(fromMs: number, toMs: number): readonly RefusalWindow[]
  /**
   * When drops are per-message faults to heal from: how long (ms) after one
   * the path may take to let a connection back in (refusalWindowMs).
   * Undefined on a direct path, and with a scheduled outage window
   * (chaos.outage), where every drop is judged as one.
   */
  readonly healWindowMs: number | undefined
  /** The most the path's delays add to one reply (ms; 0 on a direct path). */
  readonly maxAddedDelayMs: number
  /** What the path's delays alone may add at quantile `q` over `samples` samples (ms; 0 on a direct path). */
  addedDelayAllowanceMs(q: number, samples: number): number
  /** A lane over `first`; `open` opens a replacement (the suite labels it). */
  lane(first: Connection, open: () => Promise<Connection>): Lane
  /** Opens a connection, and a lane over it whose replacements are labelled by `nextLabel`. */
  openLane(options: ConnectionOptions & { label: string }, nextLabel: () => string): Promise<Lane>
  /** runProbes over a lane: on a lossy path lost probes are resent and a dropped connection reopened. */
  probe(lane: Lane, options: LaneProbeOptions): Promise<ProbeRunResult>
  /**
   * One probe over a lane, for a caller that schedules its own probes (an
   * open-loop sender): on a lossy path resent after tries.timeoutMs (tries.count
   * tries in all) and sent again once the lane reopened a dropped connection
   * (MAX_PROBE_REOPENS times at most); on a direct path one probe with the
   * message timeout. Rejects with the last attempt's error (or the signal's reason).
   */
  probeOnce(lane: Lane, options?: Pick<ProbeOptions, 'kind' | 'bytes'>): Promise<SingleProbe>
  /** A pipelined phase of `count` probes, `concurrency` per wave: smaller and time-capped on a lossy path. */
  phase(
    count: number,
    concurrency: number
  ): Pick<ProbeRunOptions, 'count' | 'concurrency' | 'stopAtMs' | 'minJudged'>
  /**
   * Runs `step` on the lane's connection; when `cut` says an injected drop
   * cut it, tries again on a fresh connection (stepTries in all). Returns the
   * last try and the connection it ran on.
   */
  retryCutStep<T>(
    lane: Lane,
    step: (connection: Connection) => Promise<T>,
    cut: (result: T, connection: Connection) => boolean
  ): Promise<{ result: T; connection: Connection; retries: number }>
  /** Whether a close shows the service's side: a drop without a close frame on a lossy path shows the relay's. */
  showsServiceClose(info: CloseInfo): boolean
  /** Opens a ledger of what the path injects from now on. */
  ledger(): FaultLedger
  /** The suite metrics entry for what the path made a suite do (`chaos`), empty on a direct path. */
  recoveryMetrics(figures: { [key: string]: MetricValue }): { [key: string]: MetricValue }
}

export interface ServicePathOptions {
  config: Config
  connect: Connect
  clock: Clock
  /** The suite's signal: connects and probes stop when it aborts. */
  signal: AbortSignal
  /** The relay in front of the service (chaos mode); absent on a direct path. */
  relay?: FaultSource
}

/** The path a suite's traffic takes, as SuiteContext.path. */
export function createServicePath(options: ServicePathOptions): ServicePath {
  const { config, relay } = options
  const messageTimeoutMs = config.thresholds.messageTimeoutMs
  const faults = relay?.faults
  const resend =
    faults === undefined
      ? undefined
      : {
          resendAfterMs: chaosProbeTimeoutMs(faults, messageTimeoutMs),
          maxResends: CHAOS_PROBE_MAX_RESENDS
        }
  const lossy = faults !== undefined
  const lane = (first: Connection, open: () => Promise<Connection>): Lane =>
    createLane(first, lossy ? () => openPatiently(open, options.signal) : open, lossy)
  return {
    lossy,
    tries: resend
      ? { count: resend.maxResends + 1, timeoutMs: resend.resendAfterMs }
      : { count: 1, timeoutMs: messageTimeoutMs },
    stepTries: lossy ? CUT_STEP_TRIES : 1,
    refusalWindowMs: faults === undefined ? 0 : chaosRetryWindowMs(faults),
    refusalsBetween: (fromMs, toMs) => options.relay?.refusalsBetween?.(fromMs, toMs) ?? [],
    healWindowMs:
      faults === undefined || config.chaos.outage !== undefined
        ? undefined
        : chaosRetryWindowMs(faults),
    maxAddedDelayMs: faults === undefined ? 0 : maxInjectedDelayMs(faults),
    addedDelayAllowanceMs: (q, samples) =>
      faults === undefined ? 0 : injectedDelayAllowanceMs(faults, q, samples),
    lane,
    async openLane(connectionOptions, nextLabel) {
      const first = await connectWithin(options.connect, connectionOptions, options.signal)
      return lane(first, () =>
        connectWithin(options.connect, { ...connectionOptions, label: nextLabel() }, options.signal)
      )
    },
    probe: (on, probeOptions) =>
      runProbes(on.current(), {
        timeoutMs: messageTimeoutMs,
        signal: options.signal,
        clock: options.clock,
        ...(resend ?? {}),
        ...(lossy ? { reconnect: on.recover } : {}),
        ...probeOptions
      }),
    probeOnce: (on, probeOptions = {}) =>
      lossy && resend
        ? probeThroughFaults(on, probeOptions, resend, options.signal)
        : on
            .current()
            .probe({ ...probeOptions, timeoutMs: messageTimeoutMs })
            .then((trip) => ({ trip, resends: 0, reopens: 0 })),
    phase: (count, concurrency) =>
      lossy
        ? {
            count,
            concurrency: Math.min(concurrency, LOSSY_WAVE),
            stopAtMs: options.clock.nowMs() + LOSSY_PHASE_MS,
            minJudged: LOSSY_MIN_JUDGED
          }
        : { count, concurrency },
    retryCutStep: (on, step, cut) =>
      retryCutStep(on, step, cut, lossy ? CUT_STEP_TRIES : 1, options.signal),
    showsServiceClose: (info) => !lossy || info.code !== NO_CLOSE_FRAME,
    ledger: () => createLedger(relay),
    recoveryMetrics: (figures): { [key: string]: MetricValue } =>
      lossy ? { chaos: { ...figures } } : {}
  }
}

/** ws reports this code for a connection that ended without a close frame. */
const NO_CLOSE_FRAME = 1006

function createLane(first: Connection, open: () => Promise<Connection>, lossy: boolean): Lane {
  let connection = first
  const opened: Connection[] = [first]
  let reopening: Promise<Connection> | undefined
  const reopen = (): Promise<Connection> => {
    if (connection.readyState === 'OPEN') return Promise.resolve(connection)
    reopening ??= (async () => {
      connection.terminate()
      connection = await open()
      opened.push(connection)
      return connection
    })().finally(() => {
      reopening = undefined
    })
    return reopening
  }
  return {
    current: () => connection,
    opened,
    reopen,
    async recover() {
      if (!lossy) return connection
      // 1009 is the service's answer to the message, never a fault the relay injects.
      if ((await closedWith(connection)) === MESSAGE_TOO_BIG) {
        throw new HealthError(
          'WSH_ERR_CONNECTION_LOST',
          `${connection.label} was closed with 1009 (message too big): not reopened to send the refused message again`
        )
      }
      return reopen()
    },
    reopens: () => opened.length - 1,
    close: () => closeQuietly(connection)
  }
}

async function probeThroughFaults(
  lane: Lane,
  probeOptions: Pick<ProbeOptions, 'kind' | 'bytes'>,
  resend: { resendAfterMs: number; maxResends: number },
  signal: AbortSignal
): Promise<SingleProbe> {
  let resends = 0
  let timeouts = 0
  let reopens = 0
  // Bounded: each pass either returns, throws, or spends one resend or one reopening.
  for (;;) {
    if (signal.aborted) throw signal.reason
    let connection = lane.current()
    if (connection.readyState !== 'OPEN') {
      if (reopens >= MAX_PROBE_REOPENS) {
        throw new HealthError(
          'WSH_ERR_CONNECTION_LOST',
          `connection ${connection.label} is ${connection.readyState} after ${reopens} reopenings`
        )
      }
      connection = await lane.recover()
      reopens++
    }
    try {
      const trip = await connection.probe({ ...probeOptions, timeoutMs: resend.resendAfterMs })
      return { trip, resends, reopens }
    } catch (error) {
      if (signal.aborted || !isHealthError(error)) throw error
      const lostReply =
        error.code === 'WSH_ERR_MESSAGE_TIMEOUT' &&
        connection.readyState === 'OPEN' &&
        timeouts < resend.maxResends
      const lostWithConnection =
        error.code === 'WSH_ERR_CONNECTION_LOST' && reopens < MAX_PROBE_REOPENS
      if (!lostReply && !lostWithConnection) throw error
      if (lostReply) timeouts++
      resends++
    }
  }
}

async function openPatiently(
  open: () => Promise<Connection>,
  signal: AbortSignal
): Promise<Connection> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await open()
    } catch (error) {
      if (attempt >= LANE_REOPEN_TRIES || signal.aborted) throw error
    }
  }
}

async function retryCutStep<T>(
  lane: Lane,
  step: (connection: Connection) => Promise<T>,
  cut: (result: T, connection: Connection) => boolean,
  tries: number,
  signal: AbortSignal
): Promise<{ result: T; connection: Connection; retries: number }> {
  let retries = 0
  for (;;) {
    // A connection the path dropped before the step is replaced: the step is judged on one that was open.
    const connection = tries > 1 ? await lane.reopen() : lane.current()
    const result = await step(connection)
    if (retries + 1 >= tries || signal.aborted || !cut(result, connection)) {
      return { result, connection, retries }
    }
    retries++
  }
}

function createLedger(relay: FaultSource | undefined): FaultLedger {
  const injected = injectedSince(relay ? () => relay.injected() : undefined)
  const held = relay?.heldBetween?.bind(relay)
  let excused = 0
  return {
    injected,
    measuresHolds: relay === undefined || held !== undefined,
    excuseDrop(connection) {
      if (relay === undefined || connection.readyState === 'OPEN') return false
      if (excused >= injected().disconnects) return false
      excused++
      return true
    },
    excusedDrops: () => excused,
    ownTimeMs(rttMs, fromMs, toMs, dataArrived) {
      // The relay's pipes are first in first out, like TCP: a pong may wait behind delayed data.
      if (held) return Math.max(0, rttMs - held(fromMs, toMs))
      if (relay !== undefined && dataArrived) return undefined
      return rttMs
    },
    dropExcuse() {
      // The relay's bookkeeping is per run, not per connection: while it injected drops or an
      // outage, a drop without a close frame is taken as the relay's, never blamed on the service.
      const { disconnects, outages } = injected()
      if (disconnects + outages === 0) return undefined
      return `the chaos relay injected ${disconnects} disconnects and ${outages} outages meanwhile`
    },
    unexcusedResends(resent) {
      const hits = injected()
      return Math.max(0, resent - (hits.losses + hits.disconnects))
    }
  }
}

/**
 * What the relay injected from now on: a ledger takes this when it opens, so
 * a suite excuses no more than the relay did while it ran (suites run one at
 * a time). Zeros without a relay.
 */
function injectedSince(read?: () => Readonly<InjectedFaults>): () => InjectedFaults {
  const zero: InjectedFaults = {
    disconnects: 0,
    delays: 0,
    losses: 0,
    slowResponses: 0,
    outages: 0
  }
  if (!read) return () => ({ ...zero })
  const start = { ...read() }
  return () => {
    const now = read()
    return {
      disconnects: now.disconnects - start.disconnects,
      delays: now.delays - start.delays,
      losses: now.losses - start.losses,
      slowResponses: now.slowResponses - start.slowResponses,
      outages: now.outages - start.outages
    }
  }
}
