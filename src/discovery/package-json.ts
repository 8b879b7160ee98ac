/**
 * Ports named in package.json scripts (`vite --port 5173`, `next dev -p 3000`,
 * `PORT=3001 node server.js`, `uvicorn app:app --port 8001`).
 */
import { portsFromCommand } from './command-line.js'
import { lineAt } from './scan.js'
import { SOURCE_PRIORITY, type DiscoveryWarning, type SourceResult } from './types.js'

const WS_SCRIPT = /ws|socket|router|realtime/i

/** JSON.parse with a warning (file, line) instead of a throw. */
export function parseJsonFile(
  text: string,
  file: string
): { value: unknown; warning?: DiscoveryWarning } {
  try {
    return { value: JSON.parse(text) as unknown }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    // V8 names the offset ("at position 42"); newer versions also print the line.
    const position = /position (\d+)/.exec(message)
    const line = position ? lineAt(text, Number(position[1])) : undefined
    const first = message.split('\n')[0].replace(/\s*\(line \d+ column \d+\)/, '')
    const warning: DiscoveryWarning =
      line === undefined
        ? { file, message: `malformed JSON: ${first}` }
        : { file, line, message: `malformed JSON: ${first}` }
    return { value: undefined, warning }
  }
}

/** Candidates from one package.json's text. */
export function fromPackageJson(text: string, file: string): SourceResult {
  const result: SourceResult = { findings: [], warnings: [] }
  const { value, warning } = parseJsonFile(text, file)
  if (warning !== undefined) {
    result.warnings.push(warning)
    return result
  }
  const scripts = (value as { scripts?: unknown } | null)?.scripts
  if (scripts === undefined) return result
  if (typeof scripts !== 'object' || scripts === null || Array.isArray(scripts)) {
    result.warnings.push({ file, message: '`scripts` is not an object' })
    return result
  }
  for (const [name, command] of Object.entries(scripts)) {
    if (typeof command !== 'string') continue
    const priority = SOURCE_PRIORITY.project + (WS_SCRIPT.test(name) ? 0 : 1)
    for (const found of portsFromCommand(command)) {
      const port =
        found.host === undefined ? { port: found.port } : { port: found.port, host: found.host }
      result.findings.push({ ...port, source: `${file} scripts.${name}`, priority })
    }
  }
  return result
}
