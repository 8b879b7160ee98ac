/**
 * Typed stand-ins for @actions/core, registered with jest.unstable_mockModule
 * before importing src/main.ts (as actions/typescript-action does). Inputs
 * still come from INPUT_* variables, exactly as the real getInput reads
 * them, so config code under test sees what a runner would give it.
 */
import { jest } from '@jest/globals'
import type * as core from '@actions/core'

function inputFromEnv(name: string, options?: core.InputOptions): string {
  const value = process.env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? ''
  if (options?.required && !value) throw new Error(`Input required and not supplied: ${name}`)
  return options?.trimWhitespace === false ? value : value.trim()
}

export const getInput = jest.fn<typeof core.getInput>(inputFromEnv)
export const getMultilineInput = jest.fn<typeof core.getMultilineInput>((name, options) =>
  inputFromEnv(name, options)
    .split('\n')
    .filter((line) => line !== '')
)
export const getBooleanInput = jest.fn<typeof core.getBooleanInput>((name, options) => {
  const value = inputFromEnv(name, options)
  if (['true', 'True', 'TRUE'].includes(value)) return true
  if (['false', 'False', 'FALSE'].includes(value)) return false
  throw new TypeError(`Input does not meet YAML 1.2 "Core Schema" specification: ${name}`)
})
export const setOutput = jest.fn<typeof core.setOutput>()
export const setFailed = jest.fn<typeof core.setFailed>()
export const setSecret = jest.fn<typeof core.setSecret>()
export const info = jest.fn<typeof core.info>()
export const debug = jest.fn<typeof core.debug>()
export const warning = jest.fn<typeof core.warning>()
export const error = jest.fn<typeof core.error>()
export const notice = jest.fn<typeof core.notice>()
export const isDebug = jest.fn<typeof core.isDebug>(() => false)
export const startGroup = jest.fn<typeof core.startGroup>()
export const endGroup = jest.fn<typeof core.endGroup>()

/** Records what would be written to the step summary. */
export const summaryWrites: string[] = []
let summaryBuffer = ''

export const summary = {
  addRaw: jest.fn((text: string, addEOL = false) => {
    summaryBuffer += addEOL ? `${text}\n` : text
    return summary
  }),
  write: jest.fn(async () => {
    summaryWrites.push(summaryBuffer)
    summaryBuffer = ''
    return summary
  }),
  emptyBuffer: jest.fn(() => {
    summaryBuffer = ''
    return summary
  }),
  stringify: jest.fn(() => summaryBuffer)
}

/** Clears recorded calls and summary writes between tests. */
export function resetCoreFixture(): void {
  summaryWrites.length = 0
  summaryBuffer = ''
  jest.clearAllMocks()
}
