import { afterEach, describe, expect, it } from '@jest/globals'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { toJsonReport, writeJsonReport } from '../../src/report/json.js'
import { expectReportContract } from '../fixtures/report-contract.js'
import { makeReport } from '../fixtures/reports.js'

describe('toJsonReport', () => {
  it('follows the DESIGN.md contract', () => {
    expectReportContract(toJsonReport(makeReport()))
  })

  it('keeps nulls as null and adds optional blocks only when present', () => {
    const report = makeReport({ chaos: { seed: 7 } })
    report.metrics.latencyMs.p99 = null
    const json = toJsonReport(report)
    expect((json.metrics as { latencyMs: { p99: unknown } }).latencyMs.p99).toBeNull()
    expect(json.chaos).toEqual({ seed: 7 })
    expect('stress' in json).toBe(false)
  })

  it('drops fields outside the contract', () => {
    const report = makeReport()
    Object.assign(report.suites[0], { internal: 'x' })
    const suite = (toJsonReport(report).suites as Array<Record<string, unknown>>)[0]
    expect('internal' in suite).toBe(false)
  })
})

describe('writeJsonReport', () => {
  let dir = ''
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('creates missing folders and writes parseable JSON', async () => {
    dir = await mkdtemp(join(tmpdir(), 'wsh-json-'))
    const path = await writeJsonReport(join(dir, 'a', 'b', 'report.json'), makeReport())
    expect(path).toBe(join(dir, 'a', 'b', 'report.json'))
    const json = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>
    expectReportContract(json)
    expect(json.target).toBe('ws://127.0.0.1:8001/ws')
  })

  it('rejects with the file system code when a parent is a file (ENOTDIR)', async () => {
    dir = await mkdtemp(join(tmpdir(), 'wsh-json-'))
    await writeFile(join(dir, 'plain'), 'x')
    await expect(
      writeJsonReport(join(dir, 'plain', 'sub', 'report.json'), makeReport())
    ).rejects.toMatchObject({ code: 'ENOTDIR' })
  })

  // Node's recursive mkdir never settles for a folder under /proc; the report write must.
  const procfs = existsSync('/proc/self') ? it : it.skip
  procfs('rejects instead of hanging for a folder that cannot be made under /proc', async () => {
    await expect(
      writeJsonReport('/proc/wsh-no-such/report.json', makeReport())
    ).rejects.toHaveProperty('code')
  })
})
