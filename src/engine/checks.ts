/**
 * Shared check evaluation, so every suite judges a measurement the same way:
 * compare it with its limit, apply the degraded margin, say why in one line.
 */
import { describeError, isHealthError, type ErrorCode } from '../errors.js'
import type { Check, Threshold, ThresholdOp } from './model.js'

export interface MeasureOptions {
  id: string
  title: string
  /** The measured value; null means nothing was measured (the check fails with `code`). */
  value: number | null
  unit: string
  op: ThresholdOp
  limit: number
  /**
   * A minor (non-critical) check that misses its limit is `degraded`, never
   * `failed`. A critical check missed by less than `margin` of its limit is
   * `degraded` too.
   */
  minor?: boolean
  /** Share of the limit (thresholds.degradedMargin, 0-1) within which a miss is only degraded. */
  margin?: number
  /** Error code recorded when the check fails or degrades. */
  code?: ErrorCode
  /** Extra context appended to the message (e.g. "3 of 50 probes timed out"). */
  detail?: string
  /** The rule in words when `op limit` alone misleads (see Threshold.text). */
  expectation?: string
  /**
   * A miss is a conformance finding (an RFC nit, not a health fault):
   * `degraded` with Check.conformance set, never `failed`.
   */
  conformance?: boolean
}

function withText(threshold: Threshold, text: string | undefined): Threshold {
  return text === undefined ? threshold : { ...threshold, text }
}

/**
 * Whether a check's value meets its threshold: null when it cannot be told
 * (no threshold, no value, or a non-numeric one). A check that passed while
 * this is false was judged by a rule its threshold does not show (e.g. an
 * absolute floor), so the threshold must not be shown as the reason.
 */
export function meetsThreshold(check: Pick<Check, 'value' | 'threshold'>): boolean | null {
  const { value, threshold } = check
  if (threshold === null || typeof value !== 'number' || typeof threshold.value !== 'number')
    return null
  return compare(value, threshold.op, threshold.value)
}

/**
 * The expectation shown for a check's threshold when `op value` misleads:
 * Threshold.text when set; "all" for an `== n/n` count whose expected value
 * was derived from what was measured; undefined when `op value` says it.
 */
export function expectationText(check: Pick<Check, 'threshold'>): string | undefined {
  const { threshold } = check
  if (threshold === null) return undefined
  if (threshold.text !== undefined) return threshold.text
  if (threshold.op === '==' && typeof threshold.value === 'string') {
    const parts = /^(\d+)\/(\d+)$/.exec(threshold.value)
    if (parts && parts[1] === parts[2]) return 'all'
  }
  return undefined
}

/** Whether `value op limit` holds. */
export function compare(value: number, op: ThresholdOp, limit: number): boolean {
  switch (op) {
    case '<':
      return value < limit
    case '<=':
      return value <= limit
    case '>':
      return value > limit
    case '>=':
      return value >= limit
    case '==':
      return value === limit
  }
}

/** Rounds for messages only (values in checks stay exact). */
function shown(value: number): string {
  return String(Math.round(value * 1000) / 1000)
}

/** Units that read better bare in a sentence ("0.95 ratio" reads worse than "0.95"). */
const SILENT_UNITS = new Set(['', 'ratio', 'count'])

function unitSuffix(unit: string): string {
  return SILENT_UNITS.has(unit) ? '' : ` ${unit}`
}

/**
 * A numeric check: passed when `value op limit` holds; otherwise degraded
 * (minor check, or a miss smaller than `margin * |limit|`) or failed.
 */
