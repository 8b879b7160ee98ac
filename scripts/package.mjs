// Builds the committed bundle with @vercel/ncc (minified):
//   dist/ws-health.js  the bundle of the engine and its dependencies (src/bundle.ts):
//                      webpack's runtime, plus dist/<id>.index.js chunks it loads on
//                      first use (the action's side, the CLI's side, what they share,
//                      and what one command alone needs), minified here too
//   dist/index.js      the action's loader (action.yml runs.main)
//   dist/cli.js        the ws-health CLI's loader (shebang, executable; package.json bin)
// One shared bundle instead of one per entry halves dist/, and minifying
// halves it again (dist/ stays under 2 MB; the loaders are a few lines each).
// Chunks keep a start-up from parsing what it does not run (BENCHMARKS.md, (e)).
// ncc writes into a temp folder (it names its output index.js), then the
// bundle moves into dist/. The build must be byte-for-byte reproducible
// because CI fails when dist/ differs from a fresh build, so ncc's cache is
// off and nothing time- or path-dependent is written.
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
import { transformSync } from 'esbuild'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const dist = join(root, 'dist')
const nccCli = join(root, 'node_modules', '@vercel', 'ncc', 'dist', 'ncc', 'cli.js')
const SHEBANG = '#!/usr/bin/env node\n'

const BUNDLE = { source: 'src/bundle.ts', output: 'ws-health.js' }
/**
 * The loader both entry files share. V8's compile cache (Node >= 22.1; the
 * action runs on node24) keeps the bundle's compiled code between runs, so
 * a second start skips parsing and compiling it; it must be on before the
 * bundle is imported, hence the dynamic import. On Node 20 the function does
 * not exist and the loader just imports. The cache lives in Node's default
 * place (the OS temp folder; NODE_COMPILE_CACHE moves it,
 * NODE_DISABLE_COMPILE_CACHE turns it off) and a stale entry is simply
 * recompiled.
 */
function loaderCode(comment, starter) {
  return [
    comment,
    // A default import: a named one of a function Node 20 lacks fails to link.
    "import module from 'node:module'",
    '',
    'module.enableCompileCache?.()',
    `const { ${starter} } = await import('./${BUNDLE.output}')`,
    `await ${starter}()`,
    ''
  ].join('\n')
}
/** The two entry files: each imports its starter from the bundle and calls it. */
const LOADERS = [
  {
    output: 'index.js',
    code: loaderCode(
      '// The action (action.yml runs.main); built by scripts/package.mjs, see src/index.ts.',
      'runActionProcess'
    ),
    executable: false
  },
  {
    output: 'cli.js',
    code: `${SHEBANG}${loaderCode('// The ws-health CLI; built by scripts/package.mjs, see src/cli.ts.', 'runCliProcess')}`,
    executable: true
  }
]
// What ncc writes besides the bundle: the chunks it splits off for the
// starters' dynamic imports (src/bundle.ts), named by their numeric ids.
// Anything else (an asset) would be lost by the move below, so it stops
// the build instead.
const CHUNK = /^\d+\.index\.js$/
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
// bundle. The entry is therefore compiled through a one-line wrapper that
// re-exports it (the loaders import its exports), in a folder whose tsconfig
// extends tsconfig.build.json (src only) and lists just that wrapper: the
// program is the entry and what it imports.
// tsc --noEmit -p tsconfig.json still checks everything in CI.
const WRAPPERS = join(root, '.package-build')

function writeWrapper(name, source) {
  const folder = join(WRAPPERS, name)
  mkdirSync(folder, { recursive: true })
  const target = relative(folder, join(root, source)).replace(/\\/g, '/').replace(/\.ts$/, '.js')
  writeFileSync(join(folder, 'entry.ts'), `export * from '${target}'\n`)
  writeFileSync(
    join(folder, 'tsconfig.json'),
    `${JSON.stringify({ extends: '../../tsconfig.build.json', include: [], files: ['entry.ts'] }, null, 2)}\n`
  )
  return relative(root, join(folder, 'entry.ts'))
}

/**
 * ncc minifies only its main output; the chunks come out as webpack wrote
 * them, more than twice their minified size. Parsing is most of a cold
 * start, so each chunk is minified here the way ncc minifies the main file
 * (terser with keep_fnames/keep_classnames): names stay as written
 * (keepNames), since error and class names show in messages. esbuild's
 * output depends only on its version and the input, so the build stays
 * reproducible.
 */
function minifyChunk(code) {
  const minified = transformSync(compileFactoriesEagerly(code), {
    format: 'esm',
    target: 'node20',
    minify: true,
    keepNames: true,
    legalComments: 'inline'
  }).code
  return withoutNamedGetters(minified)
}

/**
 * webpack writes each module of a chunk as an arrow function, which V8
 * compiles lazily: it pre-parses the whole body when the chunk loads, then
 * parses it again when the module first runs, and every module of a chunk
 * runs on the way to the first connection (BENCHMARKS.md, (e)). A
 * parenthesized `function` expression is the one shape V8 compiles at once
 * (the PIFE heuristic), so each factory becomes one; esbuild keeps those
 * parentheses. webpack writes an arrow only for a module that never reads a
 * top-level `this`, so nothing else changes. It starts each factory on a
 * line of its own, right after the line with its id; the build stops if any
 * is missed.
 */
