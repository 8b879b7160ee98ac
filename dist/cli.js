#!/usr/bin/env node
// The ws-health CLI; built by scripts/package.mjs, see src/cli.ts.
import module from 'node:module'

module.enableCompileCache?.()
const { runCliProcess } = await import('./ws-health.js')
await runCliProcess()
