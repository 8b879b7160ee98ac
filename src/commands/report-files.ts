/**
 * Reading JSON reports back for merge mode: glob expansion for the action's
 * `merge_reports` input (Node 20 has no fs.glob, and a small bounded walker
 * is enough for `reports/**\/*.json`) and checked parsing, so a bad file is
 * a WSH_ERR_REPORT naming it rather than a crash deep inside the merge.
 */
import { readdir, readFile, stat } from 'node:fs/promises'
import { isAbsolute, join, relative, resolve, sep } from 'node:path'
import { SUITE_IDS, type RunReport } from '../engine/model.js'
import { HealthError, describeError } from '../errors.js'

/** Bounds on the walk, so a glob at the root of a large tree stays cheap. */
export const GLOB_LIMITS = { maxFiles: 1_000, maxVisited: 50_000, maxDepth: 20 } as const

/** Report files above this size are refused (a report is a few hundred KiB at most). */
export const MAX_REPORT_BYTES = 64 * 1024 * 1024

const MAGIC = /[*?[]/
const STATUSES = ['passed', 'degraded', 'failed', 'skipped', 'not-run']

/**
 * Expands glob patterns (`*`, `?`, `**`, `[abc]`; one pattern per line or
 * comma) relative to `cwd` into sorted, de-duplicated absolute file paths.
 * node_modules and .git are skipped unless a pattern names them.
 * @throws HealthError WSH_ERR_REPORT when a pattern matches no file.
 */
export async function expandGlobs(
  patterns: string,
  cwd: string = process.cwd()
): Promise<string[]> {
  const list = patterns
    .split(/[\n,]/)
    .map((p) => p.trim())
    .filter((p) => p !== '')
  if (list.length === 0) {
    throw new HealthError(
      'WSH_ERR_REPORT',
      'merge_reports: expected a glob of JSON reports, got none'
    )
  }
  const found = new Set<string>()
  for (const pattern of list) {
    const matches = await expandGlob(pattern, cwd)
    if (matches.length === 0) {
      throw new HealthError(
        'WSH_ERR_REPORT',
        `merge_reports: no file matches ${JSON.stringify(pattern)} (relative to ${cwd}); did the download-artifact step run?`
      )
    }
    for (const match of matches) found.add(match)
  }
  return [...found].sort()
}

async function expandGlob(pattern: string, cwd: string): Promise<string[]> {
  const absolute = isAbsolute(pattern) ? pattern : join(cwd, pattern)
  const parts = absolute.split(/[\\/]+/)
  const firstMagic = parts.findIndex((part) => MAGIC.test(part))
  if (firstMagic < 0) return (await isFile(absolute)) ? [resolve(absolute)] : []
  const base = parts.slice(0, firstMagic).join(sep) || sep
  const regex = globToRegExp(parts.slice(firstMagic).join('/'))
  const wantsHidden = /(^|\/)(node_modules|\.git)(\/|$)/.test(pattern)
  const matches: string[] = []
  let visited = 0
  const walk = async (dir: string, depth: number): Promise<void> => {
    if (depth > GLOB_LIMITS.maxDepth || matches.length >= GLOB_LIMITS.maxFiles) return
    let entries
    try {
      entries = await readdir(dir, { withFileTypes: true })
    } catch {
      return
    }
    for (const entry of entries) {
      if (++visited > GLOB_LIMITS.maxVisited || matches.length >= GLOB_LIMITS.maxFiles) return
      const path = join(dir, entry.name)
      const rel = relative(base, path).split(sep).join('/')
      if (entry.isDirectory()) {
        if (!wantsHidden && (entry.name === 'node_modules' || entry.name === '.git')) continue
        await walk(path, depth + 1)
      } else if (entry.isFile() && regex.test(rel)) {
        matches.push(path)
      }
    }
  }
  await walk(base, 0)
  return matches
}

/** `**` spans folders, `*` and `?` stay within one, `[...]` is a character class. */
export function globToRegExp(glob: string): RegExp {
  let source = ''
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string
    if (c === '*' && glob[i + 1] === '*') {
      const slash = glob[i + 2] === '/'
      source += slash ? '(?:[^/]*/)*' : '.*'
      i += slash ? 2 : 1
    } else if (c === '*') source += '[^/]*'
    else if (c === '?') source += '[^/]'
    else if (c === '[') {
      const end = glob.indexOf(']', i + 1)
      if (end < 0) source += '\\['
      else {
        source += `[${glob
          .slice(i + 1, end)
          .replace(/^!/, '^')
          .replace(/\\/g, '\\\\')}]`
        i = end
      }
    } else source += c.replace(/[.+^${}()|\\]/g, '\\$&')
  }
  return new RegExp(`^${source}$`)
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile()
  } catch {
    return false
  }
}

/**
 * Reads and checks report files, in order.
 * @throws HealthError WSH_ERR_REPORT naming the first file that is missing, unreadable or not a report.
 */
export async function readReportFiles(paths: readonly string[]): Promise<RunReport[]> {
  const reports: RunReport[] = []
  for (const path of paths) {
    let text: string
    try {
      text = await readFile(path, 'utf8')
    } catch (error) {
      throw new HealthError(
        'WSH_ERR_REPORT',
        `${path}: cannot read the report: ${describeError(error)}`,
        {
          cause: error
        }
      )
    }
    if (text.length > MAX_REPORT_BYTES) {
      throw new HealthError(
        'WSH_ERR_REPORT',
        `${path}: larger than ${MAX_REPORT_BYTES} bytes; not a ws-health report`
      )
    }
    reports.push(parseReport(text, path))
  }
  return reports
}

