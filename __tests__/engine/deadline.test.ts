import { describe, expect, it } from '@jest/globals'
import { getMaxListeners } from 'node:events'
import {
  MAX_SIGNAL_LISTENERS,
  abortable,
  createDeadline,
  withTimeout
} from '../../src/engine/deadline.js'
import { HealthError } from '../../src/errors.js'

const never = () => new Promise<never>(() => undefined)

describe('createDeadline', () => {
  it('lets a suite hold many bounded waits on its signal without a leak warning', () => {
    const deadline = createDeadline(1_000, 'suite x')
    try {
      // Node warns past 10 listeners by default; a suite under chaos runs several phases at once.
      expect(getMaxListeners(deadline.signal)).toBe(MAX_SIGNAL_LISTENERS)
      expect(MAX_SIGNAL_LISTENERS).toBeGreaterThan(10)
    } finally {
      deadline.dispose()
    }
  })

  it('aborts with a WSH_ERR_DEADLINE HealthError naming what and the limit', async () => {
    const deadline = createDeadline(10, 'suite x')
    await new Promise((resolve) => deadline.signal.addEventListener('abort', resolve))
    expect(deadline.signal.reason).toBeInstanceOf(HealthError)
    expect(deadline.signal.reason).toMatchObject({
      code: 'WSH_ERR_DEADLINE',
      message: 'suite x exceeded its deadline of 10 ms'
    })
    deadline.dispose()
  })
  it('follows its parent', () => {
    const parent = new AbortController()
    const deadline = createDeadline(60_000, 'child', parent.signal)
    parent.abort(new Error('stop'))
    expect(deadline.signal.reason).toEqual(new Error('stop'))
    deadline.dispose()
  })
  it('rejects a negative limit', () => {
    expect(() => createDeadline(-1, 'x')).toThrow(RangeError)
  })
})

describe('abortable and withTimeout', () => {
  it('abortable rejects a promise that never settles once the signal aborts', async () => {
    const controller = new AbortController()
    const pending = abortable(never(), controller.signal)
    controller.abort(new Error('cut'))
    await expect(pending).rejects.toThrow('cut')
  })
  it('abortable passes a settled value through', async () => {
    await expect(abortable(Promise.resolve(7), new AbortController().signal)).resolves.toBe(7)
  })
  it('withTimeout rejects with the given error after the limit', async () => {
    await expect(
      withTimeout(never(), 10, () => new HealthError('WSH_ERR_MESSAGE_TIMEOUT', 'late'))
    ).rejects.toMatchObject({
      code: 'WSH_ERR_MESSAGE_TIMEOUT'
    })
  })
  it('withTimeout resolves when the promise wins', async () => {
    await expect(withTimeout(Promise.resolve('ok'), 1000, () => new Error('late'))).resolves.toBe(
      'ok'
    )
  })
})
