/**
 * The load pool's public shapes (options, per-connection slot, totals),
 * kept apart from its parts so each stays small. See load-pool.ts.
 */
import type { Connect, Connection, PayloadKind } from '../client/types.js'
import type { Clock } from '../metrics/clock.js'
import type { SampleRecorder } from '../metrics/recorder.js'
import type { ProbeSchedule } from './open-loop.js'

export interface LoadPoolOptions {
  connect: Connect
  clock: Clock
  signal: AbortSignal
  /** Labels are `<prefix><n>`, 1-based. */
  labelPrefix: string
  /** Connections opened per second at most (> 0). */
  openRatePerSec: number
  /** Whether probes count in the run's metrics (stress passes false: it overloads on purpose). */
  record?: boolean
  /** Probes in flight per connection (>= 1). */
  window: number
  /**
   * `closed-loop` (default): ms at least between probe sends on one connection
   * (0 = send as soon as a slot frees). `open-loop`: the fixed interval of
   * each connection's schedule (> 0).
   */
  intervalMs: number
  /**
   * `open-loop`: each connection sends on a fixed schedule, one probe every
   * intervalMs whether or not its earlier probes were answered (the schedule
   * of src/engine/open-loop.ts), and each RTT counts from the probe's
   * scheduled send time. A probe due while `window` are in flight on its
   * connection is not sent and counts as failed (WSH_ERR_PROBE_BACKLOG,
   * totals.backlogged). A connection's schedule pauses while it is down (the
   * drop is counted) and restarts when it reopens.
   * `closed-loop` (default): a connection sends when fewer than `window` are
   * in flight and intervalMs has passed since its last send.
   */
  pacing?: 'open-loop' | 'closed-loop'
  /** ms between RFC 6455 pings per connection (0 = none). */
  heartbeatIntervalMs: number
  kind?: PayloadKind
  bytes?: number
  /** Per-probe reply timeout in ms. */
  timeoutMs: number
  /**
   * Chaos mode only: drops are injected faults, so a dropped connection is
   * reopened every time (up to `maxReconnects`), and a drop counts as healed
   * when its slot reopened within `healWithinMs` (ms) and was served again.
   * Unset: at most MAX_RECONNECTS reopenings, no healing figures.
   */
  healing?: { healWithinMs: number; maxReconnects: number }
}

/** Under `healing`: what became of the drops. */
export interface HealFigures {
  /** Drops whose slot reopened within healWithinMs and was served again. */
  healed: number
  /** Probes in flight on a connection when it dropped: lost with it, not judged. */
  lostToDrops: number
  /** Reopenings still pending when the pool closed, after its bounded wait. */
  pendingAtClose: number
}

/** One connection's figures; plain numbers so thousands stay light. */
export interface LoadSlot {
  readonly label: string
  connection: Connection | undefined
  /** Clock.nowMs when the connection (first) opened. */
  openedAtMs: number
  sent: number
  replies: number
  timeouts: number
  failures: number
  rttSumMs: number
  rttMaxMs: number
  inFlight: number
  /**
   * Of inFlight, probes sent before the last closeStep: counted there as
   * unanswered at close, so their late reply or timeout goes to that step.
   */
  carried: number
  nextSendAtMs: number
  nextPingAtMs: number
  pingsSent: number
  pongs: number
  drops: number
  reconnections: number
  /** Close code of the last drop (0 when none). */
  lastDropCode: number
  /**
   * ms this connection was open while the pool metered traffic (drive and
   * the settle after it): the time its throughput is measured over. Credited
   * on every close and at the end of metering, so a slot that dropped keeps
   * the time it was up and a reconnected one gains only its new uptime.
   */
  activeMs: number
  /** Clock.nowMs since which this slot's uptime is not yet credited to activeMs; NaN while it is down. */
  upSinceMs: number
  /** Phase 0-1 of its sends within one interval, fixed per connection. */
  readonly phase: number
  /** Open loop: this connection's schedule in the current drive (undefined before one). */
  schedule?: ProbeSchedule
}

export interface PoolTotals {
  sent: number
  replies: number
  timeouts: number
  /** Probes that failed other than by a timeout, backlogged ones included. */
  failures: number
  /** Open loop: probes not sent because `window` were in flight on their connection (also in failures). */
  backlogged: number
  drops: number
  openAttempts: number
  /** Opens the service refused or failed; not those this process could not make (see fdFailures). */
  openFailures: number
  /** Opens that failed because this process or the system ran out of descriptors (EMFILE/ENFILE). */
  fdFailures: number
}

export interface GrowResult {
  /** Connections open after growing. */
  open: number
  attempted: number
  /** Opens the service refused or failed (descriptor exhaustion is not counted here). */
  failed: number
  /** Opens that failed with EMFILE/ENFILE: our limit, not the service's. */
  fdFailed: number
  /** True when the OS ran out of file descriptors (EMFILE/ENFILE). */
  fdExhausted: boolean
  /** True when `untilMs` passed before every wanted connection was attempted. */
  outOfTime: boolean
}

export interface LoadPool {
  readonly slots: readonly LoadSlot[]
  readonly totals: Readonly<PoolTotals>
  /** First error an open attempt failed with (descriptor exhaustion excluded). */
  readonly firstOpenError: unknown
  /** First EMFILE/ENFILE an open attempt failed with. */
  readonly firstFdError: unknown
  /** First error a probe failed with other than a timeout (e.g. WSH_ERR_MESSAGE_TOO_BIG). */
  readonly firstProbeError: unknown
  /** Where replies' RTTs (ms) and their arrival times (Clock.nowMs) go; undefined = nowhere. */
  sink: { rtts: SampleRecorder; times?: SampleRecorder } | undefined
  /**
   * Opens connections until `total` exist, at the bounded rate; stops early
   * on refusals, EMFILE, or once Clock.nowMs passes `untilMs`.
   */
  grow(total: number, onOpened?: (open: number) => void, untilMs?: number): Promise<GrowResult>
  /**
   * Drives probes and heartbeats on every open connection until Clock.nowMs
   * >= untilMs or abort. Starts metering slots' activeMs; the following
   * settle (or the next grow / closeAll) ends it.
   */
  drive(untilMs: number, onTick?: () => void): Promise<void>
  /**
   * Waits, sending nothing new, until every probe in flight has settled or
   * Clock.nowMs passes `untilMs`; replies still go to `sink`, so a step's
   * slow replies count in that step instead of vanishing from it.
   */
  settle(untilMs: number): Promise<void>
  /**
   * Ends a step's accounting: returns the probes still in flight on open
   * connections (the step reports them as unanswered at close). Their later
   * settlements no longer count in the current totals or sink: a late reply
   * increments `ledger.lateReplies` (the closed step's), a late timeout or
   * failure nothing more (already counted as unanswered at close).
   */
  closeStep(ledger: { lateReplies: number }): number
  /** Healing figures when LoadPoolOptions.healing is set; undefined otherwise. */
  readonly heal?: Readonly<HealFigures>
  /**
   * Changes the probes in flight allowed per connection (an integer >= 1)
   * from the next send on (stress: max_in_flight shared by each step's
   * connections). Probes already in flight stay.
   */
  setWindow(window: number): void
  /** Open connections now. */
  openCount(): number
  /** Closes every connection (bounded in time); never rejects. */
  closeAll(): Promise<void>
}

/** Average RTT of a slot in ms; null before its first reply. */
export function slotAvgLatencyMs(slot: LoadSlot): number | null {
  return slot.replies === 0 ? null : slot.rttSumMs / slot.replies
}
