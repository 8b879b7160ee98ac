/**
 * Jest's TypeScript transform: esbuild strips the types, file by file.
 *
 * ts-jest transpiled each file with TypeScript's compiler (about 30 ms a file:
 * 10 s before the first test of a worker that imports the CLI, paid again by
 * every worker of a fresh clone, which has no transform cache). esbuild does
 * the same job in well under 1 ms a file and is already the dependency that
 * minifies dist/ (scripts/package.mjs). Types are checked once, by
 * `tsc --noEmit` in CI, not by the test run.
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { transformSync, version } from 'esbuild'

// What tsconfig.json asks of the emitted code; esbuild reads no tsconfig in a transform.
const TSCONFIG_RAW = { compilerOptions: { target: 'ES2022', useDefineForClassFields: true } }
const ownSource = readFileSync(new URL(import.meta.url), 'utf8')

export default {
  process(source, filename) {
    const { code, map } = transformSync(source, {
      loader: 'ts',
      format: 'esm',
      target: 'node20',
      sourcemap: 'external',
      sourcefile: filename,
      tsconfigRaw: TSCONFIG_RAW
    })
    return { code, map }
  },
  getCacheKey(source, filename) {
    return createHash('sha256')
      .update(version)
      .update(ownSource)
      .update(filename)
      .update(source)
      .digest('hex')
  }
}
