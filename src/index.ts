// The action's entry point (dist/index.js); everything else lives in main.ts.
import { run } from './main.js'
import { exitAfterFlush } from './stop-signal.js'

await run()
// The step's result, outputs and summary are written: exit now, so a socket or
// timer a misbehaving service left behind cannot hold the job open.
exitAfterFlush(Number(process.exitCode ?? 0))
