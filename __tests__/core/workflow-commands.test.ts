/**
 * The action reads its inputs, masks its secrets and the CLI writes its
 * annotations without @actions/core (src/core/workflow-commands.ts): each
 * must write exactly what the real @actions/core writes for the same value,
 * escaping included, or the runner would read a different command.
 */
import { afterEach, describe, expect, it, jest } from '@jest/globals'
import * as core from '@actions/core'
import { EOL } from 'node:os'
import { maskSecret } from '../../src/core/workflow-commands.js'
import { readActionInputs } from '../../src/config/inputs.js'
import { annotationCommand } from '../../src/report/annotations.js'

/** Values a runner may hand over: escapes (%, CR, LF), property separators, spaces. */
const AWKWARD = [
  'plain',
  '100% sure',
  'line one\nline two',
  'carriage\r\nreturn',
  'key: value, other: thing',
  '%0A already escaped',
  '  padded  '
]

/** What `write` sends to stdout, as one string. */
function stdoutOf(write: () => void): string {
  const chunks: string[] = []
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    chunks.push(String(chunk))
    return true
  })
  try {
    write()
  } finally {
    spy.mockRestore()
  }
  return chunks.join('')
}

const saved = { ...process.env }
afterEach(() => {
  process.env = { ...saved }
})

describe('workflow commands as @actions/core writes them', () => {
  it.each(AWKWARD)('masks %j exactly as core.setSecret does', (secret) => {
    expect(stdoutOf(() => maskSecret(secret))).toBe(stdoutOf(() => core.setSecret(secret)))
  })

  it.each(AWKWARD)('writes the annotation for %j exactly as core.error does', (text) => {
    const title = `connection-lifecycle / ${text}`
    const ours = annotationCommand({ level: 'error', title, message: text })
    expect(`${ours}${EOL}`).toBe(stdoutOf(() => core.error(text, { title })))
  })

  it.each(AWKWARD)('reads input %j exactly as core.getInput does', (value) => {
    process.env.INPUT_URL = value
    process.env.INPUT_SERVER_COMMAND = value
    const raw = readActionInputs()
    // An input core reads as '' is left out, so schema defaults apply.
    expect(raw.url ?? '').toBe(core.getInput('url'))
    expect(raw.serverCommand ?? '').toBe(core.getInput('server_command'))
  })
})
