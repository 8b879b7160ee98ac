/**
 * Ports from `.env*` files: *_PORT variables ranked by name (see env.ts) and
 * ws:// URLs on this machine. A line that is not KEY=VALUE is a warning with
 * its file and line; the rest of the file is still used.
 */
import { portRole } from './env.js'
import { parsePort } from './scan.js'
import { SOURCE_PRIORITY, type DiscoveryWarning, type SourceResult } from './types.js'
import { loopbackWsUrl } from './ws-url.js'

export interface DotenvEntry {
  key: string
  value: string
  line: number
}

export interface ParsedDotenv {
  entries: DotenvEntry[]
  warnings: DiscoveryWarning[]
}

const ASSIGNMENT = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$/
// `${PORT:-8001}` / `${PORT-8001}`: the default is what runs when nothing overrides it.
const DEFAULTED = /^\$\{[A-Za-z_][A-Za-z0-9_]*:?-([^}]*)\}$/

/** `.env`-style files, in the order their values usually win (local overrides first). */
export function isDotenvFile(name: string): boolean {
  return name === '.env' || name.startsWith('.env.')
}

const EXAMPLE = /\.(example|sample|template|dist|defaults?)$/

/** Lower sorts first: `.env.local` style overrides, then `.env`, then examples. */
export function dotenvRank(name: string): number {
  if (EXAMPLE.test(name)) return 3
  if (name.endsWith('.local')) return 0
  if (name === '.env') return 2
  return 1
}

function unquote(raw: string): string {
  const value = raw.trim()
  const quote = value[0]
  if ((quote === '"' || quote === "'") && value.length >= 2) {
    const end = value.indexOf(quote, 1)
    if (end > 0) return value.slice(1, end)
  }
  // Unquoted values end at an inline comment.
  return value.replace(/\s+#.*$/, '')
}

/** KEY=VALUE entries of a .env file with warnings for lines that are not assignments. */
export function parseDotenv(text: string, file: string): ParsedDotenv {
  const parsed: ParsedDotenv = { entries: [], warnings: [] }
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) return
    const match = ASSIGNMENT.exec(raw)
    if (match === null) {
      parsed.warnings.push({
        file,
        line: index + 1,
        message: `expected KEY=VALUE, got ${JSON.stringify(line.slice(0, 60))}`
      })
      return
    }
    parsed.entries.push({ key: match[1], value: unquote(match[2]), line: index + 1 })
  })
  return parsed
}

/** Candidates from one parsed .env file. */
export function fromDotenv(parsed: ParsedDotenv, file: string): SourceResult {
  const result: SourceResult = { findings: [], warnings: [...parsed.warnings], paths: [] }
  const example = dotenvRank(file.split('/').pop() ?? file) === 3 ? 3 : 0
  for (const { key, value, line } of parsed.entries) {
    const source = `${file}:${line}`
    const url = loopbackWsUrl(value)
    if (url !== null) {
      result.findings.push({ ...url, source, priority: SOURCE_PRIORITY.dotenv + example })
      if (url.path !== undefined) result.paths?.push(url.path)
      continue
    }
    const role = portRole(key)
    if (role === null) continue
    const effective = DEFAULTED.exec(value)?.[1] ?? value
    if (effective.startsWith('$')) continue // refers to another variable: nothing to probe here
    const port = parsePort(effective)
    if (port === null) {
      result.warnings.push({
        file,
        line,
        message: `${key} is not a port number: got ${JSON.stringify(value.slice(0, 40))}; expected 1-65535`
      })
      continue
    }
    const tier =
      role === 'frontend'
        ? SOURCE_PRIORITY.frontend + 5
        : SOURCE_PRIORITY.dotenv + (role === 'ws' ? 0 : 1)
    result.findings.push({ port, source, priority: tier + example })
  }
  return result
}
