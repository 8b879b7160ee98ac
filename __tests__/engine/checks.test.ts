import { describe, expect, it } from '@jest/globals'
import {
  compare,
  errorCode,
  failedToMeasure,
  isConformanceFinding,
  measure,
  skipped,
  verify
} from '../../src/engine/checks.js'
import { HealthError } from '../../src/errors.js'

const base = { id: 'p50', title: 'latency p50', unit: 'ms', op: '<' as const, limit: 100 }

describe('measure', () => {
  it('passes a value inside its limit and says so with the limit', () => {
    const check = measure({ ...base, value: 40, margin: 0.1 })
    expect(check).toMatchObject({ status: 'passed', value: 40, threshold: { op: '<', value: 100 } })
    expect(check.message).toBe('40 ms (needs < 100 ms)')
  })
  it('degrades a critical check missed by less than the margin', () => {
    expect(measure({ ...base, value: 105, margin: 0.1 }).status).toBe('degraded')
  })
  it('fails a critical check missed by the margin or more, with its code', () => {
    expect(
      measure({ ...base, value: 110, margin: 0.1, code: 'WSH_ERR_MESSAGE_TIMEOUT' })
    ).toMatchObject({
      status: 'failed',
      code: 'WSH_ERR_MESSAGE_TIMEOUT'
    })
  })
  it('only degrades a minor check, however far it misses', () => {
    expect(measure({ ...base, value: 5000, minor: true }).status).toBe('degraded')
  })
  it('fails any miss when the margin is 0', () => {
    expect(measure({ ...base, value: 100.5 }).status).toBe('failed')
  })
  it('fails a value that was not measured', () => {
    expect(measure({ ...base, value: null, code: 'WSH_ERR_PONG_TIMEOUT' })).toMatchObject({
      status: 'failed',
      value: null,
      code: 'WSH_ERR_PONG_TIMEOUT'
    })
  })
  it('applies the margin to ratios below their limit', () => {
    const rate = {
      id: 'rate',
      title: 'delivery',
      unit: 'ratio',
      op: '>=' as const,
      limit: 1,
      margin: 0.1
    }
    expect(measure({ ...rate, value: 0.95 }).status).toBe('degraded')
    expect(measure({ ...rate, value: 0.67 }).status).toBe('failed')
  })
  it('rejects a margin outside 0-1', () => {
    expect(() => measure({ ...base, value: 1, margin: 2 })).toThrow(RangeError)
  })
})

describe('compare', () => {
  it.each([
    [1, '<', 2, true],
    [2, '<', 2, false],
    [2, '<=', 2, true],
    [3, '>', 2, true],
    [2, '>=', 2, true],
    [2, '==', 2, true],
    [1, '==', 2, false]
  ] as const)('%d %s %d is %s', (value, op, limit, expected) => {
    expect(compare(value, op, limit)).toBe(expected)
  })
})

describe('verify, skipped and failedToMeasure', () => {
  it('verify passes or fails on ok, with the expected value as threshold', () => {
    const ok = verify({
      id: 'close',
      title: 'close',
      ok: true,
      value: 1000,
      expected: 1000,
      message: 'clean'
    })
    expect(ok).toMatchObject({ status: 'passed', threshold: { op: '==', value: 1000 } })
    expect(ok.code).toBeUndefined()
    const bad = verify({
      id: 'close',
      title: 'close',
      ok: false,
      value: 1006,
      expected: 1000,
      message: 'x',
      code: 'WSH_ERR_CLOSE_TIMEOUT'
    })
    expect(bad).toMatchObject({ status: 'failed', code: 'WSH_ERR_CLOSE_TIMEOUT' })
    expect(
      verify({ id: 'a', title: 'a', ok: false, value: false, message: 'x', minor: true }).status
    ).toBe('degraded')
  })
  it('skipped carries the reason and no value', () => {
    expect(skipped('binary', 'binary', 'protocol json cannot carry binary')).toMatchObject({
      status: 'skipped',
      value: null,
      message: 'protocol json cannot carry binary'
    })
  })
  it('failedToMeasure takes the code of a HealthError, else WSH_ERR_INTERNAL', () => {
    const error = new HealthError('WSH_ERR_HANDSHAKE_REJECTED', 'handshake rejected: HTTP 503')
    expect(failedToMeasure('handshake', 'handshake', error)).toMatchObject({
      status: 'failed',
      value: null,
      code: 'WSH_ERR_HANDSHAKE_REJECTED',
      message: 'handshake rejected: HTTP 503'
    })
    expect(errorCode(new Error('boom'))).toBe('WSH_ERR_INTERNAL')
  })
})

describe('conformance findings', () => {
  it('verify turns a conformance miss into a degraded finding, never a failure', () => {
    const finding = verify({
      id: 'no-leaks',
      title: 'service closes TCP first',
      ok: false,
      value: false,
      message: 'kept TCP open',
      code: 'WSH_ERR_PROTOCOL',
      conformance: true
    })
    expect(finding).toMatchObject({ status: 'degraded', conformance: true })
    expect(isConformanceFinding(finding)).toBe(true)
    const passed = verify({
      id: 'x',
      title: 'x',
      ok: true,
      value: true,
      message: 'ok',
      conformance: true
    })
    expect(passed.status).toBe('passed')
    expect(passed.conformance).toBeUndefined()
    expect(isConformanceFinding(passed)).toBe(false)
  })
  it('measure degrades a conformance miss however far it misses, and says why', () => {
    const finding = measure({ ...base, value: 10_000, conformance: true })
    expect(finding).toMatchObject({ status: 'degraded', conformance: true })
    expect(finding.message).toContain('conformance finding')
    expect(measure({ ...base, value: 10_000 }).conformance).toBeUndefined()
  })
})
