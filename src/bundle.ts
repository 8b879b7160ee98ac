/**
 * The one bundle (dist/ws-health.js) behind the action's and the CLI's
 * small loaders (dist/index.js, dist/cli.js; scripts/package.mjs writes
 * them): one copy of the engine and its dependencies instead of two.
 * Importing it runs nothing. Each starter loads its side on first use, and
 * ncc (webpack) puts each side in its own chunk beside the bundle, with what
 * both share in chunks of their own: the CLI never parses nor evaluates
 * @actions/core, Octokit or undici, and the action never the CLI's parts;
 * the action loads @actions/core only after its run (src/action-report.ts).
 * Start-up time is mostly parsing and evaluating code (BENCHMARKS.md, (e)),
 * so what a start needs only later (a suite's code, chaos, stress, the
 * report) is imported where it is used and lands in a chunk of its own.
 */

/** The action (dist/index.js). */
export async function runActionProcess(): Promise<void> {
  const action = await import('./main.js')
  await action.runActionProcess()
}

/** The ws-health CLI (dist/cli.js). */
export async function runCliProcess(): Promise<void> {
  const cli = await import('./cli.js')
  await cli.runCliProcess()
}
