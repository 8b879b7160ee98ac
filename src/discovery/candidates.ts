/**
 * Finds the ports (and paths) a project's WebSocket service may listen on,
 * from the environment and from the project's own files, each candidate
 * keeping every place it was found. Reading is bounded (see scan.ts) and a
 * malformed file only adds a warning.
 */
import { stat } from 'node:fs/promises'
import path from 'node:path'
import { HealthError } from '../errors.js'
import { fromSourceText, isSourceFile, orderSourceFiles } from './code-literals.js'
import { fromCompose, isComposeFile } from './compose.js'
import { fromConfigFile, SEED_CONFIG_FILES } from './config-file.js'
import { dotenvRank, fromDotenv, isDotenvFile, parseDotenv } from './dotenv.js'
import { fromEnvironment } from './env.js'
import {
  fromDevServerConfig,
  fromDockerfile,
  fromProcfile,
  isDevServerConfig,
  isDockerfile,
  isProcfile
} from './frameworks.js'
import { fromPackageJson } from './package-json.js'
import { DEFAULT_SCAN_LIMITS, listFiles, readBounded, type ScanLimits } from './scan.js'
import type { Candidate, DiscoveryWarning, Finding, SourceResult } from './types.js'

export interface FindCandidatesOptions {
  /** Project root to scan. */
  dir: string
  /** Environment variables to read (the caller passes process.env; tests pass their own). */
  env: Record<string, string | undefined>
  /** Config file (relative to `dir` or absolute); defaults to the seed's locations. */
  configFile?: string
  /** Bounds on the scan; defaults in DEFAULT_SCAN_LIMITS. */
  limits?: Partial<ScanLimits>
}

export interface FoundCandidates {
  /** One per port, in probe order (priority, then first seen). */
  candidates: Candidate[]
  warnings: DiscoveryWarning[]
  /** WebSocket paths seen in the project (config, .env, code), in order, deduplicated. */
  paths: string[]
}

/** At most this many project paths are added to the probe list (each costs one attempt per port). */
export const MAX_DISCOVERED_PATHS = 8

type Reader = (text: string, file: string) => SourceResult

function validateLimits(limits: ScanLimits): void {
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isInteger(value) || value < 0) {
      throw new RangeError(`limits.${name}: got ${String(value)}; expected an integer >= 0`)
    }
  }
}

function basename(file: string): string {
  return file.slice(file.lastIndexOf('/') + 1)
}

function depth(file: string): number {
  return file.split('/').length - 1
}

/** Merges findings by port; the best (lowest) priority gives the candidate its rank and source. */
export function mergeFindings(findings: Finding[]): Candidate[] {
  const byPort = new Map<number, Finding[]>()
  for (const finding of findings) {
    const list = byPort.get(finding.port)
    if (list === undefined) byPort.set(finding.port, [finding])
    else list.push(finding)
  }
  const candidates: Candidate[] = []
  for (const [port, list] of byPort) {
    // Stable sort: equal priorities keep the order they were found in.
    const sorted = [...list].sort((a, b) => a.priority - b.priority)
    const candidate: Candidate = {
      port,
      source: sorted[0].source,
      sources: [...new Set(sorted.map((finding) => finding.source))],
      priority: sorted[0].priority
    }
    const host = sorted.find((finding) => finding.host !== undefined)?.host
    const route = sorted.find((finding) => finding.path !== undefined)?.path
    if (host !== undefined) candidate.host = host
    if (route !== undefined) candidate.path = route
    candidates.push(candidate)
  }
  // Map iteration is insertion order, so ties stay in first-seen order.
  return candidates.sort((a, b) => a.priority - b.priority)
}

/**
 * Scans `dir` and `env` for candidate ports. Throws HealthError
 * (WSH_ERR_CONFIG) only when `dir` is not a directory, RangeError for bad
 * limits; malformed project files become warnings.
 */
