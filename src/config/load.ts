/**
 * Gathers raw values from every source, drops empties, merges them and parses
 * once with ConfigSchema.
 *
 * Precedence, written down here and nowhere else (highest first):
 *   1. action inputs, then CLI flags (one run never has both; inputs win)
 *   2. seed environment variables (TEST_DURATION, CONNECTION_COUNT, ...)
 *   3. the config file's `environments.<name>` block, when `environment` is set
 *   4. the config file's top level
 *   5. schema defaults (src/config/schema.ts)
 */
import { HealthError } from '../errors.js'
import { coerceValue } from './coerce.js'
import { FIELDS, fieldForPath, type FieldSpec } from './fields.js'
import { DEFAULT_CONFIG_PATHS, readConfigFile, type Layer, type SourcedValue } from './file.js'
import { describeValue, formatConfigIssues } from './format-issues.js'
import {
  ConfigSchema,
  PARSE_ONCE,
  THRESHOLD_KEYS,
  fitUnsetLatencyLimits,
  type Config
} from './schema.js'

/**
 * Raw, pre-validation settings from one source: keys are dotted camelCase
 * schema paths (`connectionCount`, `thresholds.p99LatencyMs`,
 * `testSuites.heartbeat-monitoring.timeout`), values are strings as typed or
 * already-typed values. Empty strings mean "not set".
 */
export type RawSettings = Record<string, unknown>

export interface ConfigSources {
  /** CLI flags from parseArgv(). */
  flags?: RawSettings
  /** Action inputs from readActionInputs(). */
  inputs?: RawSettings
  /** Environment for the seed variables (default process.env). */
  env?: NodeJS.ProcessEnv
  /** Directory the config file paths are relative to (default process.cwd()). */
  cwd?: string
}

const byPath = new Map(FIELDS.map((spec) => [spec.path, spec]))

/**
 * Loads the effective configuration.
 * @throws HealthError WSH_ERR_CONFIG listing every problem found, one per line.
 */
export function loadConfig(sources: ConfigSources = {}): Config {
  const problems: string[] = []
  const inputs = fromRaw(sources.inputs ?? {}, (spec) => spec.input, problems)
  const flags = fromRaw(sources.flags ?? {}, (spec) => spec.flag && `--${spec.flag}`, problems)
  const env = fromEnv(sources.env ?? process.env)
  const upper = [env, flags, inputs]

  const explicitFile = pick(upper, 'configFile')
  const file = readConfigFile(
    typeof explicitFile === 'string' ? explicitFile : undefined,
    sources.cwd ?? process.cwd()
  )
  problems.push(...file.problems)

  const layers: Layer[] = [file.top]
  const environment = pick(upper, 'environment')
  if (typeof environment === 'string') {
    const overlay = file.environments.get(environment)
    if (overlay) layers.push(overlay)
    else problems.push(missingEnvironment(environment, file.path, [...file.environments.keys()]))
  }
  layers.push(...upper)

  const merged: Layer = new Map()
  for (const layer of layers) for (const [path, sourced] of layer) merged.set(path, sourced)
  if (file.path !== undefined) merged.set('configFile', { value: file.path, name: 'config' })

  const candidate: Record<string, unknown> = {}
  for (const [path, sourced] of merged) {
    const spec = byPath.get(path)
    if (!spec || spec.stage === 'reserved') continue
    if (spec.stage === 'coming') {
      problems.push(`${sourced.name}: not implemented yet (coming in a later release); remove it`)
      continue
    }
    const coerced = coerceValue(sourced.value, spec.kind)
    if (!coerced.ok) {
      const got = describeValue(sourced.value, spec.secret)
      problems.push(
        `${sourced.name}: expected ${coerced.expected}, got ${got}${inFile(sourced.file)}`
      )
      continue
    }
    setPath(candidate, path, coerced.value)
  }

  recordExplicitThresholds(candidate)

  // reportInput: a cross-field rule on a field left at its default reports that default.
  const parsed = ConfigSchema.safeParse(candidate, { ...PARSE_ONCE, reportInput: true })
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const sourced = originOf(merged, issue.path)
      // A rule broken by a field left unset was triggered by a sibling that was
      // set (p50 above the p95 default): name the field as that sibling's source would.
      const trigger = sourced === undefined ? siblingOrigin(merged, issue.path) : undefined
      const [line] = formatConfigIssues([issue], {
        nameOf: (path) => nameFor(sourced ?? unsetName(trigger, path), path),
        valueAt: (path) => valueAt(candidate, path),
        defaultAt: (unset) => (sourced === undefined ? unset.input : undefined),
        isSecret: (path) => fieldForPath(path)?.secret ?? false
      })
      problems.push(`${line ?? issue.message}${inFile(sourced?.file ?? trigger?.file)}`)
    }
  }
  if (problems.length > 0 || !parsed.success) {
    const head =
      problems.length === 1
        ? 'Invalid configuration: '
        : `Invalid configuration (${String(problems.length)} problems):\n  `
    throw new HealthError('WSH_ERR_CONFIG', head + problems.join('\n  '))
  }
  return parsed.data
}

