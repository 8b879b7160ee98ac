import { describe, expect, it } from '@jest/globals'
import type { Status } from '../../src/engine/model.js'
import {
  exitCodeFor,
  failsRun,
  healthProblems,
  overallVerdict,
  suiteStatus
} from '../../src/engine/verdict.js'
import { makeCheck } from '../fixtures/builders.js'

const checks = (...statuses: Status[]) => statuses.map((status) => makeCheck({ status }))
const suite = (status: Status, critical = true) => ({ status, critical })

describe('suiteStatus', () => {
  it.each<[Status[], Status]>([
    [['passed', 'degraded', 'failed', 'skipped'], 'failed'],
    [['passed', 'degraded', 'skipped'], 'degraded'],
    [['passed', 'skipped'], 'passed'],
    [['passed'], 'passed'],
    [['skipped', 'skipped'], 'skipped'],
    [[], 'skipped'],
    [['not-run'], 'not-run'],
    [['skipped', 'not-run'], 'not-run'],
    [['passed', 'not-run'], 'passed'],
    [['failed', 'not-run'], 'failed']
  ])('%j -> %s', (given, expected) => {
    expect(suiteStatus(checks(...given))).toBe(expected)
  })
})

describe('conformance findings in the verdict', () => {
  const finding = makeCheck({ status: 'degraded', conformance: true })
  it('a suite whose only problem is a conformance finding is degraded, never failed', () => {
    expect(suiteStatus([makeCheck(), finding])).toBe('degraded')
    // Even a finding built by hand as failed counts as degraded at most.
    expect(suiteStatus([makeCheck(), { ...finding, status: 'failed' }])).toBe('degraded')
    expect(suiteStatus([makeCheck(), finding, makeCheck({ status: 'failed' })])).toBe('failed')
  })
  it('a run whose only problems are conformance findings is degraded at most', () => {
    const status = suiteStatus([makeCheck(), finding])
    expect(overallVerdict([suite('passed'), { status, critical: true }])).toBe('degraded')
  })
  it('healthProblems leaves conformance findings out', () => {
    const missed = makeCheck({ status: 'failed', id: 'missed' })
    expect(healthProblems([makeCheck(), finding, missed])).toEqual([missed])
  })
})

describe('overallVerdict', () => {
  it('fails when the service went down, even in a non-critical suite', () => {
    const down = makeCheck({ status: 'failed', code: 'WSH_ERR_SERVICE_DOWN' })
    expect(overallVerdict([suite('passed'), { ...suite('failed', false), checks: [down] }])).toBe(
      'failed'
    )
    // The same failure without the code only degrades.
    const other = makeCheck({ status: 'failed', code: 'WSH_ERR_PROTOCOL' })
    expect(overallVerdict([suite('passed'), { ...suite('failed', false), checks: [other] }])).toBe(
      'degraded'
    )
  })
  it('never passes a run whose suites were all not-run or skipped', () => {
    expect(overallVerdict([suite('not-run'), suite('skipped')])).toBe('degraded')
  })
  it('fails when a critical suite failed', () => {
    expect(overallVerdict([suite('passed'), suite('failed', true)])).toBe('failed')
  })
  it('degrades when only a non-critical suite failed', () => {
    expect(overallVerdict([suite('passed'), suite('failed', false)])).toBe('degraded')
  })
  it('degrades when a suite is degraded', () => {
    expect(overallVerdict([suite('passed'), suite('degraded')])).toBe('degraded')
  })
  it('passes when every suite passed or was skipped', () => {
    expect(overallVerdict([suite('passed'), suite('skipped')])).toBe('passed')
  })
  it('fails an unreachable service even when only non-critical suites ran', () => {
    const refused = (code: 'WSH_ERR_CONNECT' | 'WSH_ERR_HANDSHAKE_TIMEOUT') => ({
      status: 'failed' as const,
      critical: false,
      checks: [
        makeCheck({ status: 'failed', value: null, code }),
        makeCheck({ status: 'skipped', value: null })
      ]
    })
    expect(overallVerdict([refused('WSH_ERR_CONNECT'), refused('WSH_ERR_HANDSHAKE_TIMEOUT')])).toBe(
      'failed'
    )
    expect(overallVerdict([refused('WSH_ERR_CONNECT'), suite('skipped', false)])).toBe('failed')
  })
  it('stays degraded when one non-critical suite connected at least once', () => {
    const refused = {
      status: 'failed' as const,
      critical: false,
      checks: [makeCheck({ status: 'failed', value: null, code: 'WSH_ERR_CONNECT' })]
    }
    const connectedThenFailed = {
      status: 'failed' as const,
      critical: false,
      checks: [
        makeCheck({ status: 'failed', code: 'WSH_ERR_CONNECT' }),
        makeCheck({ status: 'failed', code: 'WSH_ERR_MESSAGE_TIMEOUT' })
      ]
    }
    expect(overallVerdict([refused, connectedThenFailed])).toBe('degraded')
    expect(overallVerdict([refused, { ...suite('passed', false), checks: [makeCheck()] }])).toBe(
      'degraded'
    )
  })
  it('never passes a run that measured nothing', () => {
    expect(overallVerdict([suite('skipped')])).toBe('degraded')
    expect(overallVerdict([])).toBe('degraded')
  })
})

describe('exit decision', () => {
  it.each([
    ['passed', 'failed', 0],
    ['degraded', 'failed', 0],
    ['failed', 'failed', 1],
    ['passed', 'degraded', 0],
    ['degraded', 'degraded', 1],
    ['failed', 'degraded', 1],
    ['failed', 'never', 0]
  ] as const)('%s with fail-on %s -> exit %d', (verdict, failOn, code) => {
    expect(exitCodeFor(verdict, failOn)).toBe(code)
    expect(failsRun(verdict, failOn)).toBe(code === 1)
  })
})
