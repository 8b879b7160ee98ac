/**
 * Fixture repositories and real servers for discovery tests. Fixture files
 * hold fixed text, so live tests copy a fixture to a temp dir and replace
 * placeholders (__WS_PORT__, ...) with the ephemeral ports of real servers.
 */
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import http from 'node:http'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { WebSocketServer } from 'ws'

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

function listening(server: net.Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port))
  })
}

function closeServer(server: net.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()))
}

/**
 * A real WebSocket server on 127.0.0.1 that upgrades only `paths` (404 for
 * other paths). `delayMs` holds each upgrade back, to make it finish last.
 */
export async function startWsServer(
  options: { paths?: string[]; delayMs?: number } = {}
): Promise<TestServer> {
  const seen: string[] = []
  const closeCodes: number[] = []
  const timers = new Set<NodeJS.Timeout>()
  const server = http.createServer((_request, response) => {
    response.writeHead(426).end()
  })
  const wss = new WebSocketServer({ noServer: true })
  let onFirstClose: (code: number) => void = () => undefined
  const firstClose = new Promise<number>((resolve) => (onFirstClose = resolve))
  wss.on('connection', (socket) =>
    socket.on('close', (code) => {
      closeCodes.push(code)
      onFirstClose(code)
    })
  )
  server.on('upgrade', (request, socket, head) => {
    // http drops its own socket listeners on upgrade; a client reset must not crash the test.
    socket.on('error', () => undefined)
    const route = request.url ?? '/'
    seen.push(route)
    if (options.paths !== undefined && !options.paths.includes(route)) {
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n')
      return
    }
    const accept = (): void =>
      wss.handleUpgrade(request, socket, head, (client) => wss.emit('connection', client, request))
    if (options.delayMs === undefined) accept()
    else {
      const timer = setTimeout(() => {
        timers.delete(timer)
        if (!socket.destroyed) accept()
      }, options.delayMs)
      timers.add(timer)
    }
  })
  const port = await listening(server)
  return {
    port,
    seen,
    closeCodes,
    firstClose,
    close: async () => {
      for (const timer of timers) clearTimeout(timer)
      for (const client of wss.clients) client.terminate()
      wss.close()
      server.closeAllConnections()
      await closeServer(server)
    }
  }
}

/** A plain HTTP server that answers every request (upgrades included) with `status`. */
export async function startHttpServer(status: number): Promise<TestServer> {
  const seen: string[] = []
  const server = http.createServer((request, response) => {
    seen.push(request.url ?? '/')
    response.writeHead(status, { 'content-type': 'text/plain' }).end('not a websocket')
  })
  const port = await listening(server)
  return {
    port,
    seen,
    closeCodes: [],
    close: async () => {
      server.closeAllConnections()
      await closeServer(server)
    }
  }
}

/** A TCP server that accepts connections and never answers (a hung service). */
export async function startSilentServer(): Promise<TestServer> {
  const sockets = new Set<net.Socket>()
  const server = net.createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => undefined)
  })
  const port = await listening(server)
  return {
    port,
    seen: [],
    closeCodes: [],
    close: async () => {
      for (const socket of sockets) socket.destroy()
      await closeServer(server)
    }
  }
}

export { closedPort } from '../fixtures/ws-server.js'
