/**
 * History in a local JSON-lines file (`history_file` / `--history FILE`).
 *
 * Persisting it across workflow runs with actions/cache: a cache entry is
 * immutable, so save under a new key per run and restore the newest entry by
 * prefix:
 *
 * ```yaml
 * - uses: actions/cache/restore@v4
 *   with:
 *     path: .ws-health/history.jsonl
 *     key: ws-health-history-${{ github.run_id }}-${{ github.run_attempt }}
 *     restore-keys: ws-health-history-
 * - uses: org/websocket-health-action@v1
 *   with:
 *     url: ws://localhost:8001/ws
 *     history_file: .ws-health/history.jsonl
 * - uses: actions/cache/save@v4
 *   if: always()
 *   with:
 *     path: .ws-health/history.jsonl
 *     key: ws-health-history-${{ github.run_id }}-${{ github.run_attempt }}
 * ```
 *
 * Two jobs running at once each restore the same entry and save their own,
 * so the later restore sees only one of them; jobs that run concurrently
 * should use the branch store (branch-store.ts), which retries on conflict.
 * Within one machine, writers serialize on a lock file next to the history,
 * holding a random owner id: a stale lock is taken away by one writer at a
 * time (takeOverStaleLock), and a writer releases the lock only while it
 * still holds its own id.
 */
import { randomBytes } from 'node:crypto'
import { link, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises'
import { makeDirs } from '../make-dirs.js'
import { dirname, resolve } from 'node:path'
import { systemClock, type Clock } from '../metrics/clock.js'
import { HealthError, describeError } from '../errors.js'
import type { HistoryRecord } from './record.js'
import {
  checkKeep,
  parseHistory,
  serializeHistory,
  trimHistory,
  type HistoryReadResult
} from './jsonl.js'

export interface AppendOptions {
  /** Keep only the last N runs (config historyKeep; the schema owns its default). */
  keep: number
  /** Attempts to take the lock before giving up (default 400, about 10 s). */
  lockAttempts?: number
  /** A lock file older than this is left by a crashed writer and is removed (ms, default 30 000). */
  staleLockMs?: number
  /** Waits between lock attempts; tests may inject a manual clock. */
  clock?: Clock
}

export const DEFAULT_LOCK_ATTEMPTS = 400
/** Between lock attempts: short, because a writer holds the lock for one read and one write. */
const LOCK_RETRY_MS = 25
export const DEFAULT_STALE_LOCK_MS = 30_000

export interface AppendResult {
  /** Records in the file after the append. */
  count: number
  /** Warnings from reading the existing file (skipped lines). */
  warnings: string[]
}

/**
 * Reads a history file; a missing file is an empty history, a corrupt line
 * is skipped with a warning naming its line number.
 * @throws HealthError WSH_ERR_REPORT when the file exists but cannot be read
 */
export async function readHistory(path: string): Promise<HistoryReadResult> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return { records: [], skippedLines: [], warnings: [] }
    }
    throw new HealthError(
      'WSH_ERR_REPORT',
      `history file ${path} could not be read: ${describeError(error)}`,
      { cause: error }
    )
  }
  return parseHistory(text, path)
}

