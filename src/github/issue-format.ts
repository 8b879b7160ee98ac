/**
 * Numbers and statuses as words for the failure issue. Kept here rather than
 * imported from src/report/ so the issue never depends on a sink (DESIGN.md:
 * src/github/ consumes the report model only). A value nobody measured is
 * `n/a`, never 0.
 */
import type { Check, Status, Threshold } from '../engine/model.js'
import { escapeMarkdown } from './markdown-escape.js'

export const NOT_MEASURED = 'n/a'

export const STATUS_ICON: Record<Status | 'cancelled', string> = {
  passed: '✅',
  degraded: '⚠️',
  failed: '❌',
  skipped: '⏭',
  'not-run': '⏹',
  cancelled: '🛑'
}

function finite(value: number | null | undefined): value is number {
  return typeof value === 'number' && Number.isFinite(value)
}

/** Rounded to at most `digits` decimals, trailing zeros dropped; `n/a` when not measured. */
export function num(value: number | null | undefined, digits = 2): string {
  if (!finite(value)) return NOT_MEASURED
  const factor = 10 ** digits
  const rounded = Math.round(value * factor) / factor
  return String(rounded === 0 ? 0 : rounded)
}

/** Milliseconds with the unit; `n/a` when not measured. */
export function ms(value: number | null | undefined): string {
  return finite(value) ? `${num(value)} ms` : NOT_MEASURED
}

/** A 0-1 ratio as a percentage; `n/a` when not measured. */
export function percent(ratio: number | null | undefined): string {
  return finite(ratio) ? `${num(ratio * 100, 1)}%` : NOT_MEASURED
}

/** A check value in its unit, escaped (string values may come from the service). */
export function checkValue(value: Check['value'], unit: string): string {
  if (value === null) return NOT_MEASURED
  if (typeof value === 'boolean') return value ? 'yes' : 'no'
  const safeUnit = escapeMarkdown(unit, 20)
  if (typeof value === 'string')
    return safeUnit ? `${escapeMarkdown(value, 100)} ${safeUnit}` : escapeMarkdown(value, 100)
  if (!Number.isFinite(value)) return NOT_MEASURED
  if (unit === 'ratio') return percent(value)
  return safeUnit ? `${num(value)} ${safeUnit}` : num(value)
}

/** `< 10000 ms`, or `none` for a check without a limit. */
export function thresholdText(threshold: Threshold | null, unit: string): string {
  if (threshold === null) return 'none'
  return `${threshold.op.replace('<', '&lt;').replace('>', '&gt;')} ${checkValue(threshold.value, unit)}`
}
