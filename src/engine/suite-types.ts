/**
 * A suite is a pure function of (config, client factory, clock): it returns
 * checks and metrics. It never imports ws, @actions/core or Date; deadlines
 * and cancellation come from the engine through `signal`.
 */
import type { OpenSocket } from '../client/socket-opener.js'
import type { CanCarry, Connect } from '../client/types.js'
import type { Config } from '../config/schema.js'
import type { Clock } from '../metrics/clock.js'
import type { SuiteId, SuiteOutcome } from './model.js'
import type { ReplyIntegrity } from './reply-integrity.js'
import type { ServicePath } from './service-path.js'

/** The service under test when ws-health started it (server_command). */
export interface ServiceControl {
  /**
   * Crashes the service (SIGKILL to its process group) and starts it again.
   * Resolves with Clock.nowMs() of the crash and of the first accepted
   * handshake afterwards; rejects (WSH_ERR_SERVER_START) when it does not come back.
   */
  restart(): Promise<{ crashedAtMs: number; readyAtMs: number }>
}

export interface SuiteContext {
  config: Config
  /** The URL suites talk to (the service, or the relay in front of it: see `path`). */
  target: string
  /** Opens an instrumented connection to `target`, recorded in the run's metrics. */
  connect: Connect
  /** Whether the run's probe protocol can carry a payload kind. */
  canCarry: CanCarry
  clock: Clock
  /** Aborted when the suite's deadline passes; suites stop promptly and report what they measured. */
  signal: AbortSignal
  /** Milliseconds this suite may spend sampling (its share of `duration`). */
  budgetMs: number
  /**
   * Milliseconds left before this suite is cut: its own limit, or the run's
   * deadline less the slack the suites after it keep, whichever comes first.
   * A suite that waits longer than its budget (heartbeat-monitoring's idle
   * window) fits its wait into this instead of being cut mid-wait.
   */
  timeLeftMs?(): number
  /**
   * Opens raw sockets for reconnecting clients (default openWsSocket), so a
   * suite that must reconnect by itself still never imports ws.
   */
  openSocket?: OpenSocket
  /** Records one reconnection and its recovery time (ms) in the run's metrics. */
  recordReconnect?(recoveryMs: number): void
  /** Present when the run started the service (server_command). */
  service?: ServiceControl
  /**
   * The path to the service: straight, or through a relay that injects
   * faults. Suites open lanes, send probes and excuse losses through it, so
   * they measure and judge the same way on either (src/engine/service-path.ts).
   */
  path: ServicePath
  /**
   * The run's reply-integrity counts so far (corrupted, duplicated,
   * misrouted and unsolicited messages); suites take the change over their
   * run. Absent when the engine keeps none.
   */
  replyIntegrity?(): Readonly<ReplyIntegrity>
  /** Progress for long suites (done of total steps); the CLI shows it, nothing else depends on it. */
  progress(done: number, total: number, note?: string): void
}

export interface Suite {
  id: SuiteId
  title: string
  /** Relative share of `duration` this suite spends sampling (0 = quick, fixed work). */
  durationWeight: number
  /**
   * Wall time (ms) the suite samples for when it needs more than its budget
   * (heartbeat-monitoring holds a connection idle for idle_ms); its time
   * limit grows to match, within the run's deadline. Default: the budget.
   */
  samplingMs?(config: Config, budgetMs: number): number
  run(ctx: SuiteContext): Promise<SuiteOutcome>
  /**
   * Loads the suite's code when the registry defers it (src/suites/registry.ts);
   * the runner awaits it before the suite's time starts. Absent: `run` is the code.
   */
  load?(): Promise<Suite>
}
