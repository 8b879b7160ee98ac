// The action's entry point when run from source; dist/index.js does the same
// through the shared bundle (src/bundle.ts). Everything else lives in main.ts.
import { runActionProcess } from './main.js'

await runActionProcess()