function compileFactoriesEagerly(code) {
  const modules = code.match(/^\/\*{3}\/ \d+:$/gm)?.length ?? 0
  // webpack already writes a function where the module reads a top-level `this`.
  const functions = code.match(/^\/\*{3}\/ \(function\([\w$, ]*\) \{$/gm)?.length ?? 0
  let arrows = 0
  const result = code.replace(/^\/\*{3}\/ \(\(([\w$, ]*)\) => \{$/gm, (_line, params) => {
    arrows += 1
    return `/***/ (function(${params}) {`
  })
  if (arrows + functions !== modules) {
    throw new Error(`found ${arrows + functions} of a chunk's ${modules} module factories`)
  }
  return result
}

/**
 * keepNames wraps the getters webpack writes for a module's exports
 * (`{W: () => x}`) in a naming call (`W:e(()=>x,"W")`), several hundred of
 * them on the way to the first connection. A function written as a
 * property's value already takes the property's name, so the wrapper is
 * dropped where the two names agree. The helper is the one esbuild declares
 * at the chunk's start.
 */
function withoutNamedGetters(code) {
  const helper = /^var [\w$]+=Object\.defineProperty;var ([\w$]+)=\(/.exec(code)?.[1]
  if (helper === undefined) return code
  const escaped = helper.replace(/\$/g, '\\$')
  const wrapped = new RegExp(`([{,])([\\w$]+):${escaped}\\(\\(\\)=>([\\w$]+),"([\\w$]+)"\\)`, 'g')
  return code.replace(wrapped, (all, before, key, value, name) =>
    key === name ? `${before}${key}:()=>${value}` : all
  )
}

/** ws's optional native add-ons (see withoutNativeAddons). */
const NATIVE_ADDONS = ['bufferutil', 'utf-8-validate']

/**
 * ncc leaves each external as a plain require beside dist/, so the bundle
 * would load whatever copy a node_modules above dist/ holds: native code in a
 * development clone (5-10 ms of a cold start, BENCHMARKS.md (e)), nothing in
 * the action's checkout or an npm install. Each becomes "module not found"
 * instead, which ws catches: dist/ runs ws's JavaScript on every machine.
 */
function withoutNativeAddons(code) {
  let result = code
  for (const name of NATIVE_ADDONS) {
    const pattern = new RegExp(`[\\w$]+\\(import\\.meta\\.url\\)\\(${JSON.stringify(name)}\\)`, 'g')
    const found = result.match(pattern)?.length ?? 0
    if (found !== 1)
      throw new Error(`expected one require of ${name} in the bundle, found ${found}`)
    const notFound = JSON.stringify(`Cannot find module '${name}'`)
    result = result.replace(
      pattern,
      `(()=>{throw Object.assign(new Error(${notFound}),{code:"MODULE_NOT_FOUND"})})()`
    )
  }
  return result
}

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
    '--minify',
    '--quiet',
    // ws loads these native speed-ups only if present (try/catch). Dev dependencies
    // (websocket-node's) install them here, and ncc would bundle their per-platform
    // binaries; the action must stay pure JavaScript and the same on every machine
    // (withoutNativeAddons below makes sure it never loads them either).
    ...NATIVE_ADDONS.flatMap((name) => ['--external', name])
  ])
  if (status !== 0) throw new Error(`ncc failed for ${entry.source} (exit ${status})`)
  const unexpected = readdirSync(out).filter((name) => !EXPECTED.has(name) && !CHUNK.test(name))
  if (unexpected.length > 0) {
    throw new Error(`ncc wrote unexpected files for ${entry.source}: ${unexpected.join(', ')}`)
  }
  const chunks = readdirSync(out)
    .filter((name) => CHUNK.test(name))
    .sort()
    .map((name) => ({ name, code: minifyChunk(readFileSync(join(out, name), 'utf8')) }))
  return {
    code: withoutNativeAddons(readFileSync(join(out, 'index.js'), 'utf8')),
    chunks,
    licenses: readFileSync(join(out, 'licenses.txt'), 'utf8')
  }
}

async function main() {
  const work = mkdtempSync(join(tmpdir(), 'ws-health-package-'))
  try {
    const built = await build(BUNDLE, work)
    rmSync(dist, { recursive: true, force: true })
    mkdirSync(dist, { recursive: true })
    writeFileSync(join(dist, BUNDLE.output), built.code)
    // The bundle imports its chunks by these names, relative to itself.
    for (const chunk of built.chunks) writeFileSync(join(dist, chunk.name), chunk.code)
    for (const loader of LOADERS) {
      const path = join(dist, loader.output)
      writeFileSync(path, loader.code)
      if (loader.executable) chmodSync(path, 0o755)
    }
    // ncc emits ESM; this marks dist/*.js as modules for plain `node`.
    writeFileSync(join(dist, 'package.json'), `${JSON.stringify({ type: 'module' }, null, 2)}\n`)
    writeFileSync(
      join(dist, 'licenses.txt'),
      `Third-party licenses bundled in dist/${BUNDLE.output} and its chunks\n\n${built.licenses.trim()}\n`
    )
    const files = [
      BUNDLE.output,
      ...built.chunks.map((chunk) => chunk.name),
      ...LOADERS.map((loader) => loader.output)
    ]
    for (const file of files) {
      if (!existsSync(join(dist, file))) throw new Error(`missing dist/${file}`)
    }
    console.log(`built ${files.map((file) => `dist/${file}`).join(', ')}`)
  } finally {
    rmSync(work, { recursive: true, force: true })
    rmSync(WRAPPERS, { recursive: true, force: true })
  }
}

main().catch((error) => {
  console.error(`package: ${error instanceof Error ? error.message : String(error)}`)
  process.exitCode = 1
})
