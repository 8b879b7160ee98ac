/**
 * The run's metrics sink: every recorded connection reports here, and the
 * engine turns the totals into the report's RunMetrics. Counters are plain
 * numbers and samples go to typed arrays, so recording allocates nothing.
 */
import type { ErrorCode } from '../errors.js'
import type { RunMetrics } from './run-metrics.js'
import type { Clock } from './clock.js'
import { createSampleRecorder, type SampleRecorder } from './recorder.js'

/** Raw totals, for suites and the engine (RunMetrics is derived from these). */
export interface RunCounters {
  /** Probe messages sent. */
  messagesSent: number
  /** Probe replies received, matched and intact (corrupted ones are counted apart). */
  messagesReceived: number
  /** Matched replies that carried what the probe expected (equals messagesReceived). */
  intactReplies: number
  /** Matched replies that did not carry what the probe sent: not answered. */
  corrupted: number
  /** Second replies to probes that were already answered. */
  duplicates: number
  /** Probes of one connection that arrived on another (misrouted replies). */
  crossTalk: number
  /** Probes that got no reply (timeout, or connection lost while pending). */
  messagesLost: number
  /** Messages that answered no probe (banners, broadcasts, late replies). */
  unsolicited: number
  pingsSent: number
  pongsReceived: number
  /** Connection attempts that failed (refused, rejected, timed out). */
  connectFailures: number
  errors: number
  reconnections: number
  bytesSent: number
  bytesReceived: number
  /** Connections currently open (a gauge, kept even for unrecorded connections). */
  openConnections: number
}

/** The figures a live log shows while a run goes on: totals so far. */
export interface LiveFigures {
  /** Probe messages sent so far. */
  probes: number
  /** p95 of the probe round-trip times so far (ms); null before the first reply. */
  p95LatencyMs: number | null
  /** Errors recorded so far (what the report's metrics.errors counts). */
  errors: number
}

/**
 * The figures of `recorder` so far. Sorts a copy of the latency samples, so
 * it is for a log line every few seconds, never for the message path.
 */
export function liveFigures(recorder: RunRecorder): LiveFigures {
  const { counters, latency } = recorder
  return {
    probes: counters.messagesSent,
    p95LatencyMs: latency.count === 0 ? null : latency.summary().p95,
    errors: counters.errors
  }
}

export interface RunRecorder {
  readonly clock: Clock
  readonly counters: Readonly<RunCounters>
  /** Errors by code. */
  readonly errorsByCode: ReadonlyMap<ErrorCode, number>
  /** Round-trip times of probe messages (ms). */
  readonly latency: SampleRecorder
  /** Successful connect times (ms). */
  readonly connectTimes: SampleRecorder
  /**
   * Sampling time so far (ms): the time with at least one probe in flight
   * (sent, neither answered nor lost yet), on this recorder's clock. The
   * run-level throughput is replies over this, so idle time (connecting,
   * pauses between suites, heartbeat waits) does not dilute it.
   */
  samplingMs(): number
  /** RFC 6455 ping round-trip times (ms). */
  readonly pingRtts: SampleRecorder
  /** Times from losing a connection to having it back (ms). */
  readonly recoveryTimes: SampleRecorder
  recordConnect(connectTimeMs: number): void
  recordConnectFailure(code: ErrorCode): void
  recordProbeSent(bytes: number): void
  /**
   * A reply matched its probe. `intact` false (corrupted) counts it in
   * `corrupted` only: not received, no latency sample, not in throughput.
   */
  recordRoundTrip(rttMs: number, intact: boolean, bytesReceived: number): void
  recordProbeLost(): void
  recordUnsolicited(bytes: number): void
  recordDuplicate(bytes: number): void
  recordCrossTalk(bytes: number): void
  recordPingSent(): void
  recordPong(rttMs: number): void
  recordError(code: ErrorCode): void
  /** One reconnection that took `recoveryMs` from loss to open again. */
  recordReconnect(recoveryMs: number): void
  recordOpened(): void
  recordClosed(): void
  /**
   * The run-wide metrics over every recorded probe. Throughput here is
   * replies per second of samplingMs(), null when no probe was sent or none
   * was in flight for a measurable time; `_runMs` is no longer used for it.
   * Rates are null when nothing was attempted. The report's headline
   * latency and throughput are not these: src/run/headline.ts replaces
   * them with latency-performance's judged samples and wall-clock window.
   */
  toRunMetrics(_runMs?: number): RunMetrics
}

