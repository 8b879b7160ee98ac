/**
 * The only reader of action inputs in the project: reads every declared
 * action input into raw settings. Empty inputs are left out so the config
 * file, environment and schema defaults apply. It reads `INPUT_*` and masks
 * secrets itself, exactly as core.getInput and core.setSecret do, so the
 * action reaches its first connection without loading @actions/core
 * (src/core/workflow-commands.ts says why).
 */
import { maskSecret } from '../core/workflow-commands.js'
import { HealthError } from '../errors.js'
import { parseHeaders } from './coerce.js'
import { FIELDS, FORMER_INPUTS, FILE_KEYS, type FieldSpec } from './fields.js'
import { describeValue } from './format-issues.js'
import type { RawSettings } from './load.js'

/**
 * Reads the action inputs (`INPUT_*`) into RawSettings keyed by schema path.
 * Header values are registered as secrets so the runner masks them in logs.
 * @throws HealthError WSH_ERR_CONFIG when the workflow passes an input
 *   action.yml does not declare (one line per input)
 */
export function readActionInputs(env: NodeJS.ProcessEnv = process.env): RawSettings {
  rejectUndeclaredInputs(env)
  const raw: RawSettings = {}
  for (const spec of FIELDS) {
    // Reserved inputs (github_token) always carry a value; they are read by
    // the feature that uses them, once it exists.
    if (!spec.input || spec.stage === 'reserved') continue
    const value = inputValue(env, spec.input)
    if (value === '') continue
    if (spec.kind === 'headers') maskHeaderValues(value)
    else if (spec.secret) maskSecret(value)
    if (spec.input === 'report_path' && value.trim() === STDOUT_REPORT) {
      // The CLI's `--report -` prints the report; a step has no stdout to hand it on.
      throw new HealthError(
        'WSH_ERR_CONFIG',
        'Invalid configuration: report_path: got "-"; expected a file path, or empty for ws-health-report.json in RUNNER_TEMP ("-", standard output, is for the CLI\'s --report)'
      )
    }
    raw[spec.path] = value
  }
  return raw
}

/** What `--report -` means to the CLI: the JSON report on standard output. */
const STDOUT_REPORT = '-'

function maskHeaderValues(text: string): void {
  const parsed = parseHeaders(text)
  if (!parsed.ok || typeof parsed.value !== 'object' || parsed.value === null) {
    // Unparseable: mask the whole text, the loader reports the problem.
    maskSecret(text)
    return
  }
  for (const value of Object.values(parsed.value)) {
    if (typeof value === 'string' && value !== '') maskSecret(value)
  }
}

const DECLARED_INPUTS = new Set(FIELDS.flatMap((spec) => (spec.input ? [spec.input] : [])))

/** `INPUT_<NAME>` as @actions/core derives it from an input name. */
function variableFor(input: string): string {
  return `INPUT_${input.replace(/ /g, '_').toUpperCase()}`
}

const DECLARED_VARIABLES = new Set([...DECLARED_INPUTS].map(variableFor))

/** An input as core.getInput(name) returns it: its variable, or '', trimmed. */
function inputValue(env: NodeJS.ProcessEnv, input: string): string {
  return (env[variableFor(input)] || '').trim()
}

/**
 * The runner only warns about an input action.yml does not declare and then
 * hands it over as INPUT_<NAME>, which nothing reads: a moved or misspelt
 * setting would silently fall back to its default. Fail instead, pointing a
 * moved input at its config-file key.
 */
function rejectUndeclaredInputs(env: NodeJS.ProcessEnv): void {
  const problems: string[] = []
  for (const [variable, value] of Object.entries(env)) {
    if (!variable.startsWith('INPUT_') || DECLARED_VARIABLES.has(variable)) continue
    if (value === undefined || value === '') continue
    problems.push(undeclaredInputProblem(variable.slice('INPUT_'.length).toLowerCase(), value))
  }
  if (problems.length === 0) return
  const head =
    problems.length === 1
      ? 'Invalid configuration: '
      : `Invalid configuration (${String(problems.length)} problems):\n  `
  throw new HealthError('WSH_ERR_CONFIG', head + problems.join('\n  '))
}

/** A setting that lives in the config file under the name a workflow used as an input. */
function movedSetting(name: string): FieldSpec | undefined {
  const spec = FORMER_INPUTS.get(name) ?? FILE_KEYS.get(name) ?? FILE_KEYS.get(`thresholds.${name}`)
  return spec?.input === undefined ? spec : undefined
}

function undeclaredInputProblem(name: string, value: string): string {
  const spec = movedSetting(name)
  // An input we know nothing about may be anyone's token: never echo it.
  const got = describeValue(value, spec === undefined || spec.secret === true)
  if (spec?.file?.[0] !== undefined) {
    const flag = spec.flag === undefined ? '' : ` (CLI: --${spec.flag})`
    const was = FORMER_INPUTS.has(name) ? 'is no longer' : 'is not'
    return `${name}: got ${got}, but ${name} ${was} an action input; set it in the config file as ${spec.file[0]}${flag}`
  }
  return `${name}: got ${got}, but this action has no input ${name}; inputs: ${[...DECLARED_INPUTS].join(', ')}`
}
