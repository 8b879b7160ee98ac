import { describe, it, expect, beforeEach, afterEach } from '@jest/globals'
import { createServer, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { HealthError } from '../../src/errors.js'
import {
  BRANCH_README,
  appendRecordToBranch,
  readHistoryFromBranch
} from '../../src/history/branch-store.js'
import { serializeHistory } from '../../src/history/jsonl.js'
import { createManualClock } from '../fixtures/clock.js'
import { DEFAULT_HISTORY_KEEP } from '../fixtures/schema-defaults.js'
import { startFakeContentsApi, type FakeContentsApi } from './fake-contents-api.js'
import { makeRecord } from './make-record.js'

const TOKEN = 'ghs_secretTokenValue1234567890'
const instantClock = createManualClock({ sleeps: 'instant' })

let api: FakeContentsApi

beforeEach(async () => {
  api = await startFakeContentsApi()
})

afterEach(async () => {
  await api.close()
})

function location(overrides: Partial<{ branch: string; path: string }> = {}) {
  return {
    token: TOKEN,
    apiUrl: api.url,
    owner: api.owner,
    repo: api.repo,
    branch: 'ws-health-history',
    path: 'history/ws-health.jsonl',
    clock: instantClock,
    retryDelayMs: 1,
    keep: DEFAULT_HISTORY_KEEP,
    ...overrides
  }
}

describe('branch store', () => {
  it('creates the branch as an orphan holding only its README, then appends', async () => {
    api.files.get('main')!.set('README.md', '# svc\n')
    api.files.get('main')!.set('.github/workflows/ci.yml', 'on: push\n')
    const first = await appendRecordToBranch({ ...location(), record: makeRecord(0) })
    expect(first).toMatchObject({ attempts: 1, count: 1, createdBranch: true })
    expect(first.commitSha).toMatch(/^[0-9a-f]{40}$/)
    // No code and no workflows from the default branch: a data branch of its own.
    const branch = api.files.get('ws-health-history')!
    expect([...branch.keys()].sort()).toEqual(['README.md', 'history/ws-health.jsonl'])
    expect(branch.get('README.md')).toBe(BRANCH_README)
    const [root] = [...api.commits.values()]
    expect(root).toMatchObject({ parents: [], message: expect.stringContaining('[skip ci]') })
    const second = await appendRecordToBranch({ ...location(), record: makeRecord(1) })
    expect(second).toMatchObject({ attempts: 1, count: 2, createdBranch: false })
    const read = await readHistoryFromBranch(location())
    expect(read.records.map((r) => r.runId)).toEqual(['1000', '1001'])
    expect(api.files.get('main')!.has('history/ws-health.jsonl')).toBe(false)
    // The token travels only in the Authorization header.
    // Non-empty first: an every()/loop over nothing would pass vacuously.
    expect(api.requests.length).toBeGreaterThan(0)
    expect(api.requests.every((r) => r.authorization === `token ${TOKEN}`)).toBe(true)
  })

  it('reads a missing branch as an empty history', async () => {
    expect(await readHistoryFromBranch(location())).toEqual({
      records: [],
      skippedLines: [],
      warnings: []
    })
  })

  it('retries a 409 conflict by re-reading, and keeps both records', async () => {
    await appendRecordToBranch({ ...location(), record: makeRecord(0) })
    // Another job's record lands between our read and our write.
    api.interleave.push(serializeHistory([makeRecord(50)]))
    const result = await appendRecordToBranch({ ...location(), record: makeRecord(1) })
    expect(result.attempts).toBe(2)
    const puts = api.requests.filter((r) => r.method === 'PUT')
    expect(puts).toHaveLength(3)
    const { records } = await readHistoryFromBranch(location())
    expect(records.map((r) => r.runId)).toEqual(['1000', '1050', '1001'])
  })

  it('retries a 422 when the file appeared after a read that found none', async () => {
    api.files.set('ws-health-history', new Map())
    api.interleave.push(serializeHistory([makeRecord(50)]))
    const result = await appendRecordToBranch({ ...location(), record: makeRecord(1) })
    expect(result.attempts).toBe(2)
    const { records } = await readHistoryFromBranch(location())
    expect(records.map((r) => r.runId)).toEqual(['1050', '1001'])
  })

  it('loses nothing when two writers append at once', async () => {
    const writers = [0, 1, 2, 3].map((i) =>
      appendRecordToBranch({ ...location(), record: makeRecord(i), maxRetries: 10 })
    )
    const results = await Promise.all(writers)
    expect(results.map((r) => r.count).sort()).toEqual([1, 2, 3, 4])
    const { records } = await readHistoryFromBranch(location())
    expect(records.map((r) => r.runId).sort()).toEqual(['1000', '1001', '1002', '1003'])
  })

  it('keeps only the last N runs', async () => {
    for (let i = 0; i < 5; i++) {
      await appendRecordToBranch({ ...location(), record: makeRecord(i), keep: 3 })
    }
    const { records } = await readHistoryFromBranch(location())
    expect(records.map((r) => r.runId)).toEqual(['1002', '1003', '1004'])
  })

  it('gives up after maxRetries conflicts with a GitHub error', async () => {
    await appendRecordToBranch({ ...location(), record: makeRecord(0) })
    // Every write attempt finds the file changed again under it.
    api.interleave.push('{"other":1}\n', '{"other":2}\n', '{"other":3}\n')
    await expect(
      appendRecordToBranch({ ...location(), record: makeRecord(1), maxRetries: 2 })
    ).rejects.toMatchObject({
      code: 'WSH_ERR_GITHUB',
      message: expect.stringContaining('still conflicting after 2 retries')
    })
  })

  it('turns 403 into advice naming contents: write, never echoing the token', async () => {
    api.failPutWith = 403
    let caught: unknown = null
    try {
      await appendRecordToBranch({ ...location(), record: makeRecord(0) })
    } catch (error) {
      caught = error
    }
    expect(caught).toMatchObject({ code: 'WSH_ERR_GITHUB' })
    const error = caught as Error
    expect(error.message).toContain('HTTP 403')
    expect(error.message).toContain('contents: write')
    expect(error.message).not.toContain(TOKEN)
    expect(JSON.stringify(error)).not.toContain(TOKEN)
    expect(String(error.stack)).not.toContain(TOKEN)
  })

  it('rejects bad options naming them', async () => {
    await expect(
      appendRecordToBranch({ ...location(), record: makeRecord(0), keep: -1 })
    ).rejects.toThrow(/keep: got -1/)
    await expect(
      appendRecordToBranch({ ...location(), record: makeRecord(0), maxRetries: 1.5 })
    ).rejects.toThrow(/maxRetries: got 1.5/)
    await expect(
      appendRecordToBranch({ ...location(), token: '', record: makeRecord(0) })
    ).rejects.toMatchObject({ code: 'WSH_ERR_CONFIG' })
  })
})

describe('branch store against a GitHub that never answers', () => {
  let silent: Server
  let held: ServerResponse[] = []

  beforeEach(async () => {
    // Accepts every request and never responds: Octokit alone would wait forever.
    silent = createServer((_req, res) => {
      held.push(res)
    })
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
  })

  afterEach(async () => {
    for (const res of held) res.destroy()
    held = []
    silent.closeAllConnections()
    await new Promise<void>((resolve) => silent.close(() => resolve()))
  })

  function silentLocation() {
    const port = (silent.address() as AddressInfo).port
    return { ...location(), apiUrl: `http://127.0.0.1:${port}`, timeoutMs: 200 }
  }

  it('fails an append with WSH_ERR_GITHUB naming the timeout, without the token', async () => {
    const error = await appendRecordToBranch({
      ...silentLocation(),
      record: makeRecord(0)
    }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(HealthError)
    expect((error as HealthError).code).toBe('WSH_ERR_GITHUB')
    expect((error as Error).message).toMatch(/did not answer within 200 ms/)
    expect((error as Error).message).not.toContain(TOKEN)
    expect(held.length).toBeGreaterThan(0)
  })

  it('fails a read the same way', async () => {
    await expect(readHistoryFromBranch(silentLocation())).rejects.toMatchObject({
      code: 'WSH_ERR_GITHUB',
      message: expect.stringMatching(/timed out/)
    })
  })

  it('rejects a bad timeoutMs naming it', async () => {
    await expect(readHistoryFromBranch({ ...silentLocation(), timeoutMs: 0 })).rejects.toThrow(
      /timeoutMs: got 0/
    )
  })
})
