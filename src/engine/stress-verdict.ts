/**
 * How stress mode bears on a run's verdict (stress-phase.ts says why): the
 * judgement alone, apart from the code that ramps connections, so judging a
 * run (finalize.ts, for a run and a merge) never loads stress mode itself.
 */
import type { Verdict } from './model.js'

/** The stress block's judgement of the run, written beside the measurements. */
export type StressEffect = {
  /** connection_count the breaking point is compared with. */
  connectionCount: number
  /** True when the breaking point lies below connection_count (the run is then at best degraded). */
  degradesRun: boolean
  /** One line saying why stress mode did or did not change the verdict. */
  note: string
}

/** The run's verdict after stress mode: `passed` becomes `degraded` when stress says so. */
export function verdictWithStress(
  verdict: Verdict,
  effect: Pick<StressEffect, 'degradesRun'> | undefined
): Verdict {
  return effect?.degradesRun === true && verdict === 'passed' ? 'degraded' : verdict
}
