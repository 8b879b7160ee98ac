import { afterEach, describe, expect, it } from '@jest/globals'
import {
  describeDiscovery,
  discoverEndpoint,
  requireDiscoveredUrl,
  type DiscoveryResult
} from '../../src/discovery/index.js'
import { isHealthError } from '../../src/errors.js'
import {
  closedPort,
  copyFixture,
  fixture,
  removeDir,
  startHttpServer,
  startWsServer,
  type TestServer
} from './fixture-repos.js'
import { makeConfig } from '../fixtures/builders.js'

/** A default config's discovery settings (discovery has no defaults of its own). */
const DEFAULTS = makeConfig()
const PROBE = { paths: DEFAULTS.discoveryPaths, timeoutMs: DEFAULTS.discoveryTimeoutMs }

function failure(result: DiscoveryResult): { code: string; message: string } {
  try {
    requireDiscoveredUrl(result)
  } catch (error) {
    if (isHealthError(error)) return { code: error.code, message: error.message }
    throw error
  }
  throw new Error('requireDiscoveredUrl returned a URL')
}

describe('discoverEndpoint', () => {
  const servers: TestServer[] = []
  const dirs: string[] = []
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()))
    await Promise.all(dirs.splice(0).map(removeDir))
  })

  it('finds the live WebSocket router of a fixture repository on its discovered path', async () => {
    const ws = await startWsServer({ paths: ['/ws/unified'] })
    const http = await startHttpServer(200)
    servers.push(ws, http)
    const closed = await closedPort()
    const dir = await copyFixture('live', {
      __WS_PORT__: ws.port,
      __HTTP_PORT__: http.port,
      __CLOSED_PORT__: closed
    })
    dirs.push(dir)
    const result = await discoverEndpoint({
      ...PROBE,
      dir,
      env: { BACKEND_PORT: String(closed) },
      hosts: ['127.0.0.1'],
      timeoutMs: 1000
    })
    expect(result.url).toBe(`ws://127.0.0.1:${ws.port}/ws/unified`)
    expect(requireDiscoveredUrl(result)).toBe(result.url)
    // Seed env var first (refused), then compose's ws-router service, upgraded on the path from src/socket.js.
    expect(result.candidates.map((candidate) => candidate.source)).toEqual([
      'env BACKEND_PORT',
      'docker-compose.yml services.ws-router.ports[0]',
      'docker-compose.yml services.frontend.ports[0]'
    ])
    expect(result.candidates[0].sources).toEqual(['env BACKEND_PORT', '.env:1'])
    expect(result.paths.slice(0, 2)).toEqual(['/ws/unified', '/ws'])
    expect(result.attempts.slice(0, 2).map((attempt) => [attempt.port, attempt.outcome])).toEqual([
      [closed, 'refused'],
      [ws.port, 'upgraded']
    ])
    expect(ws.seen[0]).toBe('/ws/unified')
    const text = describeDiscovery(result).join('\n')
    expect(text).toContain(`Chosen: ws://127.0.0.1:${ws.port}/ws/unified`)
    expect(text).toContain(`ws://127.0.0.1:${closed} - connection refused (no path tried)`)
  })

  it('tries the default paths first when project paths are turned off', async () => {
    const ws = await startWsServer()
    servers.push(ws)
    const closed = await closedPort()
    const dir = await copyFixture('live', {
      __WS_PORT__: ws.port,
      __HTTP_PORT__: closed,
      __CLOSED_PORT__: closed
    })
    dirs.push(dir)
    const result = await discoverEndpoint({
      ...PROBE,
      dir,
      env: {},
      hosts: ['127.0.0.1'],
      projectPaths: false,
      concurrency: 1
    })
    expect(result.url).toBe(`ws://127.0.0.1:${ws.port}/ws`)
    expect(result.paths).toEqual(['/ws', '/websocket', '/ws/unified', '/socket', '/api/ws', '/'])
  })

  it('uses the url in the seed config file', async () => {
    const ws = await startWsServer({ paths: ['/realtime/ws'] })
    servers.push(ws)
    const dir = await copyFixture('seed-config', { __WS_PORT__: ws.port })
    dirs.push(dir)
    const result = await discoverEndpoint({ ...PROBE, dir, env: {}, hosts: ['127.0.0.1'] })
    expect(result.url).toBe(`ws://127.0.0.1:${ws.port}/realtime/ws`)
    expect(result.candidates[0].source).toBe('.github/websocket-test-config.json url')
  })

  it('rejects an HTTP-only service and explains why in the WSH_ERR_DISCOVERY error', async () => {
    const http = await startHttpServer(200)
    servers.push(http)
    const dir = await copyFixture('http-only', { __HTTP_PORT__: http.port })
    dirs.push(dir)
    const result = await discoverEndpoint({
      ...PROBE,
      dir,
      env: {},
      hosts: ['127.0.0.1'],
      timeoutMs: 1000
    })
    expect(result.url).toBeNull()
    expect(result.attempts.length).toBeGreaterThan(0)
    expect(result.attempts.every((attempt) => attempt.outcome === 'rejected')).toBe(true)
    const error = failure(result)
    expect(error.code).toBe('WSH_ERR_DISCOVERY')
    expect(error.message).toContain(`port ${http.port} from .env:2`)
    expect(error.message).toContain(
      `ws://127.0.0.1:${http.port}/ws - HTTP 200: not a WebSocket endpoint`
    )
    expect(error.message).toContain('set `url` / --url to skip discovery')
  })

  it('gives the clear error when nothing is listening, in bounded time', async () => {
    const closed = await closedPort()
    const dir = await copyFixture('http-only', { __HTTP_PORT__: closed })
    dirs.push(dir)
    const result = await discoverEndpoint({ ...PROBE, dir, env: {}, timeoutMs: 300 })
    expect(result.url).toBeNull()
    const error = failure(result)
    expect(error.code).toBe('WSH_ERR_DISCOVERY')
    expect(error.message).toContain('none of 1 candidate port(s) accepted a WebSocket upgrade')
    expect(error.message).toContain(`ws://127.0.0.1:${closed} - connection refused (no path tried)`)
  })

  it('says where it looked when a project names no port at all', async () => {
    const result = await discoverEndpoint({ ...PROBE, dir: fixture('nothing'), env: {} })
    expect(result).toMatchObject({ url: null, candidates: [], attempts: [], warnings: [] })
    expect(failure(result).message).toMatch(
      /no candidate ports found \(looked at WS_ROUTER_PORT, WS_PORT, BACKEND_PORT, PORT, FRONTEND_PORT, \.env files/
    )
  })

  it('keeps warnings for malformed files in the result and the error', async () => {
    const closed = await closedPort()
    const dir = await copyFixture('malformed')
    dirs.push(dir)
    // Only the environment's (closed) port is probed: the fixture's fixed ports are never dialled.
    const result = await discoverEndpoint({
      ...PROBE,
      dir,
      env: { WS_PORT: String(closed) },
      hosts: ['127.0.0.1'],
      maxCandidates: 1,
      timeoutMs: 300
    })
    expect(result.candidates[0].source).toBe('env WS_PORT')
    expect(result.attempts[0]).toMatchObject({ port: closed, outcome: 'refused' })
    // Non-empty first: an every()/loop over nothing would pass vacuously.
    expect(result.attempts.slice(1).length).toBeGreaterThan(0)
    expect(result.attempts.slice(1).every((attempt) => attempt.outcome === 'skipped')).toBe(true)
    expect(result.warnings.map((warning) => `${warning.file}:${warning.line}`)).toContain('.env:2')
    const message = failure(result).message
    expect(message).toContain('.env:2: expected KEY=VALUE, got "this line is not an assignment"')
    expect(message).toContain('compose.yaml:5: services.api.ports[1]: no value for ${MISSING_PORT}')
  })
})
