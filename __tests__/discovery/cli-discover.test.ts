/**
 * Issue 9 through the CLI (in-process main): `ws-health discover [DIR]`
 * against fixture repositories with real servers, and `ws-health run`
 * without --url discovering, validating, or failing with what was tried.
 */
import { afterEach, describe, expect, it } from '@jest/globals'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { EXIT, main } from '../../src/cli.js'
import { ConfigSchema } from '../../src/config/schema.js'
import { resolveTarget } from '../../src/discovery/resolve-target.js'
import { startReferenceServer, type ReferenceServer } from '../../src/server/reference-server.js'
import { captureIo } from '../e2e/cli-io.js'
import {
  closedPort,
  copyFixture,
  removeDir,
  startHttpServer,
  startWsServer,
  type TestServer
} from './fixture-repos.js'

const QUICK = ['--duration', '1', '--suites', 'connection-lifecycle,message-delivery']

const servers: Array<TestServer | ReferenceServer> = []
const dirs: string[] = []

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()))
  await Promise.all(dirs.splice(0).map(removeDir))
})

/** The `live` fixture (compose ws-router + frontend, .env BACKEND_PORT) with real ports. */
async function liveRepo(ports: { ws: number; http: number; closed: number }): Promise<string> {
  const dir = await copyFixture('live', {
    __WS_PORT__: ports.ws,
    __HTTP_PORT__: ports.http,
    __CLOSED_PORT__: ports.closed
  })
  dirs.push(dir)
  return dir
}

describe('ws-health discover [DIR]', () => {
  it('prints the candidates, the attempts and the chosen URL (exit 0)', async () => {
    const ws = await startWsServer({ paths: ['/ws/unified'] })
    const http = await startHttpServer(200)
    servers.push(ws, http)
    const closed = await closedPort()
    const dir = await liveRepo({ ws: ws.port, http: http.port, closed })
    const io = captureIo()
    expect(await main(['discover', dir], io)).toBe(EXIT.healthy)
    const out = io.out()
    expect(out).toContain(`Discovery in ${dir}`)
    expect(out).toContain(`port ${closed} from .env:1`)
    expect(out).toContain(`port ${ws.port} from docker-compose.yml services.ws-router.ports[0]`)
    expect(out).toContain(`ws://127.0.0.1:${closed} - connection refused (no path tried)`)
    expect(out).toContain(`Chosen: ws://127.0.0.1:${ws.port}/ws/unified`)
  })

  it('rejects a port that answers HTTP but not WebSocket, with the reason, and exits 1', async () => {
    const http = await startHttpServer(200)
    servers.push(http)
    const closed = await closedPort()
    const dir = await liveRepo({ ws: closed, http: http.port, closed })
    const io = captureIo({})
    expect(await main(['discover', dir], io)).toBe(EXIT.failed)
    expect(io.out()).toMatch(new RegExp(`ws://127\\.0\\.0\\.1:${http.port}/ws - HTTP 200`))
    expect(io.out()).toContain('No WebSocket endpoint found.')
  })

  it('uses the working directory without DIR and exits 2 for a DIR that does not exist', async () => {
    const ws = await startWsServer()
    servers.push(ws)
    const dir = await copyFixture('nothing')
    dirs.push(dir)
    const io = { ...captureIo({ WS_PORT: String(ws.port) }), cwd: dir }
    expect(await main(['discover'], io)).toBe(EXIT.healthy)
    expect(io.out()).toContain(`Chosen: ws://127.0.0.1:${ws.port}/`)
    const bad = captureIo()
    expect(await main(['discover', join(dir, 'missing')], bad)).toBe(EXIT.usage)
    expect(bad.err()).toContain('missing')
  })
})

describe('ws-health run without --url', () => {
  it('discovers the service in the project and validates it (exit 0)', async () => {
    const service = await startReferenceServer()
    servers.push(service)
    const closed = await closedPort()
    const port = Number(new URL(service.url).port)
    const dir = await liveRepo({ ws: port, http: closed, closed })
    const io = { ...captureIo(), cwd: dir }
    const reportPath = join(dir, 'report.json')
    const code = await main(['run', ...QUICK, '--report', reportPath], io)
    expect(io.err()).toContain(
      `ws-health: no --url given; discovered ws://127.0.0.1:${port}/ws/unified`
    )
    expect(code).toBe(EXIT.healthy)
    expect(io.out()).toContain('🔎 Endpoint discovery:')
    expect(io.out()).toContain('✅ Connection Lifecycle: PASSED')
    const report = JSON.parse(await readFile(reportPath, 'utf8')) as {
      target: string
      discovery: { chosen: string; attempts: { outcome: string }[]; candidates: unknown[] }
    }
    expect(report.target).toBe(`ws://127.0.0.1:${port}/ws/unified`)
    expect(report.discovery.chosen).toBe(report.target)
    expect(report.discovery.attempts.map((attempt) => attempt.outcome)).toContain('refused')
    expect(report.discovery.candidates.length).toBeGreaterThanOrEqual(2)
  })

  it('warns with file:line about malformed project files and goes on', async () => {
    const service = await startReferenceServer()
    servers.push(service)
    const dir = await copyFixture('malformed')
    dirs.push(dir)
    const io = { ...captureIo({ WS_PORT: new URL(service.url).port }), cwd: dir }
    const code = await main(['run', ...QUICK, '--discovery-timeout', '500'], io)
    expect(code).toBe(EXIT.healthy)
    expect(io.err()).toMatch(/^ws-health: warning: compose\.yaml:\d+: /m)
  })

  it('with nothing listening exits 1 listing every attempt, in bounded time', async () => {
    const [a, b, c] = [await closedPort(), await closedPort(), await closedPort()]
    const dir = await liveRepo({ ws: a, http: b, closed: c })
    const io = { ...captureIo({ WS_PORT: String(a) }), cwd: dir }
    const code = await main(['run', ...QUICK, '--discovery-timeout', '300'], io)
    expect(code).toBe(EXIT.failed)
    const err = io.err()
    expect(err).toContain('ws-health: no WebSocket endpoint discovered')
    expect(err).toContain(`ws://127.0.0.1:${b} - connection refused`)
    expect(err).toContain(`ws://127.0.0.1:${c} - connection refused`)
    expect(err).toContain('Start the service before the check')
    // Never a mock pass: no report was printed.
    expect(io.out()).toBe('')
  })
})

describe('resolveTarget', () => {
  it('keeps a given url without probing anything', async () => {
    const config = ConfigSchema.parse({ url: 'ws://127.0.0.1:1/ws' })
    await expect(resolveTarget(config, { dir: '/nonexistent', env: {} })).resolves.toEqual({
      url: 'ws://127.0.0.1:1/ws'
    })
  })

  it('asks for url with server_command, since discovery only finds running services', async () => {
    const config = ConfigSchema.parse({ serverCommand: 'node server.js' })
    await expect(resolveTarget(config, { dir: '.', env: {} })).rejects.toMatchObject({
      code: 'WSH_ERR_CONFIG',
      message: expect.stringContaining('url is required with server_command')
    })
  })
})