export function measure(options: MeasureOptions): Check {
  const { id, title, value, unit, op, limit } = options
  const margin = options.margin ?? 0
  if (!(margin >= 0 && margin <= 1)) {
    throw new RangeError(`measure: margin must be between 0 and 1, got ${margin}`)
  }
  const threshold = withText({ op, value: limit }, options.expectation)
  const extra = options.detail ? `; ${options.detail}` : ''
  if (value === null || !Number.isFinite(value)) {
    return {
      id,
      title,
      status: 'failed',
      value: null,
      unit,
      threshold,
      message: `not measured${extra}`,
      ...(options.code ? { code: options.code } : {})
    }
  }
  const needs = `needs ${op} ${shown(limit)}${unitSuffix(unit)}`
  const got = `${shown(value)}${unitSuffix(unit)}`
  if (compare(value, op, limit)) {
    return {
      id,
      title,
      status: 'passed',
      value,
      unit,
      threshold,
      message: `${got} (${needs})${extra}`
    }
  }
  const miss = Math.abs(value - limit)
  const withinMargin = op !== '==' && miss < margin * Math.abs(limit)
  const status = options.conformance || options.minor || withinMargin ? 'degraded' : 'failed'
  const why = options.conformance
    ? 'conformance finding'
    : options.minor
      ? 'non-critical check missed'
      : withinMargin
        ? 'missed within the degraded margin'
        : 'missed'
  return {
    id,
    title,
    status,
    value,
    unit,
    threshold,
    message: `${got}, ${needs} (${why})${extra}`,
    ...(options.code ? { code: options.code } : {}),
    ...(options.conformance ? { conformance: true as const } : {})
  }
}

export interface VerifyOptions {
  id: string
  title: string
  /** The observed outcome. */
  ok: boolean
  /** What was observed (shown as the check's value). */
  value: number | string | boolean
  unit?: string
  /** The expected value (threshold `==`); defaults to `true`. */
  expected?: number | string | boolean
  /** One line saying what was observed. */
  message: string
  minor?: boolean
  code?: ErrorCode
  /**
   * What was expected, in words, when `== expected` alone misleads: several
   * accepted values, or an expected value derived from the measurement
   * (see Threshold.text).
   */
  expectation?: string
  /** A miss is a conformance finding: `degraded` with Check.conformance set (see MeasureOptions). */
  conformance?: boolean
}

/**
 * A yes/no check (state sequence seen, close acknowledged, ...): passed, or
 * failed (degraded when minor; a conformance finding when `conformance`).
 */
export function verify(options: VerifyOptions): Check {
  const missed = options.minor || options.conformance ? 'degraded' : 'failed'
  const status = options.ok ? 'passed' : missed
  return {
    id: options.id,
    title: options.title,
    status,
    value: options.value,
    unit: options.unit ?? '',
    threshold: withText({ op: '==', value: options.expected ?? true }, options.expectation),
    message: options.message,
    ...(!options.ok && options.code ? { code: options.code } : {}),
    ...(!options.ok && options.conformance ? { conformance: true as const } : {})
  }
}

/** Whether a check is a conformance finding (an RFC nit reported apart from health). */
export function isConformanceFinding(check: Pick<Check, 'conformance' | 'status'>): boolean {
  return check.conformance === true && check.status !== 'passed' && check.status !== 'skipped'
}

/** A check that was not run, with the reason (e.g. the protocol cannot carry binary). */
export function skipped(id: string, title: string, reason: string): Check {
  return { id, title, status: 'skipped', value: null, unit: '', threshold: null, message: reason }
}

/**
 * A check that was never attempted because the service had already stopped
 * accepting connections; `cause` says when and why, once.
 */
export function notRun(id: string, title: string, cause: string): Check {
  return {
    id,
    title,
    status: 'not-run',
    value: null,
    unit: '',
    threshold: null,
    message: `not run: ${cause}`
  }
}

/** Code of a thrown value: its HealthError code, else WSH_ERR_INTERNAL. */
export function errorCode(error: unknown): ErrorCode {
  return isHealthError(error) ? error.code : 'WSH_ERR_INTERNAL'
}

/** A check that failed before anything could be measured; value null, code from the error. */
export function failedToMeasure(
  id: string,
  title: string,
  error: unknown,
  threshold: Check['threshold'] = null
): Check {
  return {
    id,
    title,
    status: 'failed',
    value: null,
    unit: '',
    threshold,
    message: describeError(error),
    code: errorCode(error)
  }
}
