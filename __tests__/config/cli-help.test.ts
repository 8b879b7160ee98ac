import { describe, expect, it } from '@jest/globals'
import { commandHelp, documentedFlags } from '../../src/cli-help.js'
import { COMMANDS, type CommandName } from '../../src/config/argv.js'

const NAMES = Object.keys(COMMANDS) as CommandName[]

describe('per-command help', () => {
  it('documents exactly the flags each command parses', () => {
    for (const command of NAMES) {
      expect({ command, flags: documentedFlags(command).sort() }).toEqual({
        command,
        flags: Object.keys(COMMANDS[command]).sort()
      })
    }
  })

  it('gives every flag a default and an example', () => {
    for (const command of NAMES) {
      const help = commandHelp(command)
      for (const flag of Object.keys(COMMANDS[command])) {
        expect(help).toMatch(new RegExp(`  --${flag}\\b.*\\n.*\\n      Default: .+\\. Example: `))
      }
    }
  })

  it('reads defaults from the config schema', () => {
    const run = commandHelp('run')
    expect(run).toMatch(/--max-connections N\n.*\n {6}Default: 1000\./)
    expect(run).toMatch(/--history-path P\n.*\n {6}Default: ws-health\/history\.jsonl\./)
    expect(run).toMatch(/--chaos\n.*\n {6}Default: off\./)
  })
})
