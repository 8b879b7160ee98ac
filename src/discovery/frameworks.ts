/**
 * Ports from common framework and process files: dev-server configs
 * (vite/webpack/nuxt `server.port`, `devServer.port`), Procfile process lines
 * (uvicorn, gunicorn, daphne ...) and Dockerfile CMD/ENTRYPOINT/EXPOSE/ENV.
 */
import { portsFromCommand } from './command-line.js'
import { lineAt, parsePort } from './scan.js'
import { SOURCE_PRIORITY, type Finding, type SourceResult } from './types.js'

const DEV_SERVER_CONFIG =
  /^(vite|vitest|webpack|nuxt|astro|svelte)\.config\.(js|cjs|mjs|ts|mts|cts)$/
const DEV_SERVER_BLOCK = /\b(server|devServer|preview)\s*:\s*\{/g
const WS_NAME = /ws|socket|router|realtime/i

export function isDevServerConfig(name: string): boolean {
  return DEV_SERVER_CONFIG.test(name)
}

export function isDockerfile(name: string): boolean {
  return name === 'Dockerfile' || name.startsWith('Dockerfile.') || name.endsWith('.Dockerfile')
}

export function isProcfile(name: string): boolean {
  return name === 'Procfile' || name.startsWith('Procfile.')
}

/** `server: { port: 5173 }` style blocks; the block ends at its first closing brace at depth 0. */
export function fromDevServerConfig(text: string, file: string): SourceResult {
  const result: SourceResult = { findings: [], warnings: [] }
  for (const block of text.matchAll(DEV_SERVER_BLOCK)) {
    const start = (block.index ?? 0) + block[0].length
    let depth = 0
    let end = start
    // Bounded scan: a dev-server block is small; 4 KiB is plenty.
    for (; end < text.length && end < start + 4096; end++) {
      const ch = text[end]
      if (ch === '{') depth++
      else if (ch === '}') {
        if (depth === 0) break
        depth--
      }
    }
    const body = text.slice(start, end)
    const port = /(?:^|[\s,{])port\s*:\s*(\d{1,5})\b/.exec(body)
    if (port === null) continue
    const value = parsePort(port[1])
    if (value === null) continue
    const line = lineAt(text, start + (port.index ?? 0) + port[0].indexOf('port'))
    result.findings.push({
      port: value,
      source: `${file}:${line} ${block[1]}.port`,
      priority: SOURCE_PRIORITY.project + 2
    })
  }
  return result
}

/** `name: command` lines; anything else is a warning with its line. */
export function fromProcfile(text: string, file: string): SourceResult {
  const result: SourceResult = { findings: [], warnings: [] }
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) return
    const match = /^([A-Za-z0-9_-]+)\s*:\s*(.+)$/.exec(line)
    if (match === null) {
      result.warnings.push({
        file,
        line: index + 1,
        message: `expected "process: command", got ${JSON.stringify(line.slice(0, 60))}`
      })
      return
    }
    const priority = SOURCE_PRIORITY.project + (WS_NAME.test(match[1]) ? 0 : 1)
    for (const found of portsFromCommand(match[2])) {
      result.findings.push(finding(found, `${file}:${index + 1} ${match[1]}`, priority))
    }
  })
  return result
}

function finding(
  found: { port: number; host?: string },
  source: string,
  priority: number
): Finding {
  return found.host === undefined
    ? { port: found.port, source, priority }
    : { port: found.port, host: found.host, source, priority }
}

/** The command of a CMD/ENTRYPOINT/RUN instruction in exec (JSON array) or shell form. */
function instructionCommand(args: string): string {
  const trimmed = args.trim()
  if (trimmed.startsWith('[')) {
    try {
      const parts = JSON.parse(trimmed) as unknown
      if (Array.isArray(parts)) return parts.map(String).join(' ')
    } catch {
      // Not valid JSON: Docker runs it in shell form, so read it as words.
    }
  }
  return trimmed
}

/** CMD / ENTRYPOINT command lines, EXPOSE and `ENV PORT=` in a Dockerfile. */
export function fromDockerfile(text: string, file: string): SourceResult {
  const result: SourceResult = { findings: [], warnings: [] }
  const priority = SOURCE_PRIORITY.project + 1
  const lines = text.split(/\r?\n/)
  for (let i = 0; i < lines.length; i++) {
    const first = i + 1
    let instruction = lines[i]
    // Backslash continuations join physical lines into one instruction.
    while (/\\\s*$/.test(instruction) && i + 1 < lines.length) {
      instruction = instruction.replace(/\\\s*$/, ' ') + lines[++i]
    }
    const match = /^\s*(CMD|ENTRYPOINT|EXPOSE|ENV)\s+(.*)$/i.exec(instruction)
    if (match === null) continue
    const keyword = match[1].toUpperCase()
    const source = `${file}:${first} ${keyword}`
    if (keyword === 'EXPOSE') {
      for (const word of match[2].split(/\s+/)) {
        const port = parsePort(word.replace(/\/(tcp|udp)$/i, ''))
        if (port !== null) result.findings.push({ port, source, priority })
      }
      continue
    }
    for (const found of portsFromCommand(instructionCommand(match[2]))) {
      result.findings.push(finding(found, source, priority))
    }
  }
  return result
}