/**
 * Parses one JSON report and checks the fields merging relies on.
 * @throws HealthError WSH_ERR_REPORT naming `name` and the bad field.
 */
export function parseReport(text: string, name: string): RunReport {
  const bad = (what: string): never => {
    throw new HealthError('WSH_ERR_REPORT', `${name}: ${what}`)
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    return bad(`not valid JSON (${describeError(error)})`)
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return bad('expected a JSON object (a ws-health report)')
  }
  const report = json as Record<string, unknown>
  if (report.schemaVersion !== 1) {
    bad(
      `schemaVersion ${JSON.stringify(report.schemaVersion)} is not supported; this ws-health reads schemaVersion 1`
    )
  }
  if (report.status === 'cancelled') {
    bad(
      'status: cancelled; this run was interrupted and judged nothing, so no merged verdict can include it: run that shard again, or merge only the reports that finished'
    )
  }
  if (!['passed', 'degraded', 'failed'].includes(report.status as string)) {
    bad(`status: got ${JSON.stringify(report.status)}; expected passed, degraded or failed`)
  }
  if (typeof report.target !== 'string' || report.target === '')
    bad('target: expected the service URL')
  if (typeof report.startedAt !== 'string') bad('startedAt: expected an ISO-8601 time')
  if (typeof report.durationMs !== 'number') bad('durationMs: expected a number')
  if (typeof report.config !== 'object' || report.config === null) bad('config: expected an object')
  if (!Array.isArray(report.suites)) bad('suites: expected an array')
  for (const [index, suite] of (report.suites as unknown[]).entries()) {
    const s = suite as Record<string, unknown> | null
    if (typeof s !== 'object' || s === null) bad(`suites[${index}]: expected an object`)
    const id = (s as Record<string, unknown>).id
    if (!(SUITE_IDS as readonly unknown[]).includes(id)) {
      bad(`suites[${index}].id: got ${JSON.stringify(id)}; expected one of ${SUITE_IDS.join(', ')}`)
    }
    const checks = (s as Record<string, unknown>).checks
    if (!Array.isArray(checks)) bad(`suites[${index}].checks: expected an array`)
    for (const [at, check] of (checks as unknown[]).entries()) {
      const c = (check ?? {}) as Record<string, unknown>
      if (typeof c.id !== 'string' || !STATUSES.includes(c.status as string)) {
        bad(`suites[${index}].checks[${at}]: expected an id and a status (${STATUSES.join(', ')})`)
      }
    }
  }
  const metrics = report.metrics as Record<string, unknown> | null
  if (typeof metrics !== 'object' || metrics === null) bad('metrics: expected an object')
  // Merging sums these: a forged or corrupted count would pass into the merged verdict.
  const count = (value: unknown, field: string): number =>
    isCount(value) ? value : bad(`${field}: got ${JSON.stringify(value)}; expected an integer >= 0`)
  const counts = metrics as Record<string, unknown>
  for (const field of [
    'messagesSent',
    'messagesReceived',
    'messagesLost',
    'reconnections',
    'errors'
  ]) {
    count(counts[field], `metrics.${field}`)
  }
  // A report merged alone keeps its metrics as they are (merge.ts): they must be figures a
  // run could have written, every one finite and >= 0, every rate within 0-1.
  saneFigures(metrics, 'metrics', bad)
  for (const field of ['latencyMs', 'connectTimeMs', 'recoveryTimeMs']) {
    const summary = counts[field]
    if (typeof summary !== 'object' || summary === null || Array.isArray(summary)) {
      bad(`metrics.${field}: expected an object of figures (ms)`)
    }
  }
  const heartbeat = counts.heartbeat as Record<string, unknown> | null
  if (typeof heartbeat !== 'object' || heartbeat === null) {
    bad('metrics.heartbeat: expected sent and received counts')
  }
  const pings = count(heartbeat?.sent, 'metrics.heartbeat.sent')
  const pongs = count(heartbeat?.received, 'metrics.heartbeat.received')
  if (pongs > pings) bad(`metrics.heartbeat: received ${pongs} is more than sent ${pings}`)
  const block = report.latencyHistogram as Record<string, unknown> | undefined
  if (block !== undefined) {
    if (typeof block !== 'object' || block === null) bad('latencyHistogram: expected an object')
    const windowMs = block.throughputWindowMs
    if (typeof windowMs !== 'number' || !Number.isFinite(windowMs) || windowMs < 0) {
      bad(`latencyHistogram.throughputWindowMs: got ${JSON.stringify(windowMs)}; expected ms >= 0`)
    }
    if (block.throughputAnswered !== undefined) {
      count(block.throughputAnswered, 'latencyHistogram.throughputAnswered')
    }
    const intact = count(block.intactReplies, 'latencyHistogram.intactReplies')
    const sent = counts.messagesSent as number
    if (intact > sent) {
      bad(`latencyHistogram.intactReplies: ${intact} is more than metrics.messagesSent ${sent}`)
    }
  }
  return json as RunReport
}

/** Throws through `bad` at the first number under `value` that no run writes. */
function saneFigures(value: unknown, path: string, bad: (what: string) => never): void {
  if (typeof value === 'number') {
    const rate = /Rate$/.test(path)
    if (!Number.isFinite(value) || value < 0 || (rate && value > 1)) {
      bad(`${path}: got ${value}; expected ${rate ? 'a rate from 0 to 1' : 'a finite number >= 0'}`)
    }
    return
  }
  if (typeof value !== 'object' || value === null) return
  for (const [key, child] of Object.entries(value)) saneFigures(child, `${path}.${key}`, bad)
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
}
