/**
 * The runner with fake suites and fake connect: order, budgets, deadlines,
 * retries, throwing suites and unavailable suites. Limits are milliseconds.
 */
import { describe, expect, it } from '@jest/globals'
import type { Connect } from '../../src/client/types.js'
import type { ConfigInput } from '../../src/config/schema.js'
import { measure } from '../../src/engine/checks.js'
import type { SuiteId } from '../../src/engine/model.js'
import {
  SCHEDULE_TOLERANCE_MS,
  runSuites,
  shrunkBudgetMs,
  suiteBudgets,
  type RunTiming
} from '../../src/run/runner.js'
import { createManualClock } from '../fixtures/clock.js'
import type { Suite, SuiteContext } from '../../src/engine/suite-types.js'
import { makeCheck, makeConfig } from '../fixtures/builders.js'

const connect: Connect = () => Promise.reject(new Error('fake suites never connect'))
const canCarry = () => true as const
const FAST: Partial<RunTiming> = {
  durationMs: 100,
  suiteGraceMs: 100,
  runSlackMs: 5_000,
  reportReserveMs: 0,
  abortGraceMs: 50
}

function fake(
  id: SuiteId,
  run: (
    ctx: SuiteContext
  ) => Promise<Suite extends { run(c: SuiteContext): infer R } ? Awaited<R> : never>,
  durationWeight = 1
): Suite {
  return { id, title: id, durationWeight, run }
}

const passing = (id: SuiteId, weight = 1) =>
  fake(id, async () => ({ checks: [makeCheck()], metrics: { ran: true } }), weight)

function run(suites: Suite[], config: ConfigInput, timing: Partial<RunTiming> = FAST) {
  return runSuites({
    config: makeConfig(config),
    registry: new Map(suites.map((s) => [s.id, s])),
    target: 'ws://127.0.0.1:1/ws',
    connect,
    canCarry,
    timing
  })
}

const passingSuite = passing('latency-performance')

