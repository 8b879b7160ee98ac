/**
 * Messages for config-file keys that are known but not read where they were
 * written: a per-suite key under a suite that ignores it, or a key that gave
 * a setting in another unit. Each names what to write instead, because
 * "unknown key" alone would send the user looking for a typo.
 */
import { describeValue } from './format-issues.js'
import { FORMER_SECONDS_KEYS, SUITE_KEY_READERS } from './fields.js'

const SUITE_KEY = /^test_suites\.([^.]+)\.([^.]+)$/

/**
 * The problem with `fileKey` (dotted, relative to a settings block) holding
 * `value`, without the leading name, or undefined when the key is simply unknown.
 * @param allowedHere keys the enclosing block does accept, for the message
 */
export function misplacedKeyProblem(
  fileKey: string,
  value: unknown,
  allowedHere: readonly string[]
): string | undefined {
  const renamed = FORMER_SECONDS_KEYS.get(fileKey)
  if (renamed) {
    const newKey = renamed.file?.[0] ?? renamed.path
    const inMs = typeof value === 'number' && Number.isFinite(value) ? value * 1000 : undefined
    const example = inMs === undefined ? '' : ` (${String(value)} s = ${String(inMs)})`
    const oldKey = fileKey.split('.').pop() ?? fileKey
    return `got ${describeValue(value)}, but ${oldKey} (in seconds) is no longer read; set ${newKey} in milliseconds instead${example}`
  }
  const [, suite, key] = SUITE_KEY.exec(fileKey) ?? []
  const readers = key === undefined ? undefined : SUITE_KEY_READERS.get(key)
  if (suite === undefined || key === undefined || readers === undefined) return undefined
  const who = readers.length === 1 ? `only ${readers[0] ?? ''} does` : `${readers.join(', ')} do`
  return `got ${describeValue(value)}, but ${suite} does not read ${key}: ${who}; keys ${suite} accepts: ${allowedHere.join(', ')}`
}
