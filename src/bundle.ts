/**
 * The one bundle (dist/ws-health.js) behind the action's and the CLI's
 * two-line loaders (dist/index.js, dist/cli.js; scripts/package.mjs writes
 * them): one copy of the engine and its dependencies instead of two.
 * Importing it runs nothing. Each starter loads its side on demand, so the
 * CLI never evaluates @actions/core and the action never the CLI's parts:
 * ncc splits what they share into chunks beside the bundle.
 */

/** The action (dist/index.js). */
export async function runActionProcess(): Promise<void> {
  const action = await import(/* webpackMode: "eager" */ './main.js')
  await action.runActionProcess()
}

/** The ws-health CLI (dist/cli.js). */
export async function runCliProcess(): Promise<void> {
  const cli = await import(/* webpackMode: "eager" */ './cli.js')
  await cli.runCliProcess()
}
