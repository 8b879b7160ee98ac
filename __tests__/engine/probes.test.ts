/**
 * runProbes on the hot path: one abort listener per call whatever the
 * concurrency, no timer of its own per probe, samples in Float64Arrays, and
 * probes in flight at an abort are reported as abandoned, not lost.
 */
import { describe, expect, it } from '@jest/globals'
import type { Connection, RoundTrip } from '../../src/client/types.js'
import { HealthError } from '../../src/errors.js'
import { MAX_PROBE_RECONNECTS, runProbes } from '../../src/engine/probes.js'
import { systemClock } from '../../src/metrics/clock.js'

/** A Connection whose probe() is `probe`; everything else is inert. */
function fakeConnection(probe: () => Promise<RoundTrip>): Connection {
  return {
    label: 'fake',
    readyState: 'OPEN',
    probe
  } as unknown as Connection
}

/** An AbortSignal that counts its 'abort' listeners. */
function countingSignal(): {
  signal: AbortSignal
  controller: AbortController
  adds: () => number
} {
  const controller = new AbortController()
  let adds = 0
  const original = controller.signal.addEventListener.bind(controller.signal)
  controller.signal.addEventListener = ((...args: Parameters<typeof original>) => {
    if (args[0] === 'abort') adds++
    original(...args)
  }) as typeof original
  return { signal: controller.signal, controller, adds: () => adds }
}

describe('runProbes', () => {
  it('adds one abort listener per call at concurrency 20 and records into Float64Arrays', async () => {
    let id = 0
    const connection = fakeConnection(() =>
      Promise.resolve({ id: id++, rttMs: 1.5, intact: true, bytes: 10, matchedById: true })
    )
    const { signal, adds } = countingSignal()
    const result = await runProbes(connection, {
      count: 100,
      concurrency: 20,
      timeoutMs: 1_000,
      signal,
      clock: systemClock
    })
    expect(adds()).toBe(1)
    expect(result).toMatchObject({ sent: 100, replies: 100, intact: 100, bytes: 1_000 })
    expect(result.rttsMs).toBeInstanceOf(Float64Array)
    expect(result.rttsMs.length).toBe(100)
    expect(result.atMs.length).toBe(100)
    expect(signal.aborted).toBe(false)
  })

  it('reports probes in flight at an abort as abandoned, not as timeouts', async () => {
    const connection = fakeConnection(() => new Promise<RoundTrip>(() => undefined))
    const { signal, controller } = countingSignal()
    const running = runProbes(connection, {
      count: 5,
      concurrency: 5,
      timeoutMs: 10,
      signal,
      clock: systemClock
    })
    setTimeout(() => controller.abort(new Error('cut')), 50)
    const result = await running
    expect(result).toMatchObject({
      sent: 5,
      replies: 0,
      timeouts: 0,
      abandoned: 5,
      aborted: true
    })
  })

  it('counts FIFO-matched replies', async () => {
    const connection = fakeConnection(() =>
      Promise.resolve({ id: 0, rttMs: 1, intact: true, bytes: 1, matchedById: false })
    )
    const result = await runProbes(connection, {
      count: 3,
      timeoutMs: 100,
      signal: new AbortController().signal,
      clock: systemClock
    })
    expect(result.fifoReplies).toBe(3)
  })

  it('with reconnect, reopens a dropped connection and resends the probe lost with it', async () => {
    /** A connection that drops (CLOSED, probe rejected as lost) on its `dropAt`-th probe. */
    const dropping = (dropAt: number): Connection => {
      let probes = 0
      const connection = {
        label: 'dropping',
        readyState: 'OPEN',
        probe: () => {
          probes++
          if (probes === dropAt) {
            connection.readyState = 'CLOSED'
            return Promise.reject(new HealthError('WSH_ERR_CONNECTION_LOST', 'dropped'))
          }
          return Promise.resolve({
            id: probes,
            rttMs: 1,
            intact: true,
            bytes: 1,
            matchedById: true
          })
        }
      }
      return connection as unknown as Connection
    }
    let opened = 0
    const result = await runProbes(dropping(3), {
      count: 10,
      timeoutMs: 1_000,
      signal: new AbortController().signal,
      clock: systemClock,
      reconnect: () => Promise.resolve(dropping(++opened < 2 ? 4 : 0))
    })
    expect(result).toMatchObject({ sent: 10, replies: 10, failures: 0, reconnects: 2, resent: 2 })
  })

  it('without reconnect, a drop ends the run and the lost probe counts as a failure', async () => {
    let probes = 0
    const connection = {
      label: 'dropping',
      readyState: 'OPEN',
      probe: () => {
        probes++
        connection.readyState = 'CLOSED'
        return Promise.reject(new HealthError('WSH_ERR_CONNECTION_LOST', `dropped ${probes}`))
      }
    }
    const result = await runProbes(connection as unknown as Connection, {
      count: 10,
      timeoutMs: 1_000,
      signal: new AbortController().signal,
      clock: systemClock
    })
    expect(result).toMatchObject({ sent: 1, failures: 1, reconnects: 0, resent: 0 })
  })

  it('stops reopening when reconnect fails, keeping its error', async () => {
    const closed = { label: 'closed', readyState: 'CLOSED' } as unknown as Connection
    const refused = new HealthError('WSH_ERR_CONNECT', 'refused')
    const result = await runProbes(closed, {
      count: 5,
      timeoutMs: 1_000,
      signal: new AbortController().signal,
      clock: systemClock,
      reconnect: () => Promise.reject(refused)
    })
    expect(result).toMatchObject({ sent: 0, reconnects: 0, firstError: refused })
    expect(MAX_PROBE_RECONNECTS).toBeGreaterThan(0)
  })
})
