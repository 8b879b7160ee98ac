/**
 * The documentation stays true to the code: docs/inputs.md lists exactly what
 * action.yml declares (same names, same order, same defaults) with the flag /
 * env / file-key columns of the name table (src/config/fields.ts); every suite
 * check id and error code is documented in docs/; docs/cli.md shows usage()
 * verbatim; the example config file of docs/configuration.md loads; and the
 * README, the front door, starts with the set-up block, has a quick-start
 * workflow that only sets inputs action.yml declares, and a top-inputs table
 * whose names and defaults are action.yml's.
 */
import { describe, it, expect } from '@jest/globals'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parse } from 'yaml'
import { usage } from '../../src/config/argv.js'
import { FIELDS } from '../../src/config/fields.js'
import { loadConfig } from '../../src/config/load.js'
import { ERROR_CODES } from '../../src/errors.js'
import { SUITE_IDS } from '../../src/engine/model.js'
import { OUTPUT_NAMES } from '../../src/report/outputs.js'
import type { RunReport } from '../../src/engine/model.js'
import { buildStepSummary } from '../../src/report/step-summary.js'

interface ActionYml {
  inputs: Record<string, { description: string; default?: string }>
  outputs: Record<string, { description: string }>
}

const ROOT = process.cwd()
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')
const action = parse(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as ActionYml

/** A page of docs/. */
function doc(name: string): string {
  return readFileSync(join(ROOT, 'docs', name), 'utf8')
}

/** The lines of the `## title` section of `text`, up to the next `## ` heading. */
function section(text: string, title: string): string[] {
  const lines = text.split('\n')
  const start = lines.findIndex((line) => line === `## ${title}`)
  expect({ title, found: start >= 0 }).toEqual({ title, found: true })
  // A `## ` line inside a fenced block (the summary excerpt has one) is not a heading.
  let fenced = false
  const end = lines.findIndex((line, i) => {
    if (i <= start) return false
    if (line.startsWith('```')) fenced = !fenced
    return !fenced && line.startsWith('## ')
  })
  return lines.slice(start + 1, end < 0 ? undefined : end)
}

/** Rows of the first Markdown table in `lines` whose header starts with `firstHeader`, as cells. */
function table(lines: readonly string[], firstHeader: string): string[][] {
  const header = lines.findIndex((line) => line.startsWith(`| ${firstHeader} |`))
  expect({ firstHeader, found: header >= 0 }).toEqual({ firstHeader, found: true })
  const rows: string[][] = []
  for (const line of lines.slice(header + 2)) {
    if (!line.startsWith('|')) break
    // Split on unescaped pipes; `\|` stays inside a cell.
    rows.push(
      line
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((cell) => cell.trim())
    )
  }
  return rows
}

/** `` `name` `` -> name; '' stays ''. */
function unquote(cell: string): string {
  return cell.replace(/^`(.*)`$/, '$1')
}

/** The default action.yml shows for an input: its runner default, else "Default: `X`" / "Default: none". */
function actionDefault(name: string): string {
  const input = action.inputs[name]
  if (input?.default !== undefined) return `\`${input.default}\``
  const match = /Default: (?:`([^`]*)`|none)/.exec(input?.description ?? '')
  expect({ name, match: match !== null }).toEqual({ name, match: true })
  return match?.[1] === undefined ? 'none' : `\`${match[1]}\``
}

describe('docs/inputs.md inputs table', () => {
  const rows = table(section(doc('inputs.md'), 'Inputs'), 'Input')

  it('lists every action.yml input, in order, and nothing else', () => {
    expect(rows.map((row) => unquote(row[0] ?? ''))).toEqual(Object.keys(action.inputs))
  })

  it("shows action.yml's default for each input", () => {
    for (const row of rows) {
      const name = unquote(row[0] ?? '')
      expect({ name, default: row[4] }).toEqual({ name, default: actionDefault(name) })
    }
  })

  it('names the flag, environment variable and config-file keys of src/config/fields.ts', () => {
    for (const row of rows) {
      const name = unquote(row[0] ?? '')
      const spec = FIELDS.find((field) => field.input === name)
      expect({ name, flag: row[1], env: row[2], file: row[3] }).toEqual({
        name,
        flag: spec?.flag ? `\`--${spec.flag}\`` : '',
        env: spec?.env ? `\`${spec.env}\`` : '',
        file: (spec?.file ?? []).map((key) => `\`${key}\``).join(', ')
      })
    }
  })
})

describe('docs/inputs.md outputs table', () => {
  const rows = table(section(doc('inputs.md'), 'Outputs'), 'Output')

  it('lists every action.yml output, in order, and nothing else', () => {
    const names = rows.map((row) => unquote(row[0] ?? ''))
    expect(names).toEqual(Object.keys(action.outputs))
    expect(names).toEqual([...OUTPUT_NAMES])
  })
})