describe('runSuites', () => {
  it('runs the selected suites in config order and computes the verdict', async () => {
    const seen: string[] = []
    const result = await runSuites({
      config: makeConfig({ suites: ['latency-performance', 'connection-lifecycle'] }),
      registry: new Map(
        [
          passing('connection-lifecycle'),
          passing('latency-performance'),
          passing('message-delivery')
        ].map((s) => [s.id, s])
      ),
      target: 'ws://127.0.0.1:1/ws',
      connect,
      canCarry,
      timing: FAST,
      onSuiteStart: (suite) => seen.push(`start ${suite.id}`),
      onSuiteEnd: (suite) => seen.push(`end ${suite.id}`)
    })
    expect(result.suites.map((s) => s.id)).toEqual(['latency-performance', 'connection-lifecycle'])
    expect(seen).toEqual([
      'start latency-performance',
      'end latency-performance',
      'start connection-lifecycle',
      'end connection-lifecycle'
    ])
    expect(result.status).toBe('passed')
    expect(result.suites[0]).toMatchObject({
      status: 'passed',
      critical: false,
      metrics: { ran: true, attempts: 1 }
    })
    expect(result.suites[1].critical).toBe(true)
  })

  it('splits the duration by durationWeight', () => {
    const registry = new Map(
      [
        passing('heartbeat-monitoring', 1),
        passing('latency-performance', 3),
        passing('connection-lifecycle', 0)
      ].map((s) => [s.id, s])
    )
    const budgets = suiteBudgets(
      ['heartbeat-monitoring', 'latency-performance', 'connection-lifecycle'],
      registry,
      4000
    )
    expect(Object.fromEntries(budgets)).toEqual({
      'heartbeat-monitoring': 1000,
      'latency-performance': 3000,
      'connection-lifecycle': 0
    })
  })

  it('hands each suite its budget and a live signal', async () => {
    let seen: { budgetMs: number; aborted: boolean } | undefined
    const suite = fake('latency-performance', async (ctx) => {
      seen = { budgetMs: ctx.budgetMs, aborted: ctx.signal.aborted }
      return { checks: [makeCheck()], metrics: {} }
    })
    await run([suite], { suites: ['latency-performance'] })
    expect(seen).toEqual({ budgetMs: 100, aborted: false })
  })

  it("grows a suite's limit to the sampling time it declares and tells it the time left", async () => {
    const seen: number[] = []
    // Waits out all but 50 ms of the time it is told it has: cut if the limit did not grow.
    const waiting = (samplingMs?: number): Suite => ({
      ...fake('heartbeat-monitoring', async (ctx) => {
        const leftMs = ctx.timeLeftMs?.() ?? 0
        seen.push(leftMs)
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, leftMs - 50)))
        return { checks: [makeCheck()], metrics: {} }
      }),
      ...(samplingMs === undefined ? {} : { samplingMs: () => samplingMs })
    })
    const grown = await run([waiting(600)], { suites: ['heartbeat-monitoring'] })
    expect(grown.suites[0]?.checks.map((c) => c.id)).toEqual(['sample-check'])
    // Budget 100 ms, declared 600 ms, grace 100 ms: 700 ms, less what the call took.
    expect(seen[0]).toBeGreaterThan(600)
    expect(seen[0]).toBeLessThanOrEqual(700)
    await run([waiting()], { suites: ['heartbeat-monitoring'] })
    expect(seen[1]).toBeLessThanOrEqual(200)
  })

  it('shrinks later budgets only when earlier suites overran their share of the slack', () => {
    // Planned 2000 + 1000 ms of sampling; each suite's fixed work has 5000 ms of slack.
    const planned = [0, 2000, 1000]
    // At suite 1 on schedule: its 3000 ms of sampling (with suite 2's) + 2 x 5000 ms of slack left.
    expect(shrunkBudgetMs(planned, 1, 13_000, 5000)).toBe(2000)
    // Behind by less than the tolerance: timing noise, nothing shrinks.
    expect(shrunkBudgetMs(planned, 1, 13_000 - SCHEDULE_TOLERANCE_MS + 1, 5000)).toBe(2000)
    // Suite 0 overran by 1500 ms: suites 1 and 2 give it back in proportion (1500 of 3000 left).
    expect(shrunkBudgetMs(planned, 1, 11_500, 5000)).toBe(1000)
    // Nothing left: no sampling at all, never a negative budget; fixed-work suites keep 0.
    expect(shrunkBudgetMs(planned, 1, 1_000, 5000)).toBe(0)
    expect(shrunkBudgetMs(planned, 0, 1_000, 5000)).toBe(0)
  })

  it('gives a later suite less sampling time when an earlier one overran, and says so', async () => {
    const clock = createManualClock({ sleeps: 'auto-advance', startMs: 0 })
    const seen: number[] = []
    // Fixed work only, and far more than its 5000 ms share of the slack.
    const slow = fake(
      'connection-lifecycle',
      async () => {
        clock.advance(6_500)
        return { checks: [makeCheck()], metrics: {} }
      },
      0
    )
    const sampler = fake('latency-performance', async (ctx) => {
      seen.push(ctx.budgetMs)
      return { checks: [makeCheck()], metrics: {} }
    })
    const result = await runSuites({
      config: makeConfig({ suites: ['connection-lifecycle', 'latency-performance'] }),
      registry: new Map([slow, sampler].map((s) => [s.id, s])),
      target: 'ws://127.0.0.1:1/ws',
      connect,
      canCarry,
      clock,
      timing: {
        durationMs: 2_000,
        runSlackMs: 10_000,
        reportReserveMs: 0,
        suiteGraceMs: 60_000,
        abortGraceMs: 50
      }
    })
    // 12000 ms in all, 5500 left after the slow suite, 5000 of them kept for the sampler's fixed work.
    expect(seen).toEqual([500])
    expect(result.suites[1]?.metrics.samplingBudgetMs).toEqual({ planned: 2000, used: 500 })
    expect(result.suites[0]?.metrics).not.toHaveProperty('samplingBudgetMs')
  })

  it('cuts a suite that never resolves and reports it failed with WSH_ERR_DEADLINE', async () => {
    const hung = fake('heartbeat-monitoring', () => new Promise(() => undefined))
    const result = await run([hung, passing('latency-performance')], {
      suites: ['heartbeat-monitoring', 'latency-performance']
    })
    const [cut, next] = result.suites
    expect(cut.status).toBe('failed')
    expect(cut.checks).toEqual([
      expect.objectContaining({ id: 'deadline', status: 'failed', code: 'WSH_ERR_DEADLINE' })
    ])
    expect(cut.checks[0].message).toMatch(
      /suite heartbeat-monitoring exceeded its deadline of \d+ ms/
    )
    expect(next.status).toBe('passed')
    expect(result.status).toBe('failed')
  })

  it('keeps the checks a cut suite returns when it honours the abort', async () => {
    const partial = fake(
      'heartbeat-monitoring',
      (ctx) =>
        new Promise((resolve) => {
          ctx.signal.addEventListener('abort', () =>
            resolve({ checks: [makeCheck({ id: 'measured-before-cut' })], metrics: { pings: 3 } })
          )
        })
    )
    const result = await run([partial], { suites: ['heartbeat-monitoring'] })
    expect(result.suites[0].checks.map((c) => c.id)).toEqual(['measured-before-cut', 'deadline'])
    expect(result.suites[0].metrics).toMatchObject({ pings: 3 })
    expect(result.suites[0].status).toBe('failed')
  })

  it('uses test_suites.<id>.timeout (seconds) as the suite deadline', async () => {
    const hung = fake('heartbeat-monitoring', () => new Promise(() => undefined))
    const result = await run(
      [hung],
      {
        suites: ['heartbeat-monitoring'],
        testSuites: { 'heartbeat-monitoring': { timeout: 0.05 } }
      },
      { ...FAST, suiteGraceMs: 60_000 }
    )
    expect(result.suites[0].checks[0].message).toContain('deadline of 50 ms')
  })

  it('bounds the whole run even when suite deadlines are longer', async () => {
    const hung = fake('heartbeat-monitoring', () => new Promise(() => undefined))
    const result = await run(
      [hung, passingSuite],
      { suites: ['heartbeat-monitoring', 'latency-performance'] },
      { durationMs: 50, suiteGraceMs: 60_000, runSlackMs: 50, reportReserveMs: 0, abortGraceMs: 10 }
    )
    expect(result.runDeadlineHit).toBe(true)
    expect(result.suites[1].checks).toEqual([
      expect.objectContaining({
        code: 'WSH_ERR_DEADLINE',
        message: expect.stringMatching(/^not started: the run/)
      })
    ])
    expect(result.suites[0].checks[0]).toMatchObject({
      code: 'WSH_ERR_DEADLINE',
      message: expect.stringContaining('the run')
    })
  })

  it('reports a throwing suite as failed with the reason and carries on', async () => {
    const throwing = fake('message-delivery', async () => {
      throw new TypeError('boom')
    })
    const result = await run([throwing, passing('latency-performance')], {
      suites: ['message-delivery', 'latency-performance']
    })
    expect(result.suites[0]).toMatchObject({ status: 'failed' })
    expect(result.suites[0].checks[0]).toMatchObject({
      id: 'suite-error',
      code: 'WSH_ERR_INTERNAL',
      message: 'suite threw: boom'
    })
    expect(result.suites[1].status).toBe('passed')
  })

  it('retries a failed suite retry_attempts times and keeps the last outcome', async () => {
    let calls = 0
    const flaky = fake('message-delivery', async () => {
      calls++
      const value = calls < 3 ? 0.5 : 1
      return {
        checks: [measure({ id: 'rate', title: 'rate', value, unit: 'ratio', op: '>=', limit: 1 })],
        metrics: {}
      }
    })
    const result = await run([flaky], {
      suites: ['message-delivery'],
      testSuites: { 'message-delivery': { retryAttempts: 2 } }
    })
    expect(calls).toBe(3)
    expect(result.suites[0]).toMatchObject({ status: 'passed', metrics: { attempts: 3 } })
  })

  it('does not retry beyond retry_attempts', async () => {
    let calls = 0
    const failing = fake('message-delivery', async () => {
      calls++
      return { checks: [makeCheck({ status: 'failed' })], metrics: {} }
    })
    const result = await run([failing], {
      suites: ['message-delivery'],
      testSuites: { 'message-delivery': { retryAttempts: 1 } }
    })
    expect(calls).toBe(2)
    expect(result.suites[0]).toMatchObject({ status: 'failed', metrics: { attempts: 2 } })
  })

  it('reports a selected suite missing from the registry as skipped, never passed', async () => {
    const result = await run([], { suites: ['self-healing'] })
    expect(result.suites[0]).toMatchObject({ id: 'self-healing', status: 'skipped' })
    expect(result.suites[0].checks[0].message).toContain('not available')
    expect(result.status).toBe('degraded')
  })

  it('survives observers that throw', async () => {
    const result = await runSuites({
      config: makeConfig({ suites: ['latency-performance'] }),
      registry: new Map([[passingSuite.id, passingSuite]]),
      target: 'ws://127.0.0.1:1/ws',
      connect,
      canCarry,
      timing: FAST,
      onSuiteStart: () => {
        throw new Error('display broke')
      },
      onSuiteEnd: () => {
        throw new Error('display broke')
      }
    })
    expect(result.suites[0].status).toBe('passed')
  })

  it('honours critical from config', async () => {
    const failing = fake('latency-performance', async () => ({
      checks: [makeCheck({ status: 'failed' })],
      metrics: {}
    }))
    const relaxed = await run([failing], { suites: ['latency-performance'] })
    expect(relaxed.status).toBe('degraded')
    const strict = await run([failing], {
      suites: ['latency-performance'],
      testSuites: { 'latency-performance': { critical: true } }
    })
    expect(strict.status).toBe('failed')
  })
})

