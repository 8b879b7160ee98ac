/**
 * docs/configuration.md's "Settings only in the config file" table lists
 * exactly the settings that left action.yml (src/config/fields.ts
 * formerInputs), with the config-file key and flag the field table gives
 * them, so the page a removed-input error sends users to is true.
 */
import { describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { FIELDS } from '../../src/config/fields.js'

const page = readFileSync(join(process.cwd(), 'docs', 'configuration.md'), 'utf8')

/** Cells of the table that follows the `### title` heading. */
function tableAfter(title: string): string[][] {
  const lines = page.split('\n')
  const start = lines.indexOf(`### ${title}`)
  expect({ title, found: start >= 0 }).toEqual({ title, found: true })
  const header = lines.findIndex((line, i) => i > start && line.startsWith('| '))
  const rows: string[][] = []
  for (const line of lines.slice(header + 2)) {
    if (!line.startsWith('|')) break
    rows.push(
      line
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((cell) => cell.trim())
    )
  }
  return rows
}

const quoted = (names: readonly string[]): string => names.map((name) => `\`${name}\``).join(', ')

describe('docs/configuration.md settings only in the config file', () => {
  const rows = tableAfter('Settings only in the config file')
  const former = FIELDS.filter((spec) => (spec.formerInputs ?? []).length > 0)

  it('has one row per former action input', () => {
    expect(rows.map((row) => row[2]).sort()).toEqual(
      former.map((spec) => quoted(spec.formerInputs ?? [])).sort()
    )
  })

  it('names the config-file keys and flag of src/config/fields.ts', () => {
    for (const row of rows) {
      const spec = former.find((field) => quoted(field.formerInputs ?? []) === row[2])
      expect({ input: row[2], file: row[0], flag: row[1] }).toEqual({
        input: row[2],
        file: quoted(spec?.file ?? []),
        flag: spec?.flag === undefined ? '' : `\`--${spec.flag}\``
      })
    }
  })
})
