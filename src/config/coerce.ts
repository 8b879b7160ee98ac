/**
 * Turns raw strings from inputs, flags and environment variables into the
 * types ConfigSchema expects. A string that does not convert is passed on
 * unchanged so the schema rejects it with the user's own value in the message.
 */
import { SUITE_IDS } from '../core/suite-ids.js'
import type { FieldKind } from './fields.js'

// Plain decimals only: `1e3` for a count or a duration is a typo more often than
// a number, so it is left as text and the schema names it with what is allowed.
const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)$/
const TRUE_WORDS = new Set(['true', '1', 'yes'])
const FALSE_WORDS = new Set(['false', '0', 'no'])

/** Words accepted for a boolean, for messages. */
export const BOOLEAN_WORDS = 'true, false, 1, 0, yes or no'

export type Coerced = { ok: true; value: unknown } | { ok: false; expected: string }

/** Converts one raw value for a field of `kind`; non-string values pass through. */
export function coerceValue(value: unknown, kind: FieldKind): Coerced {
  switch (kind) {
    case 'number':
      if (typeof value === 'string' && NUMBER.test(value.trim())) {
        return { ok: true, value: Number(value.trim()) }
      }
      return { ok: true, value }
    case 'boolean':
      return { ok: true, value: toBoolean(value) }
    case 'list':
      return { ok: true, value: typeof value === 'string' ? splitList(value) : value }
    case 'suites':
      return { ok: true, value: toSuites(value) }
    case 'headers':
      return typeof value === 'string' ? parseHeaders(value) : { ok: true, value }
    case 'string':
      return { ok: true, value }
  }
}

function toBoolean(value: unknown): unknown {
  if (typeof value === 'number' && (value === 0 || value === 1)) return value === 1
  if (typeof value !== 'string') return value
  const word = value.trim().toLowerCase()
  if (TRUE_WORDS.has(word)) return true
  if (FALSE_WORDS.has(word)) return false
  return value
}

/** Comma- or newline-separated list, trimmed, empties dropped. */
export function splitList(value: string): string[] {
  return value
    .split(/[,\n]/)
    .map((item) => item.trim())
    .filter((item) => item !== '')
}

function toSuites(value: unknown): unknown {
  const list = typeof value === 'string' ? splitList(value) : value
  if (Array.isArray(list) && list.length === 1 && String(list[0]).toLowerCase() === 'all') {
    return [...SUITE_IDS]
  }
  return list
}

/**
 * Headers as a JSON object (`{"Authorization":"Bearer x"}`) or as
 * `Name: value` lines. Messages never repeat the text: values are secrets.
 */
export function parseHeaders(text: string): Coerced {
  const trimmed = text.trim()
  if (trimmed.startsWith('{')) {
    try {
      const parsed: unknown = JSON.parse(trimmed)
      return { ok: true, value: parsed }
    } catch {
      return { ok: false, expected: 'a JSON object of strings or "Name: value" lines' }
    }
  }
  const headers: Record<string, string> = {}
  for (const line of trimmed.split('\n')) {
    if (line.trim() === '') continue
    const colon = line.indexOf(':')
    const name = colon > 0 ? line.slice(0, colon).trim() : ''
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) {
      return { ok: false, expected: 'a JSON object of strings or "Name: value" lines' }
    }
    headers[name] = line.slice(colon + 1).trim()
  }
  return { ok: true, value: headers }
}
