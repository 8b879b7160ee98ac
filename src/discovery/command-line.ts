/**
 * Ports named on a command line: dev-server flags (`--port 8080`,
 * `--port=8080`, `-p 4000`, `next dev -p 3000`), environment prefixes
 * (`PORT=3001 node server.js`), gunicorn/hypercorn/daphne binds
 * (`--bind :8000`, `-b 0.0.0.0:8000`) and docker publishes (`-p 8001:8001`).
 */
import { parsePort } from './scan.js'

export interface CommandPort {
  port: number
  host?: string
  /** The flag or assignment that named it, e.g. `--port`, `PORT=`. */
  via: string
}

const PORT_FLAGS = new Set(['--port', '-p', '--publish', '--ws-port', '--http-port'])
const BIND_FLAGS = new Set(['--bind', '-b'])
const ENV_ASSIGNMENT = /^((?:[A-Z][A-Z0-9_]*_)?PORT)=['"]?(\d{1,5})['"]?$/
// Shell separators end one command and start the next; they are never values.
const SEPARATORS = new Set(['&&', '||', ';', '|', '&'])

/** Splits a command into words; quotes are removed, not honoured for spaces (enough for flags). */
export function words(command: string): string[] {
  return command
    .replace(/[;&|]+/g, (sep) => ` ${sep} `)
    .split(/\s+/)
    .map((word) => word.replace(/^['"]+|['"]+$/g, ''))
    .filter((word) => word !== '')
}

/** Host side of a docker-style publish `[host:]hostPort:containerPort[/proto]`, or a bare port. */
export function publishedPort(value: string): { port: number; host?: string } | null {
  const spec = value.replace(/\/(tcp|udp|sctp)$/i, '')
  const bare = parsePort(spec)
  if (bare !== null) return { port: bare }
  const match = /^(?:(\[[^\]]*\]|[^:]*):)?(\d{1,5})(?:-\d{1,5})?:\d{1,5}(?:-\d{1,5})?$/.exec(spec)
  if (match === null) return null
  const port = parsePort(match[2])
  if (port === null) return null
  const host = match[1]?.replace(/^\[|\]$/g, '')
  return host ? { port, host } : { port }
}

/** `host:port`, `:port`, `[::1]:port` as used by gunicorn `--bind`; null for unix sockets. */
export function bindAddress(value: string): { port: number; host?: string } | null {
  const match = /^(\[[^\]]*\]|[^:[\]]*):(\d{1,5})$/.exec(value)
  if (match === null) return null
  const port = parsePort(match[2])
  if (port === null || match[1] === 'unix') return null
  const host = match[1].replace(/^\[|\]$/g, '')
  return host ? { port, host } : { port }
}

/** Every port a command line names, in order. */
export function portsFromCommand(command: string): CommandPort[] {
  const tokens = words(command)
  const found: CommandPort[] = []
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]
    const env = ENV_ASSIGNMENT.exec(token)
    if (env !== null) {
      const port = parsePort(env[2])
      if (port !== null) found.push({ port, via: `${env[1]}=` })
      continue
    }
    const eq = token.indexOf('=')
    const flag = eq > 0 ? token.slice(0, eq) : token
    const inline = eq > 0 ? token.slice(eq + 1) : undefined
    const isPort = PORT_FLAGS.has(flag)
    const isBind = BIND_FLAGS.has(flag)
    if (!isPort && !isBind) continue
    const value = inline ?? tokens[i + 1]
    if (value === undefined || SEPARATORS.has(value)) continue
    const parsed = isPort ? publishedPort(value) : (bindAddress(value) ?? publishedPort(value))
    if (parsed !== null) found.push({ ...parsed, via: flag })
  }
  return found
}
