import { afterEach, describe, expect, it } from '@jest/globals'
import { createProgressLine, progressText, type ProgressLine } from '../../src/report/progress.js'
import { createManualClock } from '../fixtures/clock.js'

const manualClock = () => createManualClock({ sleeps: 'instant', startMs: 0 })

function stream(isTTY: boolean) {
  const writes: string[] = []
  return { isTTY, writes, write: (text: string) => writes.push(text) }
}

const STATE = { suite: 'heartbeat-monitoring', index: 2, count: 4, done: 3, total: 10 }
let line: ProgressLine | undefined

afterEach(() => {
  line?.stop()
  line = undefined
})

describe('progress line', () => {
  it('describes the suite, its steps and the elapsed time', () => {
    expect(progressText(STATE, 12_300)).toBe('⏳ [2/4] heartbeat-monitoring 3/10 · 12.3 s')
    expect(progressText({ ...STATE, total: 1, done: 0, note: 'p95' }, 500)).toBe(
      '⏳ [2/4] heartbeat-monitoring p95 · 500 ms'
    )
    expect(progressText(undefined, 4000)).toBe('⏳ starting · 4 s')
    expect(progressText({ ...STATE, done: 1018.756, total: 4000 }, 4000)).toContain(' 1019/4000 ')
  })

  it('stays silent for the first seconds, then rewrites one line and erases it at the end', () => {
    const clock = manualClock()
    const out = stream(true)
    line = createProgressLine(out, { clock, delayMs: 3000 })
    line.update(STATE)
    expect(out.writes).toEqual([])
    clock.advance(3500)
    line.update({ ...STATE, done: 4 })
    expect(out.writes).toEqual(['\r\u001b[K⏳ [2/4] heartbeat-monitoring 4/10 · 3.5 s'])
    // Fast updates are coalesced: at most one redraw per interval.
    clock.advance(10)
    line.update({ ...STATE, done: 5 })
    expect(out.writes).toHaveLength(1)
    clock.advance(1000)
    line.update({ ...STATE, done: 6 })
    expect(out.writes.at(-1)).toBe('\r\u001b[K⏳ [2/4] heartbeat-monitoring 6/10 · 4.5 s')
    line.stop()
    line.stop()
    expect(out.writes.at(-1)).toBe('\r\u001b[K')
    expect(out.writes).toHaveLength(3)
  })

  it('writes nothing when the stream is not a terminal', () => {
    const clock = manualClock()
    const out = stream(false)
    line = createProgressLine(out, { clock, delayMs: 0 })
    clock.advance(10_000)
    line.update(STATE)
    line.stop()
    expect(out.writes).toEqual([])
  })

  it('rejects a bad option naming it', () => {
    expect(() => createProgressLine(stream(true), { clock: manualClock(), intervalMs: 0 })).toThrow(
      /intervalMs/
    )
  })
})