export async function findCandidates(options: FindCandidatesOptions): Promise<FoundCandidates> {
  const limits: ScanLimits = { ...DEFAULT_SCAN_LIMITS, ...options.limits }
  validateLimits(limits)
  const root = path.resolve(options.dir)
  const info = await stat(root).catch(() => null)
  if (info === null || !info.isDirectory()) {
    throw new HealthError(
      'WSH_ERR_CONFIG',
      `discover DIR: got ${JSON.stringify(options.dir)}; expected an existing directory (the project to scan)`
    )
  }

  const findings: Finding[] = []
  const warnings: DiscoveryWarning[] = []
  const paths: string[] = []
  const add = (result: SourceResult): void => {
    findings.push(...result.findings)
    warnings.push(...result.warnings)
    paths.push(...(result.paths ?? []))
  }
  const read = async (file: string, budget: { left: number }): Promise<string | null> => {
    if (budget.left <= 0) return null
    budget.left--
    const content = await readBounded(path.resolve(root, file), limits.maxFileBytes)
    if (content === null) return null
    if (content.truncated) {
      warnings.push({
        file,
        message: `larger than ${limits.maxFileBytes} bytes; only the first ${limits.maxFileBytes} bytes were read`
      })
    }
    return content.text
  }

  add(fromEnvironment(options.env))

  const projectBudget = { left: limits.maxProjectFiles }
  const configFiles = options.configFile !== undefined ? [options.configFile] : SEED_CONFIG_FILES
  for (const file of configFiles) {
    const label = path.isAbsolute(file) ? file : file.split(path.sep).join('/')
    const text = await read(file, projectBudget)
    if (text === null) {
      if (options.configFile !== undefined) {
        warnings.push({ file: label, message: 'config file not found or unreadable' })
      }
      continue
    }
    add(fromConfigFile(text, label))
    break
  }

  const files = await listFiles(root, limits)
  const dotenvFiles = files
    .filter((file) => isDotenvFile(basename(file)))
    .sort((a, b) => dotenvRank(basename(a)) - dotenvRank(basename(b)) || depth(a) - depth(b))
  // Compose reads the root .env for ${VAR} interpolation; the real environment wins over it.
  const composeEnv: Record<string, string | undefined> = {}
  for (const file of dotenvFiles) {
    const text = await read(file, projectBudget)
    if (text === null) continue
    const parsed = parseDotenv(text, file)
    if (file === '.env') for (const entry of parsed.entries) composeEnv[entry.key] = entry.value
    add(fromDotenv(parsed, file))
  }
  Object.assign(composeEnv, options.env)

  const readers: Array<[(name: string) => boolean, Reader]> = [
    [isComposeFile, (text, file) => fromCompose(text, file, composeEnv)],
    [(name) => name === 'package.json', fromPackageJson],
    [
      isDevServerConfig,
      (text, file) => mergeResults(fromDevServerConfig(text, file), fromSourceText(text, file))
    ],
    [isProcfile, fromProcfile],
    [isDockerfile, fromDockerfile]
  ]
  const projectFiles = new Set<string>()
  for (const [matches, reader] of readers) {
    for (const file of files.filter((candidate) => matches(basename(candidate)))) {
      projectFiles.add(file)
      const text = await read(file, projectBudget)
      if (text !== null) add(reader(text, file))
    }
  }

  // Source files are only grepped: a truncated one is not worth a warning.
  const sources = orderSourceFiles(
    files.filter((file) => isSourceFile(basename(file)) && !projectFiles.has(file))
  ).slice(0, limits.maxSourceFiles)
  for (const file of sources) {
    const content = await readBounded(path.resolve(root, file), limits.maxFileBytes)
    if (content !== null) add(fromSourceText(content.text, file))
  }

  return {
    candidates: mergeFindings(findings),
    warnings,
    paths: [...new Set(paths)].slice(0, MAX_DISCOVERED_PATHS)
  }
}

function mergeResults(a: SourceResult, b: SourceResult): SourceResult {
  return {
    findings: [...a.findings, ...b.findings],
    warnings: [...a.warnings, ...b.warnings],
    paths: [...(a.paths ?? []), ...(b.paths ?? [])]
  }
}
