// The action's entry point (dist/index.js); everything else lives in main.ts.
import { run } from './main.js'

await run()
// The step's result is set: a socket or timer a misbehaving service left
// behind must not hold the job open. Unref'd, so a clean exit never waits.
setTimeout(() => process.exit(), 5_000).unref()
