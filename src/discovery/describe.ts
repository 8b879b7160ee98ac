/**
 * Plain-text descriptions of a discovery result: the WSH_ERR_DISCOVERY error
 * text and the `ws-health discover` listing. Console colours and the step
 * summary belong to src/report/, which reads the structured result.
 */
import { HealthError } from '../errors.js'
import { ENV_PORT_VARIABLES } from './env.js'
import type { Candidate, DiscoveryResult, DiscoveryWarning, ProbeAttempt } from './types.js'

/** Lines listed before "... and N more", so an error stays readable. */
export const MAX_LISTED = 25

function listed<T>(items: T[], line: (item: T) => string): string[] {
  const lines = items.slice(0, MAX_LISTED).map((item) => `  ${line(item)}`)
  if (items.length > MAX_LISTED) lines.push(`  ... and ${items.length - MAX_LISTED} more`)
  return lines
}

export function describeCandidate(candidate: Candidate): string {
  const extra =
    candidate.sources.length > 1 ? ` (also ${candidate.sources.slice(1).join(', ')})` : ''
  const where = candidate.path === undefined ? '' : ` path ${candidate.path}`
  return `port ${candidate.port}${where} from ${candidate.source}${extra}`
}

export function describeAttempt(attempt: ProbeAttempt): string {
  const note = attempt.path === undefined && attempt.outcome !== 'skipped' ? ' (no path tried)' : ''
  return `${attempt.url} - ${attempt.reason}${note}`
}

export function describeWarning(warning: DiscoveryWarning): string {
  const where = warning.line === undefined ? warning.file : `${warning.file}:${warning.line}`
  return `${where}: ${warning.message}`
}

/** Every line `ws-health discover` prints, without colours. */
export function describeDiscovery(result: DiscoveryResult): string[] {
  const lines: string[] = [`Discovery in ${result.dir}`]
  lines.push(`Candidates (${result.candidates.length}, in probe order):`)
  lines.push(
    ...(result.candidates.length === 0 ? ['  none'] : listed(result.candidates, describeCandidate))
  )
  // Attempts cancelled because an earlier candidate won say nothing about the service.
  const tried =
    result.url === null
      ? result.attempts
      : result.attempts.filter((attempt) => attempt.outcome !== 'cancelled')
  lines.push(`Paths tried per port: ${result.paths.join(', ')}`)
  lines.push(`Attempts (${tried.length}):`)
  lines.push(...(tried.length === 0 ? ['  none'] : listed(tried, describeAttempt)))
  if (result.warnings.length > 0) {
    lines.push(`Warnings (${result.warnings.length}):`)
    lines.push(...listed(result.warnings, describeWarning))
  }
  lines.push(result.url === null ? 'No WebSocket endpoint found.' : `Chosen: ${result.url}`)
  return lines
}

/** The WSH_ERR_DISCOVERY message: what was looked at, what was tried and why each was rejected. */
export function describeDiscoveryFailure(result: DiscoveryResult): string {
  const lines: string[] = []
  if (result.candidates.length === 0) {
    lines.push(
      `no WebSocket endpoint discovered in ${result.dir}: no candidate ports found ` +
        `(looked at ${ENV_PORT_VARIABLES.join(', ')}, .env files, compose files, package.json scripts, ` +
        'framework configs, Procfile, Dockerfile and .github/websocket-test-config.json).'
    )
  } else {
    lines.push(
      `no WebSocket endpoint discovered in ${result.dir}: none of ${result.candidates.length} ` +
        `candidate port(s) accepted a WebSocket upgrade on 127.0.0.1/localhost.`
    )
    lines.push('Candidates:', ...listed(result.candidates, describeCandidate))
    // Nothing upgraded, so a cancelled attempt here was cut by the time limit or the caller.
    lines.push(`Tried (${result.attempts.length}):`, ...listed(result.attempts, describeAttempt))
  }
  if (result.warnings.length > 0) {
    lines.push('Warnings:', ...listed(result.warnings, describeWarning))
  }
  lines.push(
    'Start the service before the check (or use server_command), or set `url` / --url to skip discovery.'
  )
  return lines.join('\n')
}

/** A HealthError (WSH_ERR_DISCOVERY) carrying the structured result for the report layer. */
export type DiscoveryError = HealthError & { discovery: DiscoveryResult }

export function discoveryError(result: DiscoveryResult): DiscoveryError {
  const error = new HealthError(
    'WSH_ERR_DISCOVERY',
    describeDiscoveryFailure(result)
  ) as DiscoveryError
  error.discovery = result
  return error
}

/** The discovered URL, or throws the WSH_ERR_DISCOVERY error listing what was tried. */
export function requireDiscoveredUrl(result: DiscoveryResult): string {
  if (result.url === null) throw discoveryError(result)
  return result.url
}
