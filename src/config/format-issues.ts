/**
 * Formats zod issues as `<name>: expected <allowed>, got <value>` using the
 * name the user typed, so a message points at the line to change.
 */
import * as z from 'zod/mini'
import { ConfigSchema } from './schema.js'
import { BOOLEAN_WORDS } from './coerce.js'
import { redactText } from './redact.js'

export interface FormatIssueOptions {
  /** The name the user typed for a schema path; default: the path in snake_case. */
  nameOf?: (path: readonly PropertyKey[]) => string
  /** The value found at a path, shown after `got`. */
  valueAt?: (path: readonly PropertyKey[]) => unknown
  /**
   * For a field nothing set: the value a default supplied (a schema default, or
   * what a cross-field rule compared), shown as `got the default <value>`.
   */
  defaultAt?: (issue: z.core.$ZodIssue) => unknown
  /** Paths whose values must never be shown. */
  isSecret?: (path: readonly PropertyKey[]) => boolean
  /** Schema the issues came from, to describe what is allowed (default ConfigSchema). */
  schema?: z.ZodMiniType
}

/** One line per issue: `<name>: expected <allowed>, got <value>`. */
export function formatConfigIssues(
  issues: readonly z.core.$ZodIssue[],
  options: FormatIssueOptions = {}
): string[] {
  const nameOf = options.nameOf ?? defaultName
  return issues.map((issue) => {
    const name = nameOf(issue.path)
    if (issue.code === 'unrecognized_keys') {
      const where = issue.path.length > 0 ? `${name}: ` : ''
      return `${where}unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}`
    }
    const secret = options.isSecret?.(issue.path) ?? false
    const value = options.valueAt?.(issue.path)
    const fallback = value === undefined ? options.defaultAt?.(issue) : undefined
    // "got nothing" for a rule on a default value reads as if the key were required.
    const got =
      fallback === undefined
        ? describeValue(value, secret)
        : `the default ${describeValue(fallback, secret)}`
    const expected = describeIssue(issue, leafSchema(options.schema ?? ConfigSchema, issue.path))
    return `${name}: expected ${expected}, got ${got}`
  })
}

function defaultName(path: readonly PropertyKey[]): string {
  return path.map((part) => String(part).replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)).join('.')
}

/** Shows a value as the user would have typed it, shortened. */
export function describeValue(value: unknown, secret = false): string {
  if (value === undefined) return 'nothing'
  if (secret) return '"***"'
  // A URL (even one that does not parse) may carry credentials in its user-info or query.
  const text = typeof value === 'string' ? JSON.stringify(redactText(value)) : safeJson(value)
  return text.length > 80 ? `${text.slice(0, 77)}...` : text
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value)
  } catch {
    return String(value)
  }
}

function describeIssue(issue: z.core.$ZodIssue, schema: z.ZodMiniType | undefined): string {
  switch (issue.code) {
    case 'too_small':
      if (issue.origin === 'array') return `at least ${String(issue.minimum)} item(s)`
      if (issue.origin === 'string') return 'a non-empty string'
      return (
        smallRange(schema) ??
        `${numberNoun(schema)} ${issue.inclusive ? '>=' : '>'} ${String(issue.minimum)}`
      )
    case 'too_big':
      if (issue.origin === 'array') return `at most ${String(issue.maximum)} item(s)`
      if (issue.origin === 'string') return `at most ${String(issue.maximum)} characters`
      return (
        smallRange(schema) ??
        `${numberNoun(schema)} ${issue.inclusive ? '<=' : '<'} ${String(issue.maximum)}`
      )
    case 'invalid_value':
      return `one of ${issue.values.map(String).join(', ')}${isSuiteList(issue.path) ? ' (or all)' : ''}`
    case 'custom':
      return issue.message.replace(/^expected /, '')
    case 'invalid_key': {
      // A record key broke its own rule (a header name): say that rule, not "a string".
      const inner = issue.issues[0]
      return inner?.code === 'custom' ? inner.message : issue.message
    }
    default:
      return schema ? describeSchema(schema) : issue.message
  }
}

