/**
 * The effective configuration as it appears in reports, with secrets
 * replaced: header values, token-like fields and credentials in the URL.
 */
import type { MetricValue } from '../engine/model.js'
import type { Config } from './schema.js'

export const REDACTED = '***'

/** Keys whose values are secrets wherever they appear. */
const SECRET_KEY = /token|secret|password|passwd|authorization|cookie|api[-_]?key|credential/i

/** JSON-safe copy of `config` with every secret value replaced by `***`. */
export function redactConfig(config: Config): Record<string, MetricValue> {
  const copy = toMetric(config, '') as Record<string, MetricValue>
  if (typeof config.url === 'string') copy.url = redactUrl(config.url)
  const headers: Record<string, MetricValue> = {}
  for (const name of Object.keys(config.headers)) headers[name] = REDACTED
  copy.headers = headers
  return copy
}

function toMetric(value: unknown, key: string): MetricValue | undefined {
  if (value === undefined || typeof value === 'function') return undefined
  if (key !== '' && SECRET_KEY.test(key) && value !== null && typeof value !== 'object') {
    return REDACTED
  }
  if (Array.isArray(value)) return value.map((item) => toMetric(item, '') ?? null)
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, MetricValue> = {}
    for (const [k, v] of Object.entries(value)) {
      const converted = toMetric(v, k)
      if (converted !== undefined) out[k] = converted
    }
    return out
  }
  if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') {
    return value
  }
  return value === null ? null : String(value)
}

/** Hides the password in userinfo and token-like query parameters. */
export function redactUrl(url: string): string {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return url
  }
  let changed = false
  if (parsed.password !== '') {
    parsed.password = REDACTED
    changed = true
  }
  for (const name of [...parsed.searchParams.keys()]) {
    if (SECRET_KEY.test(name) || /^(key|sig|signature|auth|access)$/i.test(name)) {
      parsed.searchParams.set(name, REDACTED)
      changed = true
    }
  }
  // Unchanged URLs keep their exact spelling (URL would add a trailing slash).
  return changed ? parsed.toString() : url
}
