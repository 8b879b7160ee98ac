/**
 * Annotations for missed checks: one per failed (error) or degraded
 * (warning) check, titled <suite> / <check>, one shared annotation for
 * unmeasured checks that missed for one cause, escaped as the runner reads it.
 */
import { describe, expect, it } from '@jest/globals'
import { annotationCommand, checkAnnotations } from '../../src/report/annotations.js'
import { makeCheck } from '../fixtures/builders.js'
import { makeReport, makeSuiteResult } from '../fixtures/reports.js'

describe('check annotations', () => {
  it('an error per failed check, a warning per degraded one, none for the rest', () => {
    const report = makeReport({
      suites: [
        makeSuiteResult({
          id: 'latency-performance',
          checks: [
            makeCheck({ id: 'latency-p50', status: 'degraded', value: 120, message: 'p50 120 ms' }),
            makeCheck({ id: 'latency-p95', status: 'failed', value: 900, message: 'p95 900 ms' }),
            makeCheck({ id: 'latency-p99', status: 'passed', value: 10 }),
            makeCheck({ id: 'no-degradation', status: 'skipped', value: null })
          ]
        })
      ]
    })
    expect(checkAnnotations(report)).toEqual([
      { level: 'warning', title: 'latency-performance / latency-p50', message: 'p50 120 ms' },
      { level: 'error', title: 'latency-performance / latency-p95', message: 'p95 900 ms' }
    ])
  })

  it('shares one annotation among unmeasured checks with one cause, keeping its code', () => {
    const refused = {
      status: 'failed' as const,
      value: null,
      message: 'connect ECONNREFUSED',
      code: 'WSH_ERR_CONNECT' as const
    }
    const report = makeReport({
      suites: [
        makeSuiteResult({
          id: 'connection-lifecycle',
          checks: [
            makeCheck({ id: 'handshake', ...refused }),
            makeCheck({ id: 'connect-time', ...refused }),
            makeCheck({ id: 'graceful-close', ...refused, message: 'other' })
          ]
        })
      ]
    })
    expect(checkAnnotations(report)).toEqual([
      {
        level: 'error',
        title: 'connection-lifecycle / handshake, connect-time',
        message: 'connect ECONNREFUSED [WSH_ERR_CONNECT]'
      },
      {
        level: 'error',
        title: 'connection-lifecycle / graceful-close',
        message: 'other [WSH_ERR_CONNECT]'
      }
    ])
  })

  it('writes the workflow command with properties and data escaped', () => {
    expect(
      annotationCommand({ level: 'error', title: 'a / b, c: d', message: '100% lost\nnext' })
    ).toBe('::error title=a / b%2C c%3A d::100%25 lost%0Anext')
    expect(annotationCommand({ level: 'warning', title: 's / c', message: 'slow' })).toBe(
      '::warning title=s / c::slow'
    )
  })
})
