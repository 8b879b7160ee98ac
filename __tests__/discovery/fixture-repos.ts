/**
 * Fixture repositories and real servers for discovery tests. Fixture files
 * hold fixed text, so live tests copy a fixture to a temp dir and replace
 * placeholders (__WS_PORT__, ...) with the ephemeral ports of real servers.
 */
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  NO_REPLY,
  serveOn,
  startSilentServer as startSilentTcpServer,
  startWsServer as startSharedWsServer
} from '../fixtures/ws-server.js'

export const FIXTURES = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../fixtures/discovery'
)

export function fixture(name: string): string {
  return path.join(FIXTURES, name)
}

/** Copies fixture `name` to a fresh temp dir and replaces each placeholder in every file. */
export async function copyFixture(
  name: string,
  replacements: Record<string, string | number> = {}
): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'wsh-discovery-'))
  await cp(fixture(name), dir, { recursive: true })
  const entries = await readdir(dir, { recursive: true, withFileTypes: true })
  for (const entry of entries) {
    if (!entry.isFile()) continue
    const file = path.join(entry.parentPath, entry.name)
    let text = await readFile(file, 'utf8')
    for (const [placeholder, value] of Object.entries(replacements)) {
      text = text.split(placeholder).join(String(value))
    }
    await writeFile(file, text)
  }
  return dir
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true })
}

/** A discovery test's server: its port and what reached it. */
export interface TestServer {
  port: number
  /** Upgrade requests (WebSocket servers) or requests (HTTP servers) seen, by path. */
  seen: string[]
  /** Close codes received from clients (WebSocket servers only). */
  closeCodes: number[]
  /** Resolves with the first close code a client sends (WebSocket servers only). */
  firstClose?: Promise<number>
  close(): Promise<void>
}

/**
 * A real WebSocket server on 127.0.0.1 (the shared starter) that upgrades only
 * `paths` (404 for other paths). `delayMs` holds each upgrade back, to make it finish last.
 */
export async function startWsServer(
  options: { paths?: string[]; delayMs?: number } = {}
): Promise<TestServer> {
  const seen: string[] = []
  const closeCodes: number[] = []
  const timers = new Set<NodeJS.Timeout>()
  let onFirstClose: (code: number) => void = () => undefined
  const firstClose = new Promise<number>((resolve) => (onFirstClose = resolve))
  const server = await startSharedWsServer(
    () => NO_REPLY,
    {},
    {
      onSocket: (socket) =>
        socket.on('close', (code) => {
          closeCodes.push(code)
          onFirstClose(code)
        }),
      gate(request, socket, accept) {
        // http drops its own socket listeners on upgrade; a client reset must not crash the test.
        socket.on('error', () => undefined)
        const route = request.url ?? '/'
        seen.push(route)
        if (options.paths !== undefined && !options.paths.includes(route)) {
          socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n')
          return
        }
        if (options.delayMs === undefined) return accept()
        const timer = setTimeout(() => {
          timers.delete(timer)
          if (!socket.destroyed) accept()
        }, options.delayMs)
        timers.add(timer)
      }
    }
  )
  return {
    port: server.port,
    seen,
    closeCodes,
    firstClose,
    close: async () => {
      for (const timer of timers) clearTimeout(timer)
      await server.close()
    }
  }
}

/** A plain HTTP server that answers every request (upgrades included) with `status`. */
export async function startHttpServer(status: number): Promise<TestServer> {
  const seen: string[] = []
  const server = await serveOn(
    createServer((request, response) => {
      seen.push(request.url ?? '/')
      response.writeHead(status, { 'content-type': 'text/plain' }).end('not a websocket')
    })
  )
  return { port: server.port, seen, closeCodes: [], close: server.close }
}

/** A TCP server that accepts connections and never answers (a hung service). */
export async function startSilentServer(): Promise<TestServer> {
  const server = await startSilentTcpServer()
  return { port: server.port, seen: [], closeCodes: [], close: server.close }
}

export { closedPort } from '../fixtures/ws-server.js'
