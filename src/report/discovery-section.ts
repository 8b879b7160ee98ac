/**
 * Endpoint discovery in the step summary and the console: the candidates
 * found in the project, every probe attempt with why it was rejected, the
 * chosen URL and warnings about project files that could not be read.
 */
import { MAX_LISTED, describeDiscovery, describeWarning } from '../discovery/describe.js'
import { fromReportDiscovery } from '../discovery/resolve-target.js'
import type { DiscoveryResult, ProbeAttempt } from '../discovery/types.js'
import type { RunReport } from '../engine/model.js'
import { tableCell as cell, tableHead, tableRow } from '../format/markdown.js'

const OUTCOME_ICONS: Record<ProbeAttempt['outcome'], string> = {
  upgraded: '✅',
  rejected: '❌',
  refused: '❌',
  timeout: '⏱️',
  error: '❌',
  skipped: '⏭️',
  cancelled: '⏹️'
}

/** Attempts worth showing: cancelled ones say nothing once another candidate won. */
function shownAttempts(result: DiscoveryResult): ProbeAttempt[] {
  return result.url === null
    ? result.attempts
    : result.attempts.filter((attempt) => attempt.outcome !== 'cancelled')
}

/** Several attempts may upgrade in parallel; the documented order picks one. */
function verdictNote(result: DiscoveryResult, attempt: ProbeAttempt): string {
  if (attempt.outcome !== 'upgraded') return ''
  return attempt.url === result.url ? ' **(chosen)**' : ' (an earlier attempt in probe order won)'
}

function more(total: number): string[] {
  return total > MAX_LISTED ? [`_... and ${total - MAX_LISTED} more_`, ''] : []
}

/** Markdown lines for a discovery result (a `###` section). */
export function discoveryMarkdown(result: DiscoveryResult): string[] {
  const lines = ['### 🔎 Endpoint discovery', '']
  lines.push(
    result.url === null
      ? `**No WebSocket endpoint found** in \`${result.dir}\`.`
      : `Chosen \`${result.url}\` (no \`url\` was given; discovered in \`${result.dir}\`).`,
    ''
  )
  if (result.candidates.length === 0) {
    lines.push('No candidate ports were found in the environment or the project files.', '')
  } else {
    lines.push(...tableHead(['Candidate', 'Found in']))
    for (const candidate of result.candidates.slice(0, MAX_LISTED)) {
      const where = candidate.path === undefined ? '' : ` ${candidate.path}`
      lines.push(
        tableRow([`port ${candidate.port}${cell(where)}`, cell(candidate.sources.join(', '))])
      )
    }
    lines.push('', ...more(result.candidates.length))
  }
  const attempts = shownAttempts(result)
  if (attempts.length > 0) {
    lines.push(...tableHead(['Attempt', 'Source', 'Result']))
    for (const attempt of attempts.slice(0, MAX_LISTED)) {
      lines.push(
        tableRow([
          `\`${cell(attempt.url)}\``,
          cell(attempt.source),
          `${OUTCOME_ICONS[attempt.outcome]} ${cell(attempt.reason)}${verdictNote(result, attempt)}`
        ])
      )
    }
    lines.push('', ...more(attempts.length))
  }
  if (result.paths.length > 0) lines.push(`Paths tried per port: ${result.paths.join(', ')}`, '')
  if (result.warnings.length > 0) {
    lines.push('**Warnings** (files discovery could not use):', '')
    for (const warning of result.warnings.slice(0, MAX_LISTED)) {
      lines.push(`- ${cell(describeWarning(warning))}`)
    }
    lines.push('', ...more(result.warnings.length))
  }
  return lines
}

/** The discovery section of a report's step summary; empty when the run had a given url. */
export function discoverySummarySection(report: RunReport): string[] {
  const result = fromReportDiscovery(report.discovery)
  return result === null ? [] : discoveryMarkdown(result)
}

/** Console lines for a report's discovery; empty when the run had a given url. */
export function discoveryConsoleLines(report: RunReport): string[] {
  const result = fromReportDiscovery(report.discovery)
  if (result === null) return []
  return ['🔎 Endpoint discovery:', ...describeDiscovery(result).map((line) => `  ${line}`), '']
}

/** The step summary of a run that could not start because discovery found nothing. */
export function buildDiscoveryFailureSummary(result: DiscoveryResult): string {
  return [
    '## 📊 WebSocket Health Report',
    '',
    '**❌ The run did not start:** no `url` was given and discovery found no WebSocket endpoint (WSH_ERR_DISCOVERY).',
    '',
    ...discoveryMarkdown(result),
    'Start the service before the check (or use `server_command`), or set `url` to skip discovery.',
    ''
  ].join('\n')
}
