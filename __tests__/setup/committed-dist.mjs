// The committed dist/ is what users run and what CI compares with a fresh
// build, so no test may write it. The run's globalSetup records a hash of
// every file in dist/; its globalTeardown fails the run when any file
// changed, appeared or disappeared.
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'

const DIST = join(process.cwd(), 'dist')
const SNAPSHOT = Symbol.for('ws-health.committed-dist')

/** Path relative to `dir` -> sha256 of its content; empty when `dir` is absent. */
function hashTree(dir = DIST, prefix = '') {
  const hashes = new Map()
  if (!existsSync(dir)) return hashes
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) {
      for (const [inner, hash] of hashTree(path, `${prefix}${name}/`)) hashes.set(inner, hash)
    } else {
      hashes.set(`${prefix}${name}`, createHash('sha256').update(readFileSync(path)).digest('hex'))
    }
  }
  return hashes
}

/** The files whose hash differs between two snapshots (changed, added or removed), sorted. */
function changedFiles(before, after) {
  const names = new Set([...before.keys(), ...after.keys()])
  return [...names].filter((name) => before.get(name) !== after.get(name)).sort()
}

export function recordCommittedDist() {
  globalThis[SNAPSHOT] = hashTree()
}

export function verifyCommittedDist() {
  const before = globalThis[SNAPSHOT]
  if (before === undefined) return // the run stopped before its globalSetup
  const changed = changedFiles(before, hashTree())
  if (changed.length > 0) {
    throw new Error(
      `a test wrote the committed dist/ (changed: ${changed.join(', ')}); tests must run the temp build of __tests__/fixtures/temp-dist.mjs. Restore it with: git checkout -- dist/`
    )
  }
}
