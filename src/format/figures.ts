/**
 * The one place numbers become words, for every sink (src/report/) and the
 * issues (src/github/) alike: rounding, units, check values and thresholds.
 * Plain text: a Markdown sink escapes with ./markdown.ts. A metric nobody
 * measured is `n/a`, never 0, so a reader cannot mistake "not measured" for
 * "perfect".
 */
import type { Threshold } from '../engine/model.js'

/** Shown for a metric that was not measured (null, NaN or infinite). */
export const NOT_AVAILABLE = 'n/a'

function measurable(value: number | null | undefined): value is number {
  return typeof value === 'number' && Number.isFinite(value)
}

/**
 * A plain number rounded to at most `digits` decimals, trailing zeros
 * dropped (`45.2`, `100`); `n/a` when not measured. Used for outputs,
 * which workflows compare numerically.
 */
export function formatNumber(value: number | null | undefined, digits = 2): string {
  if (!measurable(value)) return NOT_AVAILABLE
  const factor = 10 ** digits
  const rounded = Math.round(value * factor) / factor
  // -0 prints as "0"
  return String(rounded === 0 ? 0 : rounded)
}

/**
 * Decimals that keep about three significant figures for a trend's figures
 * (`512`, `41.3`, `2.57`): a baseline band reads at a glance, and a change
 * between runs still shows.
 */
export function trendDigits(value: number): number {
  const abs = Math.abs(value)
  return abs >= 100 ? 0 : abs >= 10 ? 1 : 2
}

/**
 * Milliseconds with their unit (`45.23 ms`); sub-millisecond values keep a
 * third decimal (`0.014 ms`) so a fast local service does not read as 0.01
 * everywhere; `n/a` when not measured.
 */
export function formatMs(value: number | null | undefined, digits = 2): string {
  if (!measurable(value)) return NOT_AVAILABLE
  return `${formatNumber(value, Math.abs(value) < 1 ? Math.max(digits, 3) : digits)} ms`
}

/** A run length: ms below one second, seconds above (`850 ms`, `12.3 s`). */
export function formatDuration(ms: number | null | undefined): string {
  if (!measurable(ms)) return NOT_AVAILABLE
  return ms < 1000 ? `${formatNumber(ms, 0)} ms` : `${formatNumber(ms / 1000, 1)} s`
}

/** A 0-1 ratio as a percentage (`98.5%`); `n/a` when not measured. */
export function formatPercent(ratio: number | null | undefined, digits = 1): string {
  return measurable(ratio) ? `${formatNumber(ratio * 100, digits)}%` : NOT_AVAILABLE
}

/** A relative change as a signed percentage (`+56%`, `-3.2%`, `0%`); `n/a` when not measured. */
export function formatChange(ratio: number | null | undefined, digits = 1): string {
  if (!measurable(ratio)) return NOT_AVAILABLE
  const text = formatPercent(ratio, digits)
  // A change that rounds to zero gets no sign.
  return ratio > 0 && text !== '0%' ? `+${text}` : text
}

/** Messages per second (`123.46 msgs/s`); `n/a` when not measured. */
export function formatThroughput(msgsPerSec: number | null | undefined, digits = 2): string {
  return measurable(msgsPerSec) ? `${formatNumber(msgsPerSec, digits)} msgs/s` : NOT_AVAILABLE
}

/** A health score (`92.5/100`). */
export function formatScore(score: number | null | undefined): string {
  return measurable(score) ? `${formatNumber(score, 1)}/100` : NOT_AVAILABLE
}

/** A value in a check's unit, for people (`520.4 ms`, `98.5%`, `yes`). */
export function formatValue(value: number | string | boolean | null, unit: string): string {
  if (value === null) return NOT_AVAILABLE
  if (typeof value === 'boolean') return value ? 'yes' : 'no'
  if (typeof value === 'string') return unit ? `${value} ${unit}` : value
  if (!Number.isFinite(value)) return NOT_AVAILABLE
  switch (unit) {
    case 'ratio':
      return formatPercent(value)
    case 'ms':
      return formatMs(value)
    case '':
    case 'count':
    case 'score':
      return formatNumber(value)
    default:
      return `${formatNumber(value)} ${unit}`
  }
}

/** Shown for a check that has no threshold. */
const NO_THRESHOLD = '—'

/** A threshold with its comparison (`< 500 ms`, `>= 95%`); `—` when the check has none. */
export function formatThreshold(threshold: Threshold | null, unit: string): string {
  if (threshold === null) return NO_THRESHOLD
  return `${threshold.op} ${formatValue(threshold.value, unit)}`
}

/** `3 runs`, `1 run`. */
export function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`
}
