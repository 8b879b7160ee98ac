/**
 * The effective configuration as it appears in reports, with secrets
 * replaced: header values, secret settings (githubToken, apiKey...) and
 * credentials in URLs. Settings that merely name a token-bearing field or
 * parameter (resumeTokenField, resumeName) keep their value: it is no secret.
 */
import type { MetricValue } from '../core/metric-value.js'
import type { Config } from './schema.js'

export const REDACTED = '***'

/** Keys whose values are secrets wherever they appear. */
const SECRET_KEY = /token|secret|password|passwd|authorization|cookie|api[-_]?key|credential/i
/**
 * Settings whose value NAMES something (a reply field, a parameter, a header,
 * a file) rather than holding it: `resumeTokenField: "token"` is no secret.
 */
const NAMING_KEY = /(field|name|param|header|path|file|kind|type|mode)$/i

/** True when the config setting `key` holds a secret value (githubToken, apiKey; not resumeTokenField). */
export function isSecretSetting(key: string): boolean {
  return SECRET_KEY.test(key) && !NAMING_KEY.test(key)
}

/** A ws/wss/http/https URL inside the config, whose query may carry credentials. */
const URL_VALUE = /^(wss?|https?):\/\//i

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
  if (key !== '' && isSecretSetting(key) && value !== null && typeof value !== 'object') {
    return REDACTED
  }
  // Any URL setting (not just `url`) may carry a token in its query or user-info.
  if (typeof value === 'string' && URL_VALUE.test(value)) return redactUrl(value)
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

/**
 * Query parameter (and header) names whose values are credentials in
 * practice. ONE list for every sink (reports, history, issues, connect
 * errors): substrings for the unambiguous words, whole names for the short
 * ones that would otherwise hit ordinary names. Over-redacting is harmless;
 * missing one leaks a secret.
 */
const SECRET_PARAM_PART =
  /token|secret|pass|auth|key|jwt|session|resume|cred|cookie|signature|bearer/i
const SECRET_PARAM_NAME = /^(sid|sig|code|access|ticket|nonce|otp|x-.*-token)$/i

/** True when a query parameter or header named `name` carries a secret. */
export function isSecretParam(name: string): boolean {
  return SECRET_PARAM_PART.test(name) || SECRET_PARAM_NAME.test(name)
}

export interface RedactUrlOptions {
  /**
   * Remove user-info entirely instead of masking the password (default false).
   * Issues use it: `***@host` would render as a mention.
   */
  dropUserinfo?: boolean
}

/**
 * The one redaction for URLs: the password in user-info becomes `***` (or
 * user-info is dropped) and every secret-looking query value (isSecretParam)
 * becomes `***`. A string that is not a URL comes back unchanged.
 */
export function redactUrl(url: string, options: RedactUrlOptions = {}): string {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return redactUnparsedUrl(url, options)
  }
  let changed = false
  if (options.dropUserinfo === true && (parsed.username !== '' || parsed.password !== '')) {
    parsed.username = ''
    parsed.password = ''
    changed = true
  } else if (parsed.password !== '') {
    parsed.password = REDACTED
    changed = true
  }
  for (const name of [...parsed.searchParams.keys()]) {
    if (isSecretParam(name)) {
      parsed.searchParams.set(name, REDACTED)
      changed = true
    }
  }
  // Unchanged URLs keep their exact spelling (URL would add a trailing slash).
  return changed ? parsed.toString() : url
}

/**
 * A URL that does not parse (a typo in the port, an unclosed bracket) can
 * still carry credentials: its user-info is masked whole and secret-looking
 * query values are replaced, by pattern.
 */
function redactUnparsedUrl(url: string, options: RedactUrlOptions): string {
  return url
    .replace(/^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)@/i, (_match, scheme: string) =>
      options.dropUserinfo === true ? scheme : `${scheme}${REDACTED}@`
    )
    .replace(/([?&])([^=&#]+)=([^&#]*)/g, (match, sep: string, name: string) =>
      isSecretParam(name) ? `${sep}${name}=${REDACTED}` : match
    )
}

/**
 * Replaces every URL inside free text (an error message, a close reason)
 * with its redacted form, and every occurrence of `secrets` (4+ chars) with `***`.
 */
export function redactText(text: string, secrets: readonly string[] = []): string {
  let out = text.replace(/\bwss?:\/\/[^\s'"<>]+|\bhttps?:\/\/[^\s'"<>]+/gi, (match) =>
    redactUrl(match)
  )
  for (const secret of secrets) {
    if (secret.length >= 4) out = out.split(secret).join(REDACTED)
  }
  return out
}
