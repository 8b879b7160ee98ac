/**
 * The one egress scrubber: every configured secret is removed from whatever
 * text leaves the process, including text the service produced (a close
 * reason or reply that quotes the Authorization header, an error that
 * repeats the URL's token). redact.ts masks settings by name; this removes
 * the secret values themselves, wherever they turn up.
 */
import { isSecretParam, isSecretSetting, redactText } from './redact.js'
import type { Config } from './schema.js'

/** Secrets shorter than this are not scrubbed from free text: "ab" would shred every sentence. */
export const MIN_SCRUBBED_CHARS = 4

/**
 * Every secret value in `config`: header values, secret settings (the
 * GitHub token), and the user-info and secret-looking query values of every
 * URL setting, raw and percent-decoded.
 */
export function configSecrets(config: Pick<Config, 'headers'> & Partial<Config>): string[] {
  const found = new Set<string>()
  const add = (value: string): void => {
    if (value.length >= MIN_SCRUBBED_CHARS) found.add(value)
    const decoded = safeDecode(value)
    if (decoded.length >= MIN_SCRUBBED_CHARS) found.add(decoded)
  }
  for (const value of Object.values(config.headers)) {
    add(value)
    // "Bearer abc...": the credential alone may be quoted back without its scheme.
    const credential = /^\S+\s+(\S{4,})$/.exec(value.trim())?.[1]
    if (credential !== undefined) add(credential)
  }
  for (const [key, value] of Object.entries(config)) {
    if (typeof value !== 'string') continue
    if (isSecretSetting(key)) add(value)
    if (/^(wss?|https?):\/\//i.test(value)) urlSecrets(value).forEach(add)
  }
  // Longest first, so a secret that contains another is removed whole.
  return [...found].sort((a, b) => b.length - a.length)
}

function urlSecrets(text: string): string[] {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return []
  }
  const secrets = [url.password]
  for (const [name, value] of url.searchParams) if (isSecretParam(name)) secrets.push(value)
  return secrets.filter((value) => value !== '')
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value)
  } catch {
    return value
  }
}

/** `text` with URLs redacted and every one of `secrets` replaced by `***`. */
export function scrubText(text: string, secrets: readonly string[]): string {
  return redactText(text, secrets)
}

/** A copy of `value` (JSON-like: objects, arrays, strings, numbers) with every string scrubbed. */
export function scrubDeep<T>(value: T, secrets: readonly string[]): T {
  return scrubValue(value, secrets) as T
}

function scrubValue(value: unknown, secrets: readonly string[]): unknown {
  if (typeof value === 'string') return scrubText(value, secrets)
  if (Array.isArray(value)) {
    // Numeric arrays (histogram buckets) are the bulk of a report: keep them as they are.
    return value.every((item) => typeof item === 'number')
      ? value
      : value.map((item) => scrubValue(item, secrets))
  }
  if (typeof value !== 'object' || value === null) return value
  const out: Record<string, unknown> = {}
  for (const [key, child] of Object.entries(value)) out[key] = scrubValue(child, secrets)
  return out
}
