/**
 * The counters of one connection (ConnectionStats) and their forwarding to
 * the run's recorder: each event bumps its counter and, where the recorder
 * has a matching sample, records it. Plain-number fields, nothing allocated
 * per event, because received() and roundTrip() run once per message (STYLE.md §5).
 */
import type { ErrorCode } from '../errors.js'
import type { RunRecorder } from '../metrics/run-recorder.js'
import type { ConnectionStats } from './types.js'

export interface ConnectionMeter {
  /** The live counters; the connection exposes this same object as `stats`. */
  readonly stats: ConnectionStats
  /** A message other than a probe went out. */
  sent(bytes: number): void
  probeSent(bytes: number): void
  received(bytes: number): void
  /** A message answered no pending probe. */
  unsolicited(bytes: number): void
  /** A second reply to a probe that was already answered. */
  duplicate(bytes: number): void
  /** A probe of another connection arrived here. */
  crossTalk(bytes: number): void
  /** A reply matched its probe; `intact` false when it came back corrupted (then not answered). */
  roundTrip(rttMs: number, intact: boolean, bytes: number): void
  /** A probe that will get no reply because the connection closed. */
  probeLost(): void
  /** A probe that got no reply within its timeout. */
  probeTimedOut(): void
  pingSent(): void
  pong(rttMs: number): void
  /** A ping answered by a pong with another payload (counted as a pong as well). */
  pongMismatch(): void
  /** An error that counts against the connection. */
  failure(code: ErrorCode): void
  opened(connectTimeMs: number): void
  connectFailed(code: ErrorCode): void
  /** A connection that had opened has closed. */
  closed(): void
}

/**
 * `gauge` sees every connection (the open-connection count); `recorder`
 * gets samples only from connections that record (undefined otherwise).
 */
export function createConnectionMeter(
  recorder: RunRecorder | undefined,
  gauge: RunRecorder | undefined
): ConnectionMeter {
  return new Meter(recorder, gauge)
}

class Meter implements ConnectionMeter {
  readonly stats: ConnectionStats = {
    messagesSent: 0,
    messagesReceived: 0,
    repliesMatched: 0,
    unsolicited: 0,
    corrupted: 0,
    duplicates: 0,
    crossTalk: 0,
    timeouts: 0,
    pingsSent: 0,
    pongsReceived: 0,
    pongMismatches: 0,
    bytesSent: 0,
    bytesReceived: 0,
    errors: 0
  }

  constructor(
    private readonly recorder: RunRecorder | undefined,
    private readonly gauge: RunRecorder | undefined
  ) {}

  sent(bytes: number): void {
    this.stats.messagesSent++
    this.stats.bytesSent += bytes
  }

  probeSent(bytes: number): void {
    this.stats.messagesSent++
    this.stats.bytesSent += bytes
    this.recorder?.recordProbeSent(bytes)
  }

  received(bytes: number): void {
    this.stats.messagesReceived++
    this.stats.bytesReceived += bytes
  }

  unsolicited(bytes: number): void {
    this.stats.unsolicited++
    this.recorder?.recordUnsolicited(bytes)
  }

  duplicate(bytes: number): void {
    this.stats.duplicates++
    this.recorder?.recordDuplicate(bytes)
  }

  crossTalk(bytes: number): void {
    this.stats.crossTalk++
    this.recorder?.recordCrossTalk(bytes)
  }

  roundTrip(rttMs: number, intact: boolean, bytes: number): void {
    this.stats.repliesMatched++
    this.recorder?.recordRoundTrip(rttMs, intact, bytes)
    if (intact) return
    this.stats.corrupted++
    this.failure('WSH_ERR_CORRUPTED_REPLY')
  }

  probeLost(): void {
    this.recorder?.recordProbeLost()
  }

  probeTimedOut(): void {
    this.stats.timeouts++
    this.recorder?.recordProbeLost()
    this.failure('WSH_ERR_MESSAGE_TIMEOUT')
  }

  pingSent(): void {
    this.stats.pingsSent++
    this.recorder?.recordPingSent()
  }

  pong(rttMs: number): void {
    this.stats.pongsReceived++
    this.recorder?.recordPong(rttMs)
  }

  pongMismatch(): void {
    this.stats.pongMismatches++
  }

  failure(code: ErrorCode): void {
    this.stats.errors++
    this.recorder?.recordError(code)
  }

  opened(connectTimeMs: number): void {
    this.gauge?.recordOpened()
    this.recorder?.recordConnect(connectTimeMs)
  }

  connectFailed(code: ErrorCode): void {
    this.recorder?.recordConnectFailure(code)
  }

  closed(): void {
    this.gauge?.recordClosed()
  }
}
