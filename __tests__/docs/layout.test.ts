/**
 * The layers of src/ (CONTRIBUTING.md, "Layout") hold: every folder of src/
 * is listed there and gets ESLint's per-folder import rule, and the rule
 * rejects an import that points up while letting one that points down pass.
 * A new folder missing from eslint.config.js's LAYERS would otherwise import
 * anything unchecked.
 */
import { beforeAll, describe, expect, it } from '@jest/globals'
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { ESLint } from 'eslint'

const ROOT = process.cwd()
const FOLDERS = readdirSync(join(ROOT, 'src'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)

/** Rule ids ESLint reported for `code` as if it were the file `filePath`. */
async function ruleIdsFor(eslint: ESLint, filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(ROOT, filePath) })
  return (result?.messages ?? []).map((message) => message.ruleId ?? message.message)
}

describe('the layers of src/', () => {
  let eslint: ESLint

  beforeAll(() => {
    eslint = new ESLint({ cwd: ROOT })
  })

  it('finds the folders of src/', () => {
    expect(FOLDERS).toEqual(expect.arrayContaining(['engine', 'run', 'suites', 'report', 'core']))
  })

  it('lists every folder of src/ in CONTRIBUTING.md\u2019s Layout table', () => {
    const contributing = readFileSync(join(ROOT, 'CONTRIBUTING.md'), 'utf8')
    const layout = contributing.slice(contributing.indexOf('## Layout'))
    const missing = FOLDERS.filter((folder) => !layout.includes(`\`src/${folder}/\``))
    expect(missing).toEqual([])
  })

  it('gives every folder of src/ an import rule', async () => {
    const unruled: string[] = []
    for (const folder of FOLDERS) {
      const config = (await eslint.calculateConfigForFile(join(ROOT, 'src', folder, 'x.ts'))) as {
        rules?: Record<string, unknown>
      }
      const rule = config.rules?.['no-restricted-imports']
      if (!Array.isArray(rule) || rule[0] === 0 || rule[0] === 'off') unruled.push(folder)
    }
    expect(unruled).toEqual([])
  })

  it('rejects an import that points up, types included', async () => {
    const runtime = "import { SUITES } from '../suites/registry.js'\nexport const all = SUITES\n"
    const typeOnly =
      "import type { RunReport } from '../engine/model.js'\nexport type R = RunReport\n"
    expect(await ruleIdsFor(eslint, 'src/engine/layer-probe.ts', runtime)).toContain(
      'no-restricted-imports'
    )
    expect(await ruleIdsFor(eslint, 'src/metrics/layer-probe.ts', typeOnly)).toContain(
      'no-restricted-imports'
    )
    // The shared top-level files sit below every folder.
    expect(
      await ruleIdsFor(eslint, 'src/errors.ts', "export { SUITE_IDS } from './core/suite-ids.js'\n")
    ).toContain('no-restricted-imports')
  })

  it('lets an import that points down pass', async () => {
    const down = "import { SUITES } from '../suites/registry.js'\nexport const all = SUITES\n"
    expect(await ruleIdsFor(eslint, 'src/run/layer-probe.ts', down)).not.toContain(
      'no-restricted-imports'
    )
  })

  it('keeps process.env to src/config/ and the entry points', async () => {
    const read = 'export const home = process.env.HOME\n'
    expect(await ruleIdsFor(eslint, 'src/engine/layer-probe.ts', read)).toContain(
      'no-restricted-properties'
    )
    expect(await ruleIdsFor(eslint, 'src/config/layer-probe.ts', read)).not.toContain(
      'no-restricted-properties'
    )
  })
})
