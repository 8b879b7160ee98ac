/**
 * A suite is a pure function of (config, client factory, clock): it returns
 * checks and metrics. It never imports ws, @actions/core or Date; deadlines
 * and cancellation come from the engine through `signal`.
 */
import type { CanCarry, Connect } from '../client/types.js'
import type { Config } from '../config/schema.js'
import type { Clock } from '../metrics/clock.js'
import type { SuiteId, SuiteOutcome } from '../engine/model.js'

export interface SuiteContext {
  config: Config
  /** The URL suites talk to (the service, or the chaos relay in front of it). */
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
  /** Progress for long suites (done of total steps); the CLI shows it, nothing else depends on it. */
  progress(done: number, total: number, note?: string): void
}

export interface Suite {
  id: SuiteId
  title: string
  /** Relative share of `duration` this suite spends sampling (0 = quick, fixed work). */
  durationWeight: number
  run(ctx: SuiteContext): Promise<SuiteOutcome>
}
