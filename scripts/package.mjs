// Builds the committed bundles with @vercel/ncc:
//   dist/index.js  the action (from src/index.ts)
//   dist/cli.js    the ws-health CLI (from src/cli.ts, with a shebang, executable)
// Each entry compiles into its own temp folder (ncc names its output
// index.js), then moves into dist/. The build must be byte-for-byte
// reproducible because CI fails when dist/ differs from a fresh build, so
// ncc's cache is off and nothing time- or path-dependent is written.
import { spawn } from 'node:child_process'
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync
} from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const dist = join(root, 'dist')
const nccCli = join(root, 'node_modules', '@vercel', 'ncc', 'dist', 'ncc', 'cli.js')
const SHEBANG = '#!/usr/bin/env node\n'

const ENTRIES = [
  { source: 'src/index.ts', output: 'index.js', shebang: false },
  { source: 'src/cli.ts', output: 'cli.js', shebang: true }
]
// What ncc writes besides the bundle; anything else (a split chunk, an asset)
// would be lost by the move below, so it stops the build instead.
const EXPECTED = new Set(['index.js', 'package.json', 'licenses.txt'])

function ncc(args) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [nccCli, ...args], {
      cwd: root,
      stdio: ['ignore', 'inherit', 'inherit']
    })
    child.once('error', reject)
    child.once('exit', (code, signal) => resolvePromise(code ?? signal))
  })
}

// ncc type-checks every file of the tsconfig it finds next to the entry;
// tsconfig.json includes the tests, so a test's type error would break the
// bundle. Each entry is therefore compiled through a one-line wrapper whose
// folder holds a tsconfig that extends tsconfig.build.json (src only) and
// lists just that wrapper: the program is the entry and what it imports.
// tsc --noEmit -p tsconfig.json still checks everything in CI.
const WRAPPERS = join(root, '.package-build')

function writeWrapper(name, source) {
  const folder = join(WRAPPERS, name)
  mkdirSync(folder, { recursive: true })
  const target = relative(folder, join(root, source)).replace(/\\/g, '/').replace(/\.ts$/, '.js')
  writeFileSync(join(folder, 'entry.ts'), `import '${target}'\n`)
  writeFileSync(
    join(folder, 'tsconfig.json'),
    `${JSON.stringify({ extends: '../../tsconfig.build.json', include: [], files: ['entry.ts'] }, null, 2)}\n`
  )
  return relative(root, join(folder, 'entry.ts'))
}

// Both entries compile at once (each ncc run type-checks the project), so
// the build takes one compile's time, not two.
async function build(entry, work) {
  const name = entry.output.replace(/\.js$/, '')
  const out = join(work, name)
  const status = await ncc([
    'build',
    writeWrapper(name, entry.source),
    '--out',
    out,
    '--license',
    'licenses.txt',
    '--no-cache',
    '--quiet',
    // ws loads these native speed-ups only if present (try/catch). Dev dependencies
    // (websocket-node's) install them here, and ncc would bundle their per-platform
    // binaries; the action must stay pure JavaScript and the same on every machine.
    ...['bufferutil', 'utf-8-validate'].flatMap((name) => ['--external', name])
  ])
  if (status !== 0) throw new Error(`ncc failed for ${entry.source} (exit ${status})`)
  const unexpected = readdirSync(out).filter((name) => !EXPECTED.has(name))
  if (unexpected.length > 0) {
    throw new Error(`ncc wrote unexpected files for ${entry.source}: ${unexpected.join(', ')}`)
  }
  let code = readFileSync(join(out, 'index.js'), 'utf8')
  if (entry.shebang && !code.startsWith('#!')) code = SHEBANG + code
  return { code, licenses: readFileSync(join(out, 'licenses.txt'), 'utf8') }
}

async function main() {
  const work = mkdtempSync(join(tmpdir(), 'ws-health-package-'))
  try {
    const built = await Promise.all(
      ENTRIES.map(async (entry) => ({ entry, ...(await build(entry, work)) }))
    )
    rmSync(dist, { recursive: true, force: true })
    mkdirSync(dist, { recursive: true })
    for (const { entry, code } of built) {
      const path = join(dist, entry.output)
      writeFileSync(path, code)
      if (entry.shebang) chmodSync(path, 0o755)
    }
    // ncc emits ESM; this marks dist/*.js as modules for plain `node`.
    writeFileSync(join(dist, 'package.json'), `${JSON.stringify({ type: 'module' }, null, 2)}\n`)
    const licenses = built
      .map(
        ({ entry, licenses }) =>
          `Third-party licenses bundled in dist/${entry.output}\n\n${licenses.trim()}\n`
      )
      .join('\n')
    writeFileSync(join(dist, 'licenses.txt'), licenses)
    for (const { entry } of built) {
      if (!existsSync(join(dist, entry.output))) throw new Error(`missing dist/${entry.output}`)
    }
    console.log(`built ${built.map(({ entry }) => `dist/${entry.output}`).join(', ')}`)
  } finally {
    rmSync(work, { recursive: true, force: true })
    rmSync(WRAPPERS, { recursive: true, force: true })
  }
}

main().catch((error) => {
  console.error(`package: ${error instanceof Error ? error.message : String(error)}`)
  process.exitCode = 1
})
