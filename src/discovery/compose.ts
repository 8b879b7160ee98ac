/**
 * Published ports from docker-compose / compose files: the host side of
 * short syntax (`"8001:8001"`, `"127.0.0.1:8001:8001/tcp"`) and long syntax
 * (`published:`), with `${VAR:-default}` interpolated as compose does.
 * Container-only ports (`"3000"`, `expose:`) are not reachable from the host
 * and are skipped.
 */
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml'
import { publishedPort } from './command-line.js'
import { parsePort } from './scan.js'
import { SOURCE_PRIORITY, type SourceResult } from './types.js'

/** compose.yaml, docker-compose.override.yml, docker-compose.dev.yml ... */
export function isComposeFile(name: string): boolean {
  return /^(docker-)?compose(\.[\w-]+)?\.ya?ml$/.test(name)
}

// Services that are databases, brokers or caches never speak WebSocket.
const NOT_HTTP =
  /postgres|mysql|mariadb|redis|valkey|mongo|rabbitmq|kafka|zookeeper|memcached|mssql|sqlserver|oracle|cassandra|clickhouse|minio|mailhog|\bdb\b/i
const WS_SERVICE = /ws|socket|router|realtime/i
const FRONTEND_SERVICE = /front|web|ui|client|nginx|vite|next/i

type Env = Record<string, string | undefined>

/** Compose-style interpolation; `missing` collects variables with no value and no default. */
export function interpolate(value: string, env: Env, missing: string[]): string {
  return value.replace(
    /\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g,
    (
      _match,
      braced: string | undefined,
      op: string | undefined,
      fallback: string | undefined,
      bare: string | undefined
    ) => {
      const name = (braced ?? bare) as string
      const current = env[name]
      const useDefault = op?.startsWith(':')
        ? current === undefined || current === ''
        : current === undefined
      if (op !== undefined && op.endsWith('-') && useDefault) return fallback ?? ''
      if (current === undefined) missing.push(name)
      return current ?? ''
    }
  )
}

function serviceRank(name: string, image: unknown): number | null {
  const label = `${name} ${typeof image === 'string' ? image : ''}`
  if (NOT_HTTP.test(label)) return null
  if (WS_SERVICE.test(name)) return 0
  if (FRONTEND_SERVICE.test(name)) return 2
  return 1
}

/** Candidates from one compose file's text. `env` interpolates `${VAR}` (process env + root .env). */
export function fromCompose(text: string, file: string, env: Env): SourceResult {
  const result: SourceResult = { findings: [], warnings: [] }
  const lines = new LineCounter()
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: false })
  if (doc.errors.length > 0) {
    for (const error of doc.errors.slice(0, 3)) {
      const line = error.linePos?.[0]?.line
      const message = `malformed YAML: ${error.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}`
      result.warnings.push(line === undefined ? { file, message } : { file, line, message })
    }
    return result
  }
  const lineOf = (node: Node | null | undefined): number | undefined =>
    node?.range ? lines.linePos(node.range[0]).line : undefined
  const warn = (node: Node | null | undefined, message: string): void => {
    const line = lineOf(node)
    result.warnings.push(line === undefined ? { file, message } : { file, line, message })
  }

  const services = doc.get('services', true)
  if (services === undefined || services === null) return result
  if (!isMap(services)) {
    warn(services as Node, '`services` is not a mapping')
    return result
  }
  for (const pair of services.items) {
    const name = isScalar(pair.key) ? String(pair.key.value) : String(pair.key)
    if (!isMap(pair.value)) continue
    const rank = serviceRank(name, pair.value.get('image'))
    if (rank === null) continue
    const ports = pair.value.get('ports', true)
    if (ports === undefined) continue
    if (!isSeq(ports)) {
      warn(ports as Node, `services.${name}.ports is not a list`)
      continue
    }
    ports.items.forEach((item, index) => {
      const where = `services.${name}.ports[${index}]`
      const source = `${file} ${where}`
      const priority = SOURCE_PRIORITY.compose + rank
      const missing: string[] = []
      let published: { port: number; host?: string } | null = null
      let containerOnly = false
      if (isScalar(item)) {
        const raw = interpolate(String(item.value), env, missing)
        published = publishedPort(raw)
        containerOnly = published !== null && !/:/.test(raw.replace(/\/\w+$/, ''))
      } else if (isMap(item)) {
        const value = item.get('published')
        if (value === undefined) containerOnly = true
        else {
          const port = parsePort(interpolate(String(value), env, missing))
          const hostIp = item.get('host_ip')
          if (port !== null)
            published = typeof hostIp === 'string' ? { port, host: hostIp } : { port }
        }
      }
      if (missing.length > 0) {
        warn(item as Node, `${where}: no value for \${${missing[0]}} (set it or add a default)`)
        return
      }
      if (containerOnly) return // published on a random host port: unknown until the stack runs
      if (published === null) {
        warn(item as Node, `${where}: not a port mapping (expected "HOST:CONTAINER" or published:)`)
        return
      }
      result.findings.push({ ...published, source, priority })
    })
  }
  return result
}
