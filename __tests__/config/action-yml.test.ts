import { describe, it, expect } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse } from 'yaml'
import { FIELDS } from '../../src/config/fields.js'
import { ConfigSchema } from '../../src/config/schema.js'
import { DESIGN_OUTPUTS } from '../fixtures/design-outputs.js'

interface ActionYml {
  name: string
  description: string
  author: string
  branding: { icon: string; color: string }
  inputs: Record<string, { description: string; required?: boolean; default?: string }>
  outputs: Record<string, { description: string }>
  runs: { using: string; main: string }
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const action = parse(readFileSync(join(root, 'action.yml'), 'utf8')) as ActionYml
const defaults = ConfigSchema.parse({}) as unknown as Record<string, unknown>

function schemaDefault(path: string): unknown {
  let node: unknown = defaults
  for (const part of path.split('.')) node = (node as Record<string, unknown> | undefined)?.[part]
  return node
}

/** How a schema default is written as an input value. */
function asInput(value: unknown, path: string): string | undefined {
  if (value === undefined) return undefined
  if (path === 'suites') return 'all'
  if (Array.isArray(value)) return value.length === 0 ? undefined : value.join(',')
  if (typeof value === 'object')
    return Object.keys(value as object).length === 0 ? undefined : JSON.stringify(value)
  return String(value)
}

/** The default a description shows: "Default: `X`." or "Default: none ...". */
function shownDefault(description: string): string | undefined {
  const match = /Default: (?:`([^`]*)`|none)/.exec(description)
  expect(match).not.toBeNull()
  return match?.[1]
}

describe('action.yml', () => {
  it('runs on node24 from dist/index.js with branding', () => {
    expect(action.runs).toEqual({ using: 'node24', main: 'dist/index.js' })
    expect(action.branding).toEqual({ icon: 'activity', color: 'blue' })
    expect(action.name).toBeTruthy()
    expect(action.description).toBeTruthy()
    expect(action.author).toBeTruthy()
  })

  it('declares exactly the inputs of the config table, each with a description', () => {
    const declared = Object.keys(action.inputs).sort()
    const table = FIELDS.flatMap((spec) => (spec.input ? [spec.input] : [])).sort()
    expect(declared).toEqual(table)
    // Non-empty first: an every()/loop over nothing would pass vacuously.
    expect(Object.values(action.inputs).length).toBeGreaterThan(0)
    for (const input of Object.values(action.inputs))
      expect(input.description.length).toBeGreaterThan(10)
  })

  it('keeps to the inputs a workflow sets: at most 29, 30 with fail_on_regression (issue 19)', () => {
    const names = Object.keys(action.inputs)
    expect(names.filter((name) => name !== 'fail_on_regression').length).toBeLessThanOrEqual(29)
    expect(names.length).toBeLessThanOrEqual(30)
  })

  it('leaves every former input settable in the config file, under a key its error names', () => {
    const former = FIELDS.filter((spec) => (spec.formerInputs ?? []).length > 0)
    expect(former.length).toBeGreaterThanOrEqual(24)
    for (const spec of former) {
      for (const name of spec.formerInputs ?? []) {
        expect({ name, declared: name in action.inputs }).toEqual({ name, declared: false })
        expect({ name, input: spec.input, hasFileKey: (spec.file ?? []).length > 0 }).toEqual({
          name,
          input: undefined,
          hasFileKey: true
        })
      }
    }
  })

  it('shows the schema default for every implemented input', () => {
    for (const spec of FIELDS) {
      if (!spec.input || spec.stage) continue
      const shown = shownDefault(action.inputs[spec.input]?.description ?? '')
      expect({ input: spec.input, shown }).toEqual({
        input: spec.input,
        shown: asInput(schemaDefault(spec.path), spec.path)
      })
    }
  })

  it('gives read inputs no runner default, so env and config file still apply', () => {
    for (const spec of FIELDS) {
      // github_token's runner default is the workflow token (checked below).
      if (!spec.input || spec.stage === 'reserved' || spec.input === 'github_token') continue
      expect({ input: spec.input, default: action.inputs[spec.input]?.default }).toEqual({
        input: spec.input,
        default: undefined
      })
    }
    expect(action.inputs.github_token?.default).toBe('${{ github.token }}')
  })

  it('documents inputs of later releases as coming', () => {
    for (const spec of FIELDS) {
      if (spec.stage !== 'coming' || !spec.input) continue
      expect(action.inputs[spec.input]?.description).toContain(
        '(coming: not yet implemented; setting it is an error)'
      )
    }
  })

  it('declares every output of the DESIGN.md contract', () => {
    expect(Object.keys(action.outputs).sort()).toEqual([...DESIGN_OUTPUTS].sort())
  })
})
