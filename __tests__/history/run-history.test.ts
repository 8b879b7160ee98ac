import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ConfigSchema } from '../../src/config/schema.js'
import { historySettings, keepRunHistory } from '../../src/history/run-history.js'
import { makeReport } from '../fixtures/reports.js'

let dir = ''

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wsh-run-history-'))
})

afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

const config = (extra: Record<string, unknown>) =>
  ConfigSchema.parse({ url: 'ws://127.0.0.1:1/ws', ...extra })

describe('historySettings', () => {
  it('is null without history_file or history_branch', () => {
    expect(historySettings(config({}), { env: {} })).toEqual({ settings: null, warnings: [] })
  })

  it('prefers history_branch over history_file, and says so', () => {
    const { settings, warnings } = historySettings(
      config({ historyFile: 'h.jsonl', historyBranch: 'data', historyKeep: 7 }),
      { env: { GITHUB_REPOSITORY: 'acme/svc', GITHUB_SHA: 'abc' }, token: 'tok' }
    )
    expect(settings?.store).toMatchObject({
      kind: 'branch',
      location: { owner: 'acme', repo: 'svc', branch: 'data', path: 'ws-health/history.jsonl' }
    })
    expect(settings?.keep).toBe(7)
    expect(settings?.meta.commit).toBe('abc')
    expect(warnings[0]).toContain('history_file h.jsonl is ignored')
  })

  it('skips a branch history without a token, with a warning', () => {
    const { settings, warnings } = historySettings(config({ historyBranch: 'data' }), {
      env: { GITHUB_REPOSITORY: 'acme/svc' }
    })
    expect(settings).toBeNull()
    expect(warnings).toEqual([
      'history_branch needs github_token (contents: write); history skipped'
    ])
  })
})

describe('keepRunHistory', () => {
  it('appends the run, trims to history_keep and sets report.trend', async () => {
    const file = join(dir, 'nested', 'h.jsonl')
    for (let run = 0; run < 4; run++) {
      const report = makeReport({ startedAt: new Date(Date.UTC(2026, 0, 1, run)).toISOString() })
      const { outcome, warnings } = await keepRunHistory(
        report,
        config({ historyFile: file, historyKeep: 3 }),
        { env: {} }
      )
      expect(warnings).toEqual([])
      expect(outcome?.count).toBe(Math.min(run + 1, 3))
      expect(report.trend?.historySize).toBe(Math.min(run, 3))
    }
    expect((await readFile(file, 'utf8')).trim().split('\n')).toHaveLength(3)
  })

  it('does not write a history it could not read', async () => {
    const file = join(dir, 'is-a-dir')
    await mkdir(file)
    const report = makeReport()
    const { outcome, warnings } = await keepRunHistory(report, config({ historyFile: file }), {
      env: {}
    })
    expect(outcome).toMatchObject({ trend: null, count: null, predictive: false })
    expect(warnings[0]).toMatch(/run history .*is-a-dir could not be read/)
    expect(report.trend).toBeUndefined()
  })
})
