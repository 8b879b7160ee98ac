// The action (action.yml runs.main); built by scripts/package.mjs, see src/index.ts.
import module from 'node:module'

module.enableCompileCache?.()
const { runActionProcess } = await import('./ws-health.js')
await runActionProcess()
