import { describe, it, expect, beforeEach, afterEach } from '@jest/globals'
import { mkdtemp, readFile, readdir, rm, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { acquireFileLock, appendRecord, readHistory } from '../../src/history/file-store.js'
import { createManualClock } from '../fixtures/clock.js'
import { DEFAULT_HISTORY_KEEP } from '../fixtures/schema-defaults.js'
import { makeRecord } from './make-record.js'

let dir: string
let file: string

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wsh-history-'))
  file = join(dir, 'nested', 'history.jsonl')
})

afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

/** Sleeps resolve at once: lock waits are counted, not timed. */
const instantClock = createManualClock({ sleeps: 'instant' })

describe('file store', () => {
  it('reads a missing file as an empty history', async () => {
    expect(await readHistory(file)).toEqual({ records: [], skippedLines: [], warnings: [] })
  })

  it('appends JSON lines and keeps only the last N runs', async () => {
    for (let i = 0; i < 7; i++) {
      const result = await appendRecord(file, makeRecord(i), { keep: 5 })
      expect(result.count).toBe(Math.min(i + 1, 5))
    }
    const text = await readFile(file, 'utf8')
    expect(text.trimEnd().split('\n')).toHaveLength(5)
    const { records } = await readHistory(file)
    expect(records.map((r) => r.runId)).toEqual(['1002', '1003', '1004', '1005', '1006'])
    // Atomic write leaves no temp file or lock behind.
    expect((await readdir(join(dir, 'nested'))).sort()).toEqual(['history.jsonl'])
  })

  it('skips corrupt lines with a warning naming them, and drops them on the next write', async () => {
    await appendRecord(file, makeRecord(0), { keep: DEFAULT_HISTORY_KEEP })
    await appendRecord(file, makeRecord(1), { keep: DEFAULT_HISTORY_KEEP })
    const good = (await readFile(file, 'utf8')).trimEnd().split('\n')
    const text = [good[0], '{"v":1,"time":"trunc', good[1], '{"v":99}', ''].join('\n')
    await writeFile(file, text)
    const read = await readHistory(file)
    expect(read.records.map((r) => r.runId)).toEqual(['1000', '1001'])
    expect(read.skippedLines).toEqual([2, 4])
    expect(read.warnings).toHaveLength(1)
    expect(read.warnings[0]).toContain('line 2, 4')
    const appended = await appendRecord(file, makeRecord(2), { keep: DEFAULT_HISTORY_KEEP })
    expect(appended.warnings).toEqual(read.warnings)
    expect((await readHistory(file)).skippedLines).toEqual([])
  })

  it('loses nothing when two async writers append at once', async () => {
    const writer = async (offset: number): Promise<void> => {
      for (let i = 0; i < 15; i++) await appendRecord(file, makeRecord(offset + i), { keep: 100 })
    }
    await Promise.all([writer(0), writer(100)])
    const { records, skippedLines } = await readHistory(file)
    expect(skippedLines).toEqual([])
    expect(records).toHaveLength(30)
    const ids = new Set(records.map((r) => r.runId))
    for (let i = 0; i < 15; i++) {
      expect(ids.has(String(1000 + i))).toBe(true)
      expect(ids.has(String(1100 + i))).toBe(true)
    }
  })

  it('waits for a held lock and fails after its attempts with a clear error', async () => {
    await appendRecord(file, makeRecord(0), { keep: DEFAULT_HISTORY_KEEP })
    await writeFile(`${file}.lock`, '12345')
    await expect(
      appendRecord(file, makeRecord(1), {
        keep: DEFAULT_HISTORY_KEEP,
        lockAttempts: 3,
        clock: instantClock
      })
    ).rejects.toMatchObject({
      code: 'WSH_ERR_REPORT',
      message: expect.stringContaining('after 3 attempts')
    })
    expect((await readHistory(file)).records).toHaveLength(1)
  })

  it('takes over a stale lock left by a crashed writer', async () => {
    await appendRecord(file, makeRecord(0), { keep: DEFAULT_HISTORY_KEEP })
    await writeFile(`${file}.lock`, '12345')
    const old = new Date(Date.now() - 120_000)
    await utimes(`${file}.lock`, old, old)
    await appendRecord(file, makeRecord(1), {
      keep: DEFAULT_HISTORY_KEEP,
      lockAttempts: 2,
      clock: instantClock
    })
    expect((await readHistory(file)).records).toHaveLength(2)
  })

  it('lets exactly one of several writers take over a stale lock at a time', async () => {
    const old = new Date(Date.now() - 120_000)
    for (let round = 0; round < 30; round++) {
      const roundFile = join(dir, `race-${round}.jsonl`)
      await writeFile(`${roundFile}.lock`, 'crashed-writer')
      await utimes(`${roundFile}.lock`, old, old)
      // Every writer sees the same stale lock at once; only one may hold the lock at a time,
      // so every record survives (two holders would read the same file and one would be lost).
      await Promise.all(
        [0, 1, 2, 3, 4, 5].map((w) => appendRecord(roundFile, makeRecord(w), { keep: 100 }))
      )
      const { records } = await readHistory(roundFile)
      expect(records.map((r) => r.runId).sort()).toEqual([
        '1000',
        '1001',
        '1002',
        '1003',
        '1004',
        '1005'
      ])
      const left = (await readdir(dir)).filter((name) => name.startsWith(`race-${round}.jsonl.`))
      expect(left).toEqual([]) // no lock or taken-over lock left behind
    }
  })

  it('release leaves a lock that another writer has taken over', async () => {
    const lock = join(dir, 'held.lock')
    const release = await acquireFileLock(lock, 1, 30_000, instantClock)
    // This holder ran past staleLockMs and another writer took the lock over.
    await writeFile(lock, 'the-new-holder')
    await release()
    expect(await readFile(lock, 'utf8')).toBe('the-new-holder')
    const mine = await acquireFileLock(join(dir, 'mine.lock'), 1, 30_000, instantClock)
    await mine()
    expect(await readdir(dir)).toEqual(['held.lock'])
  })

  it('rejects a bad keep naming the option', async () => {
    await expect(appendRecord(file, makeRecord(0), { keep: 0 })).rejects.toThrow(/keep: got 0/)
  })
})