/**
 * Notes which thresholds the user set (any source), for gating
 * (src/engine/gate.ts), then fits the unset latency limits around the set
 * ones (schema.ts fitUnsetLatencyLimits) so one percentile can be set alone.
 */
function recordExplicitThresholds(candidate: Record<string, unknown>): void {
  const thresholds = candidate.thresholds
  if (typeof thresholds !== 'object' || thresholds === null) return
  const set = thresholds as Record<string, unknown>
  candidate.explicitThresholds = THRESHOLD_KEYS.filter((key) => set[key] !== undefined)
  candidate.thresholds = fitUnsetLatencyLimits(set)
}

function fromRaw(
  raw: RawSettings,
  nameOf: (spec: FieldSpec) => string | undefined,
  problems: string[]
): Layer {
  const layer: Layer = new Map()
  for (const [path, value] of Object.entries(raw)) {
    if (isEmpty(value)) continue
    const spec = byPath.get(path)
    if (!spec) {
      problems.push(`${path}: unknown setting`)
      continue
    }
    // A setting with no name in this source (a file-only key given as raw input) goes by its file key.
    layer.set(path, { value, name: nameOf(spec) ?? spec.input ?? spec.file?.[0] ?? path })
  }
  return layer
}

function fromEnv(env: NodeJS.ProcessEnv): Layer {
  const layer: Layer = new Map()
  for (const spec of FIELDS) {
    if (!spec.env) continue
    const value = env[spec.env]
    if (!isEmpty(value)) layer.set(spec.path, { value, name: spec.env })
  }
  return layer
}

function isEmpty(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '')
}

/** The highest-precedence value for `path` among `layers` (last wins). */
function pick(layers: Layer[], path: string): unknown {
  let found: unknown
  for (const layer of layers) found = layer.get(path)?.value ?? found
  return found
}

function missingEnvironment(name: string, file: string | undefined, known: string[]): string {
  if (file === undefined) {
    return `environment: ${JSON.stringify(name)} needs a config file with environments.${name}; none found (looked for ${DEFAULT_CONFIG_PATHS.join(', ')})`
  }
  const allowed =
    known.length > 0 ? `one of ${known.join(', ')}` : 'an environment defined under environments'
  return `environment: expected ${allowed} (from ${file}), got ${JSON.stringify(name)}`
}

function originOf(merged: Layer, path: readonly PropertyKey[]) {
  const spec = fieldForPath(path)
  return spec ? merged.get(spec.path) : undefined
}

/** The set field nearest to `path` in the same settings block (`thresholds.*`), if any. */
function siblingOrigin(merged: Layer, path: readonly PropertyKey[]): SourcedValue | undefined {
  const spec = fieldForPath(path)
  if (!spec) return undefined
  const parts = spec.path.split('.')
  for (let depth = parts.length - 1; depth > 0; depth--) {
    const prefix = `${parts.slice(0, depth).join('.')}.`
    for (const [key, sourced] of merged) if (key.startsWith(prefix)) return sourced
  }
  return undefined
}

/**
 * The name an unset field would have in the source `trigger` came from: its
 * config-file key when the trigger is in a file, else its input or flag.
 */
function unsetName(
  trigger: SourcedValue | undefined,
  path: readonly PropertyKey[]
): { name: string } | undefined {
  const spec = fieldForPath(path)
  if (!spec || !trigger) return undefined
  if (trigger.file !== undefined && spec.file?.[0] !== undefined) return { name: spec.file[0] }
  if (trigger.name.startsWith('--') && spec.flag !== undefined) return { name: `--${spec.flag}` }
  return undefined
}

/** The user's name for the field, plus any sub-path below it (`headers.X`). */
function nameFor(sourced: { name: string } | undefined, path: readonly PropertyKey[]): string {
  const spec = fieldForPath(path)
  if (!spec) return path.map(String).join('.')
  // A key never set (a required one left out) is named as the user would write it.
  const base = sourced?.name ?? spec.input ?? spec.file?.[0] ?? spec.path
  const depth = spec.path.split('.').length
  // Array positions (suites.2) are shown through the value, not the name.
  const rest = path.slice(depth).filter((part) => typeof part === 'string')
  return [base, ...rest].join('.')
}

function inFile(file: string | undefined): string {
  return file === undefined ? '' : ` (in ${file})`
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.')
  let node = target
  for (const part of parts.slice(0, -1)) {
    const next = node[part]
    if (typeof next === 'object' && next !== null) node = next as Record<string, unknown>
    else node = node[part] = {}
  }
  node[parts[parts.length - 1] ?? path] = value
}

function valueAt(target: unknown, path: readonly PropertyKey[]): unknown {
  let node = target
  for (const part of path) {
    if (typeof node !== 'object' || node === null) return undefined
    node = (node as Record<PropertyKey, unknown>)[part]
  }
  return node
}