function isSuiteList(path: readonly PropertyKey[]): boolean {
  return path[0] === 'suites' && path.length === 2
}

/** The schema of the field at `path`, unwrapped from default/optional. */
function leafSchema(root: z.ZodMiniType, path: readonly PropertyKey[]): z.ZodMiniType | undefined {
  let schema: z.ZodMiniType | undefined = unwrap(root)
  for (const part of path) {
    if (schema instanceof z.ZodMiniObject)
      schema = unwrap(schema.shape[String(part)] as z.ZodMiniType)
    else if (schema instanceof z.ZodMiniArray) schema = unwrap(schema.def.element as z.ZodMiniType)
    else if (schema instanceof z.ZodMiniRecord)
      schema = unwrap(schema.def.valueType as z.ZodMiniType)
    else return undefined
    if (!schema) return undefined
  }
  return schema
}

function unwrap(schema: z.ZodMiniType | undefined): z.ZodMiniType | undefined {
  let current = schema
  while (current instanceof z.ZodMiniDefault || current instanceof z.ZodMiniOptional) {
    current = current.def.innerType as z.ZodMiniType
  }
  return current
}

interface Bound {
  value: number
  inclusive: boolean
}

function numberBounds(schema: z.ZodMiniNumber): { min?: Bound; max?: Bound } {
  const bounds: { min?: Bound; max?: Bound } = {}
  for (const check of schema.def.checks ?? []) {
    const def = check._zod.def as { check: string; value?: number; inclusive?: boolean }
    if (typeof def.value !== 'number') continue
    const bound = { value: def.value, inclusive: def.inclusive ?? true }
    if (def.check === 'greater_than') bounds.min = bound
    if (def.check === 'less_than') bounds.max = bound
  }
  return bounds
}

/** Whether a number schema only takes integers (an `int` format check, as z.int() adds). */
function isInteger(schema: z.ZodMiniNumber): boolean {
  return (schema.def.checks ?? []).some((check) => {
    const def = check._zod.def as { check: string; format?: string }
    return def.check === 'number_format' && (def.format ?? '').includes('int')
  })
}

function numberNoun(schema: z.ZodMiniType | undefined): string {
  return schema instanceof z.ZodMiniNumber && isInteger(schema) ? 'an integer' : 'a number'
}

/**
 * Small ranges (ratios, scores, attempts) are worth showing whole; large upper
 * bounds are sanity caps, reported only when a value exceeds them.
 */
function smallRange(schema: z.ZodMiniType | undefined): string | undefined {
  if (!(schema instanceof z.ZodMiniNumber)) return undefined
  const { min, max } = numberBounds(schema)
  if (!min?.inclusive || !max?.inclusive || max.value > 100) return undefined
  return `${numberNoun(schema)} from ${String(min.value)} to ${String(max.value)}`
}

function describeSchema(schema: z.ZodMiniType): string {
  if (schema instanceof z.ZodMiniNumber) {
    const { min, max } = numberBounds(schema)
    const noun = numberNoun(schema)
    const range = smallRange(schema)
    if (range) return range
    if (min) return `${noun} ${min.inclusive ? '>=' : '>'} ${String(min.value)}`
    if (max) return `${noun} ${max.inclusive ? '<=' : '<'} ${String(max.value)}`
    return noun
  }
  if (schema instanceof z.ZodMiniBoolean) return `a boolean (${BOOLEAN_WORDS})`
  if (schema instanceof z.ZodMiniEnum) return `one of ${schema.options.map(String).join(', ')}`
  if (schema instanceof z.ZodMiniArray) {
    const element = unwrap(schema.def.element as z.ZodMiniType)
    if (element instanceof z.ZodMiniEnum) {
      return `a comma-separated list of ${element.options.map(String).join(', ')}`
    }
    return 'a comma-separated list'
  }
  if (schema instanceof z.ZodMiniRecord) return 'an object of name/value strings'
  if (schema instanceof z.ZodMiniObject) return 'an object'
  if (schema instanceof z.ZodMiniString) return 'a string'
  return 'a valid value'
}