describe('suites whose code loads on demand (src/suites/registry.ts)', () => {
  const OUTCOME = { checks: [makeCheck()], metrics: {} }

  it("loads a suite's code before its time starts and runs the loaded code", async () => {
    const clock = createManualClock()
    const events: string[] = []
    const code = fake('connection-lifecycle', async () => {
      events.push('loaded code ran')
      return OUTCOME
    })
    const deferred: Suite = {
      ...code,
      run: async () => {
        events.push('stand-in ran')
        return OUTCOME
      },
      load: async () => {
        events.push('load')
        // Loading takes 5 s of the clock: none of it may be charged to the suite.
        clock.setMs(clock.nowMs() + 5_000)
        return code
      }
    }
    const result = await runSuites({
      config: makeConfig({ suites: ['connection-lifecycle'] }),
      registry: new Map([[deferred.id, deferred]]),
      target: 'ws://127.0.0.1:1/ws',
      connect,
      canCarry,
      clock,
      timing: { ...FAST, runSlackMs: 60_000 }
    })
    expect(events).toEqual(['load', 'loaded code ran'])
    expect(result.suites[0]).toMatchObject({ status: 'passed', durationMs: 0 })
  })

  it('leaves a suite whose code fails to load to report that failure itself', async () => {
    const deferred: Suite = {
      ...fake('connection-lifecycle', async () => {
        throw new Error('chunk 123 is missing')
      }),
      load: async () => {
        throw new Error('chunk 123 is missing')
      }
    }
    const result = await run([deferred], { suites: ['connection-lifecycle'] })
    expect(result.suites[0]?.status).toBe('failed')
    expect(JSON.stringify(result.suites[0]?.checks)).toContain('chunk 123 is missing')
  })
})
