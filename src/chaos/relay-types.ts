/**
 * Public shape of the chaos relay: its options, fault counters, decision
 * log and controls. The behaviour lives in relay.ts.
 */
import type { Clock } from '../metrics/clock.js'
import type { FaultConfig, FaultDecision, FaultOverrides } from './faults.js'
import type { RefusalWindow } from './refusal-ledger.js'

export interface ChaosRelayOptions {
  /** Service URL (ws:// or wss://). Clients dial `relay.url`, which carries the same path and query. */
  target: string
  /** 32-bit seed; default randomSeed() (read it back from `relay.seed` and print it). */
  seed?: number
  /** Overrides on top of `base` (default: none). */
  faults?: FaultOverrides
  /**
   * The complete fault settings the overrides apply to: a parsed config's
   * (src/engine/chaos-mode.ts configFaults), or NO_FAULTS to enable faults one by one.
   */
  base: Readonly<FaultConfig>
  clock?: Clock
  /** Upstream handshake limit, ms (default 10000). */
  handshakeTimeoutMs?: number
  /**
   * Largest message accepted from the service, bytes (default ws's 100 MiB).
   * A larger one closes the client's leg with 1009 and RELAY_TOO_BIG_REASON.
   */
  maxPayload?: number
  /**
   * Bytes one direction of one connection may hold (queued for delay or
   * bandwidth, or written and not yet flushed) before the relay closes the
   * connection with 1009 (default DEFAULT_RELAY_MAX_QUEUED_BYTES, 64 MiB).
   */
  maxQueuedBytes?: number
  /** Held bytes above which the sending socket is paused (default 1 MiB, at most maxQueuedBytes). */
  highWaterBytes?: number
  /** Held bytes at or below which it is resumed (default min(256 KiB, highWaterBytes / 4)). */
  lowWaterBytes?: number
}

/** Backpressure counters over every relayed connection. */
export interface RelayFlowStats {
  /** Most bytes any one pipe held at once. */
  peakQueuedBytes: number
  /** Times a source socket was paused because its pipe passed the high-water mark. */
  pauses: number
  /** Connections closed with 1009 because a pipe passed maxQueuedBytes. */
  overflows: number
}

export interface InjectedFaults {
  disconnects: number
  delays: number
  losses: number
  slowResponses: number
  outages: number
}

export interface RelayDecision extends FaultDecision {
  /** 0-based index of the relayed connection, in the order upgrades reached the relay. */
  connection: number
  /**
   * 0-based index of the data message on that connection (both directions,
   * in arrival order, so it can differ between runs; the decisions of one
   * direction, in order, do not).
   */
  message: number
}

export interface ChaosRelay {
  /** ws://127.0.0.1:port plus the target's path and query. */
  readonly url: string
  readonly port: number
  readonly seed: number
  readonly faults: Readonly<FaultConfig>
  readonly injected: Readonly<InjectedFaults>
  /** Upgrades accepted, refused (outage, disconnect window) and open now. */
  readonly connections: Readonly<{ accepted: number; refused: number; open: number }>
  /** Backpressure: peak bytes held by one pipe, pauses, overflows (1009 closes). */
  readonly flow: Readonly<RelayFlowStats>
  /** Fault decisions so far, in order (the first MAX_DECISION_LOG). */
  decisions(): readonly RelayDecision[]
  /**
   * true: outage until turned off; a number: outage for that many ms (relay
   * clock); false: end it. Starting one drops every open connection; during
   * it new upgrades get HTTP 503.
   */
  setOutage(on: boolean | number): void
  /**
   * How long (ms) the relay held the frames that arrived between `fromMs` and
   * `toMs` (relay clock), on any connection: the client-to-server holds
   * summed plus the longest server-to-client hold. For one request and its
   * reply on one connection, with nothing else in flight, that is what the
   * faults added to that round trip (head-of-line waits included). The
   * latest MAX_HOLD_LEDGER holds are kept.
   */
  heldBetween(fromMs: number, toMs: number): number
  /**
   * When between `fromMs` and `toMs` (relay clock) the relay refused new
   * upgrades on its own account: after a disconnect it injected, or in an
   * outage. Clipped to the span, in order; the latest MAX_REFUSAL_WINDOWS kept.
   */
  refusalsBetween(fromMs: number, toMs: number): RefusalWindow[]
  /** Drops every open connection abruptly (no close frame); returns how many. */
  dropAll(): number
  /** Stops accepting, drops everything, clears every timer. */
  close(): Promise<void>
}
