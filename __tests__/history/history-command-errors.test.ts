/** `ws-health history FILE` on files that are not a history: one clean message, exit 2. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { EXIT, main } from '../../src/cli.js'
import { captureIo } from '../e2e/cli-io.js'

let dir = ''

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wsh-history-errors-'))
})

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('ws-health history errors', () => {
  it('names a missing file with one "ws-health:" prefix', async () => {
    const io = captureIo()
    const file = join(dir, 'nope.jsonl')
    expect(await main(['history', file], io)).toBe(EXIT.usage)
    const first = io.err().split('\n')[0]
    expect(first).toMatch(/^ws-health: cannot open history file ".*nope\.jsonl": /)
    expect(io.err()).not.toContain('ws-health: ws-health')
    expect(io.err()).not.toContain('ws-health history:')
  })

  it('exits 2 when the file has lines but none is a history record', async () => {
    const file = join(dir, 'package.json')
    await writeFile(file, '{"name":"x"}\nnot json at all\n\n[1,2]\n')
    const io = captureIo()
    expect(await main(['history', file], io)).toBe(EXIT.usage)
    expect(io.err()).toContain(`ws-health: "${file}" is not a ws-health history file`)
    expect(io.err()).toContain('none of its 3 line(s) is a history record')
    expect(io.out()).toBe('')
  })

  it('still reads an empty file as an empty history (exit 0)', async () => {
    const file = join(dir, 'empty.jsonl')
    await writeFile(file, '\n')
    const io = captureIo()
    expect(await main(['history', file], io)).toBe(EXIT.healthy)
    expect(io.out()).toContain('no runs recorded yet')
  })
})
