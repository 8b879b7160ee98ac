/**
 * The run's environment for the parts that need more than settings:
 * discovery reads the seed's port variables, history reads the workflow run's
 * identity (GITHUB_REPOSITORY, GITHUB_SHA, ...). Only src/config touches
 * process.env; the action glue takes the environment from here and passes it on.
 */

/** Environment variables, as a read-only record. */
export type RunEnv = Readonly<Record<string, string | undefined>>

/** The process environment (the action's runner, or the CLI's shell). */
export function runEnvironment(): RunEnv {
  return process.env
}

/** Directory the action's discovery scans: GITHUB_WORKSPACE (the checked-out repository), else the working directory. */
export function actionWorkspace(env: RunEnv = runEnvironment()): string {
  return env.GITHUB_WORKSPACE || process.cwd()
}
