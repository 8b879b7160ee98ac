import { afterEach, describe, expect, it } from '@jest/globals'
import { probeCandidates, type Candidate } from '../../src/discovery/index.js'
import {
  closedPort,
  startHttpServer,
  startSilentServer,
  startWsServer,
  type TestServer
} from './fixture-repos.js'
import { makeConfig } from '../fixtures/builders.js'

function candidate(port: number, priority = 10, extra: Partial<Candidate> = {}): Candidate {
  const source = extra.source ?? `test ${port}`
  return { port, source, sources: [source], priority, ...extra }
}

/** A default config's discovery settings (the probe has no defaults of its own). */
const DEFAULTS = makeConfig()
const PROBE = { paths: DEFAULTS.discoveryPaths, timeoutMs: DEFAULTS.discoveryTimeoutMs }
const LOOPBACK = { ...PROBE, hosts: ['127.0.0.1'], timeoutMs: 2000 }

describe('probeCandidates', () => {
  const servers: TestServer[] = []
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()))
  })

  it('chooses the first path that upgrades and records why the earlier ones did not', async () => {
    const server = await startWsServer({ paths: ['/ws/unified'] })
    servers.push(server)
    const result = await probeCandidates([candidate(server.port)], { ...LOOPBACK, concurrency: 1 })
    expect(result.chosen).toBe(`ws://127.0.0.1:${server.port}/ws/unified`)
    expect(
      result.attempts.map((attempt) => [attempt.path, attempt.outcome, attempt.reason])
    ).toEqual([
      ['/ws', 'rejected', 'HTTP 404 from upgrade'],
      ['/websocket', 'rejected', 'HTTP 404 from upgrade'],
      ['/ws/unified', 'upgraded', 'HTTP 101: WebSocket upgrade accepted']
    ])
    expect(result.attempts[0]).toMatchObject({ status: 404, source: `test ${server.port}` })
    // Nothing after the winner was tried with one attempt in flight.
    expect(server.seen).toEqual(['/ws', '/websocket', '/ws/unified'])
    // The successful probe closed normally with 1000.
    await expect(server.firstClose).resolves.toBe(1000)
  })

  it('rejects a port that answers HTTP but not WebSocket, with the reason', async () => {
    const server = await startHttpServer(200)
    servers.push(server)
    const result = await probeCandidates([candidate(server.port)], LOOPBACK)
    expect(result.chosen).toBeNull()
    expect(result.attempts).toHaveLength(6)
    for (const attempt of result.attempts) {
      expect(attempt).toMatchObject({
        outcome: 'rejected',
        status: 200,
        reason: 'HTTP 200: not a WebSocket endpoint'
      })
    }
    expect([...server.seen].sort()).toEqual([
      '/',
      '/api/ws',
      '/socket',
      '/websocket',
      '/ws',
      '/ws/unified'
    ])
  })

  it('records a refused port once, without trying its paths', async () => {
    const port = await closedPort()
    const result = await probeCandidates([candidate(port)], LOOPBACK)
    expect(result).toEqual({
      chosen: null,
      attempts: [
        {
          url: `ws://127.0.0.1:${port}`,
          host: '127.0.0.1',
          port,
          source: `test ${port}`,
          outcome: 'refused',
          reason: 'connection refused',
          durationMs: expect.any(Number)
        }
      ]
    })
  })

  it('gives up on a service that accepts TCP but never answers, in bounded time', async () => {
    const server = await startSilentServer()
    servers.push(server)
    const result = await probeCandidates([candidate(server.port)], {
      hosts: ['127.0.0.1'],
      paths: ['/ws'],
      timeoutMs: 150
    })
    expect(result.chosen).toBeNull()
    expect(result.attempts).toEqual([
      expect.objectContaining({
        path: '/ws',
        outcome: 'timeout',
        reason: 'timed out after 150 ms (no upgrade response)'
      })
    ])
  })

  it('stops at totalTimeoutMs and records the running attempt as cancelled', async () => {
    const server = await startSilentServer()
    servers.push(server)
    const result = await probeCandidates([candidate(server.port)], {
      hosts: ['127.0.0.1'],
      paths: ['/ws'],
      timeoutMs: 10_000,
      totalTimeoutMs: 100
    })
    expect(result.chosen).toBeNull()
    expect(result.attempts).toEqual([
      expect.objectContaining({
        path: '/ws',
        outcome: 'cancelled',
        reason: 'stopped: discovery time limit of 100 ms reached (totalTimeoutMs)'
      })
    ])
  })

  it('picks by documented order, not by which attempt finishes first', async () => {
    // The better candidate answers late; the worse one answers at once.
    const slow = await startWsServer({ paths: ['/ws'], delayMs: 150 })
    const fast = await startWsServer({ paths: ['/ws'] })
    servers.push(slow, fast)
    const result = await probeCandidates([candidate(slow.port, 10), candidate(fast.port, 20)], {
      ...PROBE,
      hosts: ['127.0.0.1'],
      paths: ['/ws'],
      concurrency: 4
    })
    expect(result.chosen).toBe(`ws://127.0.0.1:${slow.port}/ws`)
    // Both were tried in parallel: the later candidate was reached while the first was pending.
    expect(fast.seen).toEqual(['/ws'])
    expect(result.attempts[0]).toMatchObject({ port: slow.port, outcome: 'upgraded' })
  })

  it('tries the candidate path first, then the path list, and resolves localhost to loopback only', async () => {
    const server = await startWsServer()
    servers.push(server)
    const result = await probeCandidates(
      [candidate(server.port, 10, { host: 'localhost', path: '/realtime' })],
      { ...PROBE, concurrency: 1 }
    )
    expect(result.chosen).toBe(`ws://127.0.0.1:${server.port}/realtime`)
    expect(server.seen[0]).toBe('/realtime')
    for (const attempt of result.attempts) expect(['127.0.0.1', '::1']).toContain(attempt.host)
  })

  it('never probes a non-loopback host', async () => {
    await expect(
      probeCandidates([candidate(80)], { ...PROBE, hosts: ['example.com'] })
    ).rejects.toThrow(/hosts: got "example.com"; discovery only probes loopback hosts/)
    const result = await probeCandidates([candidate(8001, 10, { host: '192.0.2.10' })], LOOPBACK)
    expect(result).toEqual({
      chosen: null,
      attempts: [
        expect.objectContaining({
          host: '192.0.2.10',
          outcome: 'skipped',
          reason: 'not probed: discovery only probes loopback hosts (127.0.0.1, ::1, localhost)'
        })
      ]
    })
  })

  it('rejects bad options with a RangeError naming the option', async () => {
    await expect(probeCandidates([], { ...PROBE, concurrency: 0 })).rejects.toThrow(
      /^concurrency: got 0/
    )
    await expect(probeCandidates([], { ...PROBE, timeoutMs: 1.5 })).rejects.toThrow(
      /^timeoutMs: got 1.5/
    )
    await expect(probeCandidates([], { ...PROBE, paths: ['ws'] })).rejects.toThrow(
      /^paths: got "ws"/
    )
  })

  it('records candidates beyond maxCandidates as skipped and stops on an aborted signal', async () => {
    const port = await closedPort()
    // The second candidate is never contacted: it is past the cap.
    const capped = await probeCandidates(
      [candidate(port, 10), candidate(port, 20, { source: 'capped' })],
      {
        ...LOOPBACK,
        maxCandidates: 1
      }
    )
    expect(capped.attempts.map((attempt) => attempt.outcome)).toEqual(['refused', 'skipped'])
    expect(capped.attempts[1].reason).toBe(
      'not probed: more than 1 candidates (raise maxCandidates)'
    )

    const server = await startWsServer()
    servers.push(server)
    const aborted = await probeCandidates([candidate(server.port)], {
      ...LOOPBACK,
      signal: AbortSignal.abort()
    })
    expect(aborted.chosen).toBeNull()
    expect(server.seen).toEqual([])
  })
})
