/**
 * Annotations for a finished run: one error per failed check and one warning
 * per degraded one, titled `<suite> / <check>` (ids, as in the JSON report),
 * so GitHub shows what missed on the run's page without opening the log.
 * Checks of one suite that missed for one cause without measuring anything
 * (every check of a suite that could not connect) share one annotation:
 * GitHub keeps only ten of each level per step, and thirty copies of one
 * ECONNREFUSED would hide the rest.
 */
import { escapeCommandData, escapeCommandProperty } from '../core/workflow-commands.js'
import type { Check, RunReport } from '../engine/model.js'

export type AnnotationLevel = 'error' | 'warning'

export interface Annotation {
  level: AnnotationLevel
  /** `<suite id> / <check id>`, or `<suite id> / <id>, <id>` for one shared cause. */
  title: string
  /** The check's reason, with its error code when it has one. */
  message: string
}

const LEVEL: Partial<Record<Check['status'], AnnotationLevel>> = {
  failed: 'error',
  degraded: 'warning'
}

/**
 * True when two checks missed for one cause without measuring anything (same
 * status, message and code): they are read once, on one line or annotation.
 */
export function sameUnmeasuredCause(a: Check, b: Check): boolean {
  return (
    a.value === null &&
    b.value === null &&
    a.status === b.status &&
    a.message === b.message &&
    a.code === b.code
  )
}

/** The run's annotations, errors and warnings in report order. */
export function checkAnnotations(report: RunReport): Annotation[] {
  const annotations: Annotation[] = []
  for (const suite of report.suites) {
    const missed = suite.checks.filter((check) => LEVEL[check.status] !== undefined)
    let index = 0
    while (index < missed.length) {
      const first = missed[index] as Check
      let end = index + 1
      while (end < missed.length && sameUnmeasuredCause(first, missed[end] as Check)) end++
      const ids = missed.slice(index, end).map((check) => check.id)
      annotations.push({
        level: LEVEL[first.status] as AnnotationLevel,
        title: `${suite.id} / ${ids.join(', ')}`,
        message: first.code ? `${first.message} [${first.code}]` : first.message
      })
      index = end
    }
  }
  return annotations
}

/**
 * The line GitHub Actions reads as an annotation
 * (`::error title=<suite> / <check>::<reason>`), as @actions/core writes it.
 */
export function annotationCommand(annotation: Annotation): string {
  return `::${annotation.level} title=${escapeCommandProperty(annotation.title)}::${escapeCommandData(annotation.message)}`
}
