/**
 * The only caller of core.getInput in the project: reads every declared
 * action input into raw settings. Empty inputs are left out so the config
 * file, environment and schema defaults apply.
 */
import * as core from '@actions/core'
import { parseHeaders } from './coerce.js'
import { FIELDS } from './fields.js'
import type { RawSettings } from './load.js'

/**
 * Reads the action inputs (`INPUT_*`) into RawSettings keyed by schema path.
 * Header values are registered as secrets so the runner masks them in logs.
 */
export function readActionInputs(): RawSettings {
  const raw: RawSettings = {}
  for (const spec of FIELDS) {
    // Reserved inputs (github_token) always carry a value; they are read by
    // the feature that uses them, once it exists.
    if (!spec.input || spec.stage === 'reserved') continue
    const value = core.getInput(spec.input)
    if (value === '') continue
    if (spec.kind === 'headers') maskHeaderValues(value)
    else if (spec.secret) core.setSecret(value)
    raw[spec.path] = value
  }
  return raw
}

function maskHeaderValues(text: string): void {
  const parsed = parseHeaders(text)
  if (!parsed.ok || typeof parsed.value !== 'object' || parsed.value === null) {
    // Unparseable: mask the whole text, the loader reports the problem.
    core.setSecret(text)
    return
  }
  for (const value of Object.values(parsed.value)) {
    if (typeof value === 'string' && value !== '') core.setSecret(value)
  }
}
