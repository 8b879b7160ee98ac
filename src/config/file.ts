/**
 * Reads the seed's JSON config file (snake_case keys) into flat schema-path
 * entries. Unknown keys, malformed JSON and a missing explicitly named file
 * are problems, never silently ignored.
 */
import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { FILE_KEYS } from './fields.js'
import { misplacedKeyProblem } from './misplaced-keys.js'

/** Looked up, in order, relative to the working directory when no file is named. */
export const DEFAULT_CONFIG_PATHS = [
  '.github/websocket-test-config.json',
  '.github/workflows/config/websocket-test-config.json'
] as const

/** One value from a source, with the name the user typed for it. */
export interface SourcedValue {
  value: unknown
  /** e.g. `connection_count`, `--connections`, `CONNECTION_COUNT`, `thresholds.min_success_rate`. */
  name: string
  /** The config file the value came from, if any. */
  file?: string
}

export type Layer = Map<string, SourcedValue>

export interface ConfigFile {
  /** Path as given or as found among the defaults; undefined when no file was used. */
  path?: string
  top: Layer
  environments: Map<string, Layer>
  problems: string[]
}

/**
 * Loads `explicit` (an error when missing) or the first default path that
 * exists (none is fine).
 */
export function readConfigFile(explicit: string | undefined, cwd: string): ConfigFile {
  const result: ConfigFile = { top: new Map(), environments: new Map(), problems: [] }
  const path = explicit ?? DEFAULT_CONFIG_PATHS.find((p) => existsSync(resolve(cwd, p)))
  if (path === undefined) return result
  result.path = path
  let text: string
  try {
    text = readFileSync(resolve(cwd, path), 'utf8')
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : String(error)
    result.problems.push(`config: cannot read ${path} (${reason})`)
    return result
  }
  let data: unknown
  try {
    data = JSON.parse(text.replace(/^\uFEFF/, ''))
  } catch (error) {
    result.problems.push(`config: ${path} is not valid JSON: ${jsonPosition(error, text)}`)
    return result
  }
  if (!isObject(data)) {
    result.problems.push(`config: ${path} must hold a JSON object, got ${typeof data}`)
    return result
  }
  const { environments, ...top } = data
  flatten(top, '', '', path, result.top, result.problems)
  if (environments !== undefined) {
    if (!isObject(environments)) {
      result.problems.push(`environments: expected an object of named settings (in ${path})`)
    } else {
      for (const [name, block] of Object.entries(environments)) {
        const layer: Layer = new Map()
        if (isObject(block))
          flatten(block, '', `environments.${name}.`, path, layer, result.problems)
        else result.problems.push(`environments.${name}: expected an object (in ${path})`)
        result.environments.set(name, layer)
      }
    }
  }
  return result
}

function flatten(
  block: Record<string, unknown>,
  prefix: string,
  namePrefix: string,
  file: string,
  into: Layer,
  problems: string[]
): void {
  for (const [key, value] of Object.entries(block)) {
    const fileKey = prefix + key
    const name = namePrefix + fileKey
    const spec = FILE_KEYS.get(fileKey)
    if (spec) {
      const earlier = into.get(spec.path)
      if (earlier) {
        problems.push(`${name}: also set as ${earlier.name}; use one of them (in ${file})`)
        continue
      }
      into.set(spec.path, { value, name, file })
      continue
    }
    const allowed = keysUnder(prefix)
    if (keysUnder(fileKey + '.').length > 0) {
      if (isObject(value)) flatten(value, fileKey + '.', namePrefix, file, into, problems)
      else
        problems.push(
          `${name}: expected an object with keys ${keysUnder(fileKey + '.').join(', ')} (in ${file})`
        )
      continue
    }
    const misplaced = misplacedKeyProblem(fileKey, value, allowed)
    if (misplaced !== undefined) {
      problems.push(`${name}: ${misplaced} (in ${file})`)
      continue
    }
    const extra = prefix === '' && namePrefix === '' ? ', environments' : ''
    problems.push(`${name}: unknown key; allowed here: ${allowed.join(', ')}${extra} (in ${file})`)
  }
}

/** Next key segments under a dotted prefix, e.g. `thresholds.` -> `p50_latency_ms, ...`. */
function keysUnder(prefix: string): string[] {
  const keys = new Set<string>()
  for (const key of FILE_KEYS.keys()) {
    if (key.startsWith(prefix)) keys.add(key.slice(prefix.length).split('.')[0] ?? '')
  }
  return [...keys]
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** V8's message plus line and column, computed from the offset it reports. */
function jsonPosition(error: unknown, text: string): string {
  const message = error instanceof Error ? error.message : String(error)
  if (/line \d+ column \d+/.test(message)) return message
  const match = /position (\d+)/.exec(message)
  if (!match) return message
  const offset = Number(match[1])
  const before = text.slice(0, offset).split('\n')
  const line = before.length
  const column = (before[before.length - 1]?.length ?? 0) + 1
  return `${message} (line ${String(line)} column ${String(column)})`
}
