/**
 * The npm package works outside a clone: `npm pack` (into a temp folder,
 * never the work tree) holds only what a user needs, and installing the
 * tarball globally (offline: dist/ bundles every dependency) gives a
 * `ws-health` that runs. dist/ stays under 2 MB.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { spawnSync } from 'node:child_process'
import { copyFile, cp, mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startReferenceServer } from '../../src/server/reference-server.js'
import { BUILD_LIMIT_MS, DIST_DIR, ensureFreshDist } from '../fixtures/dist-build.js'
import { childEnv, runNode } from '../fixtures/dist-child.js'

/** npm pack and an offline install of a dependency-free tarball take seconds; this bounds a hang. */
const NPM_LIMIT_MS = 120_000
const MAX_DIST_BYTES = 2 * 1024 * 1024
/** The chunks ncc splits off the bundle for what a starter loads on first use (scripts/package.mjs). */
const CHUNK = /^\d+\.index\.js$/

const ROOT = process.cwd()
let dir = ''
/** What `npm pack` sees: the package's files with a fresh build as dist/ (never the work tree's). */
let packageDir = ''

beforeAll(ensureFreshDist, BUILD_LIMIT_MS)

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wsh-package-'))
  packageDir = join(dir, 'package')
  await mkdir(packageDir)
  for (const file of ['package.json', 'README.md', 'LICENSE']) {
    await copyFile(join(ROOT, file), join(packageDir, file))
  }
  await cp(DIST_DIR, join(packageDir, 'dist'), { recursive: true })
})

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

function npm(args: string[], cwd: string): string {
  const result = spawnSync('npm', args, {
    cwd,
    encoding: 'utf8',
    timeout: NPM_LIMIT_MS,
    // A user's machine: no npm settings from the test run, no network needed.
    env: childEnv({
      npm_config_audit: 'false',
      npm_config_fund: 'false',
      npm_config_update_notifier: 'false'
    })
  })
  if (result.status !== 0) {
    throw new Error(
      `npm ${args.join(' ')} failed (${result.status ?? result.signal}):\n${result.stderr}`
    )
  }
  return result.stdout
}

describe('the npm package', () => {
  let tarball = ''

  it('dist/ is at most 2 MB', async () => {
    const files = await readdir(DIST_DIR)
    let total = 0
    for (const file of files) total += (await stat(join(DIST_DIR, file))).size
    expect(total).toBeLessThanOrEqual(MAX_DIST_BYTES)
  })

  it('packs only the bundle, its chunks, its loaders and the docs npm always ships', async () => {
    const packed = JSON.parse(npm(['pack', '--json', '--pack-destination', dir], packageDir)) as {
      filename: string
      files: { path: string }[]
    }[]
    const entry = packed[0]
    expect(entry).toBeDefined()
    tarball = join(dir, entry?.filename ?? '')
    const paths = (entry?.files ?? []).map((file) => file.path).sort()
    const expected = [
      'README.md',
      'dist/cli.js',
      'dist/index.js',
      'dist/licenses.txt',
      'dist/package.json',
      'dist/ws-health.js',
      'package.json'
    ]
    const chunks = (await readdir(DIST_DIR)).filter((file) => CHUNK.test(file))
    // LICENSE is shipped once the repository has one.
    expect(paths.filter((path) => path !== 'LICENSE')).toEqual(
      [...expected, ...chunks.map((file) => `dist/${file}`)].sort()
    )
  })

  it('installs globally offline and runs as ws-health outside the clone', async () => {
    expect(tarball).not.toBe('')
    const prefix = join(dir, 'prefix')
    npm(['install', '--global', '--offline', '--prefix', prefix, tarball], dir)
    const bin = join(prefix, 'bin', 'ws-health')
    const version = spawnSync(bin, ['--version'], {
      cwd: dir,
      encoding: 'utf8',
      timeout: NPM_LIMIT_MS
    })
    expect(version.stdout).toMatch(/^ws-health \d+\.\d+\.\d+\n$/)
    const server = await startReferenceServer()
    try {
      // The installed bin is a symlink to dist/cli.js: run it the way the shell does, through node.
      const run = await runNode(
        bin,
        [
          'run',
          '--url',
          server.url,
          '--suites',
          'connection-lifecycle',
          '--duration',
          '1',
          '--quiet'
        ],
        childEnv(),
        dir
      )
      expect(run.stdout).toMatch(/^ws-health: PASSED/)
      expect(run.code).toBe(0)
    } finally {
      await server.close()
    }
  })
})
