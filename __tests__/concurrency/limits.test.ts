import { describe, it, expect, afterEach } from '@jest/globals'
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  FALLBACK_FD_LIMIT,
  connectionBudget,
  isFdExhausted,
  readFdLimit
} from '../../src/engine/fd-limit.js'
import { geometricTargets, rampTargets } from '../../src/engine/ramp.js'
import { HealthError } from '../../src/errors.js'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

function fakeProc(limits: string, fds: number): { limits: string; fd: string } {
  const dir = mkdtempSync(join(tmpdir(), 'wsh-fd-'))
  dirs.push(dir)
  writeFileSync(join(dir, 'limits'), limits)
  mkdirSync(join(dir, 'fd'))
  for (let i = 0; i < fds; i++) writeFileSync(join(dir, 'fd', String(i)), '')
  return { limits: join(dir, 'limits'), fd: join(dir, 'fd') }
}

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max open files            20000                1048576              files
Max locked memory         8388608              8388608              bytes
`

describe('file-descriptor budget', () => {
  it('reads the soft limit and the descriptors in use from /proc', () => {
    const proc = fakeProc(LIMITS, 7)
    expect(readFdLimit(proc.limits, proc.fd)).toEqual({ soft: 20000, inUse: 7, source: 'proc' })
  })

  it('falls back to a conservative default where /proc is missing', () => {
    expect(readFdLimit('/nonexistent/limits', '/nonexistent/fd')).toEqual({
      soft: FALLBACK_FD_LIMIT,
      inUse: 0,
      source: 'fallback'
    })
  })

  it('reads the real limit of this process on Linux', () => {
    const limit = readFdLimit()
    if (process.platform !== 'linux') return
    expect(limit.source).toBe('proc')
    expect(limit.inUse).toBeGreaterThan(2)
    expect(limit.soft).toBeGreaterThan(limit.inUse)
  })

  it('leaves headroom and divides by descriptors per connection', () => {
    // 1000 - 100 in use = 900 free; minus 64 and 90 headroom = 746.
    expect(connectionBudget({ soft: 1000, inUse: 100, source: 'proc' })).toBe(746)
    expect(connectionBudget({ soft: 1000, inUse: 100, source: 'proc' }, 2)).toBe(373)
    expect(connectionBudget({ soft: 50, inUse: 40, source: 'proc' })).toBe(0)
    expect(() => connectionBudget({ soft: 10, inUse: 0, source: 'proc' }, 0)).toThrow(RangeError)
  })

  it('recognises EMFILE and ENFILE through causes and messages', () => {
    const cause = Object.assign(new Error('accept failed'), { code: 'EMFILE' })
    expect(isFdExhausted(new HealthError('WSH_ERR_CONNECT', 'cannot connect', { cause }))).toBe(
      true
    )
    expect(isFdExhausted(new Error('cannot connect to ws://x: ENFILE (file table overflow)'))).toBe(
      true
    )
    expect(isFdExhausted(new HealthError('WSH_ERR_CONNECT', 'ECONNREFUSED'))).toBe(false)
    expect(isFdExhausted(undefined)).toBe(false)
  })
})

describe('ramp targets', () => {
  it('rises evenly to the total', () => {
    expect(rampTargets(200, 4)).toEqual([50, 100, 150, 200])
    expect(rampTargets(10, 4)).toEqual([3, 5, 8, 10])
    expect(rampTargets(2, 4)).toEqual([1, 2])
    expect(() => rampTargets(0, 4)).toThrow(RangeError)
  })

  it('grows geometrically past the start and ends at the cap', () => {
    expect(geometricTargets(10, 100)).toEqual([10, 20, 40, 80, 100])
    expect(geometricTargets(50, 20)).toEqual([20])
    expect(geometricTargets(1, 1_000_000, 2, 5)).toEqual([1, 2, 4, 8, 16])
  })
})