describe('README, the front door', () => {
  it('starts with the two set-up commands as its first code block', () => {
    const first = /```[a-z]*\n([\s\S]*?)```/.exec(readme)
    const commands = (first?.[1] ?? '')
      .split('\n')
      .map((line) => line.replace(/\s+#.*$/, '').trim())
      .filter((line) => line !== '')
    expect(commands).toEqual(['npm ci && npm run demo', 'npm ci && npm test'])
  })

  it("shows an excerpt of a real step summary: every line is the renderer's output for that run", () => {
    // The JSON report of a 10 s action run against `ws-health serve` (the demo's target).
    // When the summary's layout changes, re-render it and paste the new lines into the README.
    const report = JSON.parse(
      readFileSync(join(ROOT, '__tests__/fixtures/docs/reference-server-report.json'), 'utf8')
    ) as RunReport
    const rendered = new Set(buildStepSummary(report).split('\n'))
    const excerpt = /```markdown\n([\s\S]*?)```/.exec(section(readme, 'What you get').join('\n'))
    const lines = (excerpt?.[1] ?? '').split('\n').filter((line) => line !== '')
    expect(lines.length).toBeGreaterThan(10)
    expect(lines.filter((line) => !rendered.has(line))).toEqual([])
  })

  it('is at most 200 lines', () => {
    expect(readme.split('\n').length).toBeLessThanOrEqual(200)
  })

  it('has a quick-start workflow that sets up Node, installs the service first and sets only declared inputs', () => {
    const block = /```yaml\n([\s\S]*?)```/.exec(section(readme, 'Quick start').join('\n'))
    expect(block).not.toBeNull()
    const workflow = parse(block?.[1] ?? '', { uniqueKeys: true, strict: true }) as {
      jobs: Record<
        string,
        { steps: { uses?: string; run?: string; with?: Record<string, unknown> }[] }
      >
    }
    const steps = Object.values(workflow.jobs).flatMap((job) => job.steps)
    const uses = steps.map((step) => step.uses ?? '')
    const actionStep = uses.findIndex((name) => /\/websocket-health-action@v\d+$/.test(name))
    expect(uses.indexOf('actions/checkout@v7')).toBe(0)
    const setupNode = uses.indexOf('actions/setup-node@v7')
    expect(setupNode).toBeGreaterThan(0)
    expect(Number(steps[setupNode]?.with?.['node-version'])).toBeGreaterThanOrEqual(20)
    // The service's dependencies are installed after Node is set up and before the action starts it.
    const install = steps.findIndex((step) => /\bnpm ci\b/.test(step.run ?? ''))
    expect({ setupNode, install, actionStep }).toEqual({
      setupNode,
      install: setupNode + 1,
      actionStep: setupNode + 2
    })
    const inputs = Object.keys(steps[actionStep]?.with ?? {})
    expect(inputs).toContain('server_command')
    for (const input of inputs) {
      expect({ input, declared: input in action.inputs }).toEqual({ input, declared: true })
    }
  })

  it("lists ten top inputs with action.yml's defaults", () => {
    const rows = table(section(readme, 'The ten most used inputs'), 'Input')
    expect(rows).toHaveLength(10)
    for (const row of rows) {
      const name = unquote(row[0] ?? '')
      expect({ name, declared: name in action.inputs }).toEqual({ name, declared: true })
      expect({ name, default: row[1] }).toEqual({ name, default: actionDefault(name) })
    }
  })
})

describe('docs/ reference pages', () => {
  it('documents every error code of src/errors.ts', () => {
    const codes = table(doc('error-codes.md').split('\n'), 'Code').map((row) =>
      unquote(row[0] ?? '')
    )
    expect(codes).toEqual(Object.keys(ERROR_CODES))
  })

  it('shows usage() verbatim in docs/cli.md', () => {
    expect(section(doc('cli.md'), 'Usage').join('\n')).toContain(`\`\`\`\n${usage()}\n\`\`\``)
  })

  it('has a checks table for each of the six suites in docs/suites.md', () => {
    const suites = section(doc('suites.md'), 'The suites')
    for (const id of SUITE_IDS) {
      const heading = suites.indexOf(`### ${id}`)
      expect({ id, heading: heading >= 0 }).toEqual({ id, heading: true })
      expect(table(suites.slice(heading), 'Check').length).toBeGreaterThan(0)
    }
  })

  it('has an example config file in docs/configuration.md that loads, top level and every environment', () => {
    const example = /```json\n([\s\S]*?)```/.exec(doc('configuration.md'))
    expect(example).not.toBeNull()
    const text = example?.[1] ?? ''
    const environments = Object.keys(
      (JSON.parse(text) as { environments?: Record<string, unknown> }).environments ?? {}
    )
    expect(environments.length).toBeGreaterThan(0)
    const dir = mkdtempSync(join(tmpdir(), 'ws-health-readme-'))
    try {
      const file = join(dir, 'config.json')
      writeFileSync(file, text)
      const top = loadConfig({ flags: { configFile: file }, env: {}, cwd: dir })
      expect(top.thresholds.p99LatencyMs).toBe(900)
      expect(top.thresholds.successRate).toBe(0.99)
      expect(top.testSuites['heartbeat-monitoring']?.retryAttempts).toBe(1)
      for (const environment of environments) {
        expect(() =>
          loadConfig({ flags: { configFile: file, environment }, env: {}, cwd: dir })
        ).not.toThrow()
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