/** Writes `text` to `path` through a temp file and rename, so readers never see half a file. */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  await makeDirs(dirname(path))
  const temp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`
  try {
    await writeFile(temp, text, 'utf8')
    await rename(temp, path)
  } catch (error) {
    await unlink(temp).catch(() => undefined)
    throw error
  }
}

/** Releases a lock taken by acquireFileLock. */
export type ReleaseLock = () => Promise<void>

async function readOwner(path: string): Promise<string | null> {
  return readFile(path, 'utf8').catch(() => null)
}

/**
 * Removes the lock at `lockPath` only if it still holds `owner`: it is
 * renamed to a unique name first (one rename wins, so two writers can never
 * both remove it), then checked; a lock that turns out to belong to someone
 * else is put back with link(), which cannot overwrite a newer lock.
 * @returns true when the lock was ours (or stale `owner`) and is gone
 */
async function removeIfOwned(lockPath: string, owner: string): Promise<boolean> {
  const aside = `${lockPath}.${randomBytes(8).toString('hex')}.old`
  try {
    await rename(lockPath, aside)
  } catch {
    return false // gone already, or another writer moved it first
  }
  const found = await readOwner(aside)
  if (found !== owner) {
    await link(aside, lockPath).catch(() => undefined)
    await unlink(aside).catch(() => undefined)
    return false
  }
  await unlink(aside).catch(() => undefined)
  return true
}

/**
 * Removes the lock at `lockPath` if it still holds `staleOwner` and is still
 * older than `staleMs`. Takeovers are serialized on a guard file
 * (`<lock>.takeover`, exclusive create): the one writer holding it judges the
 * lock again and unlinks it, and nothing else can replace a lock that exists
 * (creation is link(), which fails on an existing name), so a fresh lock is
 * never removed. Moving the lock aside to check it and linking it back, as
 * release does, left a moment with no lock in which a third writer could
 * take it while its holder went on: two writers, one record lost.
 */
async function takeOverStaleLock(
  lockPath: string,
  staleOwner: string,
  staleMs: number
): Promise<void> {
  const guard = `${lockPath}.takeover`
  try {
    await writeFile(guard, staleOwner, { flag: 'wx' })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    // Another writer is taking over now; a guard older than staleMs was left by a crash.
    const info = await stat(guard).catch(() => null)
    if (info && Date.now() - info.mtimeMs > staleMs) await unlink(guard).catch(() => undefined)
    return
  }
  try {
    const owner = await readOwner(lockPath)
    const info = await stat(lockPath).catch(() => null)
    if (owner === staleOwner && info && Date.now() - info.mtimeMs > staleMs) {
      await unlink(lockPath).catch(() => undefined)
    }
  } finally {
    await unlink(guard).catch(() => undefined)
  }
}

/**
 * Takes the lock file `lockPath` (exclusive create holding a random owner
 * id). A lock older than `staleMs` is taken away with takeOverStaleLock, then
 * the exclusive create is retried, so exactly one writer wins it. Release
 * removes the lock only while it still holds this writer's id.
 * @param attempts tries before WSH_ERR_REPORT
 * @param staleMs age (ms, file mtime) after which a lock counts as left by a crashed writer
 */
export async function acquireFileLock(
  lockPath: string,
  attempts: number,
  staleMs: number,
  clock: Clock
): Promise<ReleaseLock> {
  const owner = `${process.pid}:${randomBytes(12).toString('hex')}`
  for (let attempt = 0; attempt < attempts; attempt++) {
    // The id is written to a private file and linked into place: link() is atomic and fails
    // when the lock exists, so a lock is never seen empty (an empty id would match any other).
    const mine = `${lockPath}.${randomBytes(8).toString('hex')}.new`
    try {
      await writeFile(mine, owner, { flag: 'wx' })
      await link(mine, lockPath)
      return async () => {
        await removeIfOwned(lockPath, owner)
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    } finally {
      await unlink(mine).catch(() => undefined)
    }
    // Owner first, then age: if the lock is replaced in between, the age is the new lock's
    // (fresh), never the old lock's age paired with the new owner's id.
    const staleOwner = await readOwner(lockPath)
    // File mtimes are wall-clock, so staleness is judged with Date (not a duration we report).
    const info = await stat(lockPath).catch(() => null)
    if (info && staleOwner !== null && Date.now() - info.mtimeMs > staleMs) {
      await takeOverStaleLock(lockPath, staleOwner, staleMs)
      continue
    }
    await clock.sleep(LOCK_RETRY_MS / 2 + Math.random() * LOCK_RETRY_MS)
  }
  throw new HealthError(
    'WSH_ERR_REPORT',
    `history lock ${lockPath} is held by another writer after ${attempts} attempts; ` +
      'remove the lock file if no other ws-health run is writing this history'
  )
}

/**
 * Appends one record to a history file, keeping the last `keep` runs.
 * Concurrent writers (async or separate processes on one machine) serialize
 * on `<path>.lock`, so none loses a record. Corrupt lines are dropped.
 * @throws RangeError when `keep` is not a positive integer
 */
export async function appendRecord(
  path: string,
  record: HistoryRecord,
  options: AppendOptions
): Promise<AppendResult> {
  const { keep } = options
  checkKeep(keep)
  const attempts = options.lockAttempts ?? DEFAULT_LOCK_ATTEMPTS
  if (!Number.isInteger(attempts) || attempts < 1) {
    throw new RangeError(`lockAttempts: got ${attempts}; expected a positive integer`)
  }
  const file = resolve(path)
  await makeDirs(dirname(file))
  const release = await acquireFileLock(
    `${file}.lock`,
    attempts,
    options.staleLockMs ?? DEFAULT_STALE_LOCK_MS,
    options.clock ?? systemClock
  )
  try {
    const existing = await readHistory(file)
    const records = trimHistory([...existing.records, record], keep)
    await writeFileAtomic(file, serializeHistory(records))
    return { count: records.length, warnings: existing.warnings }
  } finally {
    await release()
  }
}
