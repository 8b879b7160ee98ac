/**
 * Grep-lite over a bounded number of small source files: WebSocket paths in
 * string literals ('/ws', '/ws/unified', '/socket'), ws:// URLs on this
 * machine, and ports handed to WebSocket servers in code.
 */
import { lineAt, parsePort } from './scan.js'
import { SOURCE_PRIORITY, type SourceResult } from './types.js'
import { loopbackWsUrl } from './ws-url.js'

const SOURCE_FILE = /\.(m?[jt]sx?|c[jt]s|py|go|rb|java|kt|cs|rs|php|ex|exs)$/

/** Files whose names suggest a server or WebSocket entry point are read first. */
const LIKELY = /ws|socket|server|main|app|index|router|routes|realtime/i

export function isSourceFile(name: string): boolean {
  return SOURCE_FILE.test(name) && !/\.(d\.ts|min\.js|test\.[jt]s|spec\.[jt]s)$/.test(name)
}

/** Source files, likely entry points first (stable otherwise). */
export function orderSourceFiles(files: string[]): string[] {
  const likely = files.filter((file) => LIKELY.test(file))
  return [...likely, ...files.filter((file) => !LIKELY.test(file))]
}

// A quoted path whose last fixed segments name a WebSocket endpoint.
const PATH_LITERAL =
  /(['"`])(\/(?:[\w.{}:<>-]+\/){0,4}(?:ws|wss|websockets?|socket)(?:\/[\w.{}:<>-]+){0,4}\/?)\1/gi
const WS_URL_LITERAL = /wss?:\/\/[^\s'"`/]+(\/[\w.{}:<>/-]*)?/gi
// Ports given to WebSocket servers in code; each pattern's group 1 is the port.
const SERVER_PORTS: Array<{ pattern: RegExp; rank: number }> = [
  { pattern: /WebSocket\.?Server\s*\(\s*\{[^}]{0,200}?\bport\s*:\s*(\d{1,5})\b/g, rank: 0 },
  { pattern: /websockets?\.serve\s*\([^)]{0,200}?,\s*(\d{2,5})\s*[,)]/g, rank: 0 },
  { pattern: /uvicorn\.run\s*\([^)]{0,300}?\bport\s*=\s*(\d{1,5})\b/g, rank: 1 },
  { pattern: /run_app\s*\([^)]{0,300}?\bport\s*=\s*(\d{1,5})\b/g, rank: 1 },
  { pattern: /\.listen\s*\(\s*(\d{2,5})\s*[,)]/g, rank: 1 }
]

/**
 * A probe-able form of a route: path parameters (`{client_id}`, `:room`,
 * `<int:id>`) become a placeholder segment, as a client would fill them.
 */
export function concretePath(route: string): string | null {
  if (/socket\.io/i.test(route)) return null // Engine.IO needs its own query string, not a bare upgrade
  const path = route
    .split('/')
    .map((segment) => (/^(\{.*\}|:.+|<.*>)$/.test(segment) ? 'ws-health' : segment))
    .join('/')
  return /[{}<>]/.test(path) ? null : path
}

/** Findings and paths from one source (or config) file's text. */
export function fromSourceText(text: string, file: string): SourceResult {
  const result: SourceResult = { findings: [], warnings: [], paths: [] }
  const paths = result.paths as string[]
  for (const match of text.matchAll(PATH_LITERAL)) {
    const path = concretePath(match[2])
    if (path !== null) paths.push(path)
  }
  for (const match of text.matchAll(WS_URL_LITERAL)) {
    const url = loopbackWsUrl(match[0])
    const line = lineAt(text, match.index ?? 0)
    if (url !== null) {
      result.findings.push({ ...url, source: `${file}:${line}`, priority: SOURCE_PRIORITY.project })
    }
    const path = match[1] !== undefined && match[1] !== '/' ? concretePath(match[1]) : null
    if (path !== null) paths.push(path)
  }
  for (const { pattern, rank } of SERVER_PORTS) {
    for (const match of text.matchAll(pattern)) {
      const port = parsePort(match[1])
      if (port === null) continue
      const line = lineAt(text, match.index ?? 0)
      result.findings.push({
        port,
        source: `${file}:${line}`,
        priority: SOURCE_PRIORITY.project + rank
      })
    }
  }
  return result
}