/** Creates an empty run recorder on `clock`. */
export function createRunRecorder(clock: Clock): RunRecorder {
  const counters: RunCounters = {
    messagesSent: 0,
    messagesReceived: 0,
    intactReplies: 0,
    corrupted: 0,
    duplicates: 0,
    crossTalk: 0,
    messagesLost: 0,
    unsolicited: 0,
    pingsSent: 0,
    pongsReceived: 0,
    connectFailures: 0,
    errors: 0,
    reconnections: 0,
    bytesSent: 0,
    bytesReceived: 0,
    openConnections: 0
  }
  const errorsByCode = new Map<ErrorCode, number>()
  const latency = createSampleRecorder()
  const connectTimes = createSampleRecorder({ initialCapacity: 64 })
  const pingRtts = createSampleRecorder({ initialCapacity: 256 })
  const recoveryTimes = createSampleRecorder({ initialCapacity: 16 })

  // Probes in flight, and when the current in-flight stretch began (clock ms).
  let inFlight = 0
  let busySinceMs = 0
  let busyMs = 0
  function probeEnded(): void {
    if (inFlight === 0) return // an unmatched end must not open a negative window
    if (--inFlight === 0) busyMs += Math.max(0, clock.nowMs() - busySinceMs)
  }
  function samplingMs(): number {
    return inFlight > 0 ? busyMs + Math.max(0, clock.nowMs() - busySinceMs) : busyMs
  }

  function recordError(code: ErrorCode): void {
    counters.errors++
    errorsByCode.set(code, (errorsByCode.get(code) ?? 0) + 1)
  }

  return {
    clock,
    counters,
    errorsByCode,
    latency,
    connectTimes,
    pingRtts,
    recoveryTimes,
    recordConnect(ms) {
      connectTimes.add(ms)
    },
    recordConnectFailure(code) {
      counters.connectFailures++
      recordError(code)
    },
    samplingMs,
    recordProbeSent(bytes) {
      if (inFlight++ === 0) busySinceMs = clock.nowMs()
      counters.messagesSent++
      counters.bytesSent += bytes
    },
    recordRoundTrip(rttMs, intact, bytes) {
      counters.bytesReceived += bytes
      probeEnded()
      // A corrupted reply answered nothing: no latency sample, no throughput, no delivery.
      if (!intact) {
        counters.corrupted++
        return
      }
      counters.messagesReceived++
      counters.intactReplies++
      latency.add(rttMs)
    },
    recordProbeLost() {
      counters.messagesLost++
      probeEnded()
    },
    recordUnsolicited(bytes) {
      counters.unsolicited++
      counters.bytesReceived += bytes
    },
    recordDuplicate(bytes) {
      counters.duplicates++
      counters.bytesReceived += bytes
    },
    recordCrossTalk(bytes) {
      counters.crossTalk++
      counters.bytesReceived += bytes
    },
    recordPingSent() {
      counters.pingsSent++
    },
    recordPong(rttMs) {
      counters.pongsReceived++
      pingRtts.add(rttMs)
    },
    recordError,
    recordReconnect(recoveryMs) {
      counters.reconnections++
      recoveryTimes.add(recoveryMs)
    },
    recordOpened() {
      counters.openConnections++
    },
    recordClosed() {
      counters.openConnections--
    },
    toRunMetrics() {
      const windowMs = samplingMs()
      const attempted = counters.messagesSent + counters.pingsSent
      const succeeded = counters.intactReplies + counters.pongsReceived
      const connect = connectTimes.summary()
      const recovery = recoveryTimes.summary()
      return {
        latencyMs: latency.summary(),
        successRate: attempted === 0 ? null : succeeded / attempted,
        deliveryRate:
          counters.messagesSent === 0 ? null : counters.intactReplies / counters.messagesSent,
        messagesSent: counters.messagesSent,
        messagesReceived: counters.messagesReceived,
        messagesLost: counters.messagesLost,
        reconnections: counters.reconnections,
        recoveryTimeMs: { avg: recovery.avg, max: recovery.max },
        connectTimeMs: { avg: connect.avg, p95: connect.p95 },
        throughputMsgsPerSec:
          counters.messagesSent === 0 || !(windowMs > 0)
            ? null
            : counters.messagesReceived / (windowMs / 1000),
        heartbeat: {
          sent: counters.pingsSent,
          received: counters.pongsReceived,
          successRate: counters.pingsSent === 0 ? null : counters.pongsReceived / counters.pingsSent
        },
        errors: counters.errors,
        corrupted: counters.corrupted,
        duplicates: counters.duplicates,
        crossTalk: counters.crossTalk,
        unsolicited: counters.unsolicited
      }
    }
  }
}
