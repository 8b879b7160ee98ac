/**
 * Property-based fuzzing (fast-check) of the two doors user input comes in
 * by: configuration loading and merge input. Whatever arrives, the only
 * thing that may come out besides a result is a HealthError with the
 * config or report code (exit 2), never a TypeError or a crash.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { FIELDS } from '../../src/config/fields.js'
import { loadConfig } from '../../src/config/load.js'
import { isHealthError } from '../../src/errors.js'
import { histogramOf } from '../../src/metrics/histogram.js'
import { mergeReports } from '../../src/report/merge.js'
import { parseReport } from '../../src/commands/report-files.js'
import { makeReport } from '../fixtures/reports.js'
import type { RunReport } from '../../src/engine/model.js'

/**
 * A fixed seed keeps CI reproducible; FUZZ_SEED and FUZZ_RUNS explore further
 * (FUZZ_RUNS=15000 passed for every property when this was written).
 */
function runs(numRuns: number): { numRuns: number; seed: number } {
  return {
    numRuns: Number(process.env.FUZZ_RUNS ?? numRuns),
    seed: Number(process.env.FUZZ_SEED ?? 20261203)
  }
}

/** Runs `fn`; true when it returned, the error's code when it threw a HealthError, else rethrows. */
function outcome(fn: () => unknown): true | string {
  try {
    fn()
    return true
  } catch (error) {
    if (isHealthError(error)) return error.code
    throw error
  }
}

const paths = FIELDS.map((field) => field.path)
const envNames = FIELDS.flatMap((field) => (field.env ? [field.env] : []))
/** Values as people mistype them: numbers in odd spellings, booleans, lists, JSON, control characters. */
const rawValue = fc.oneof(
  fc.string(),
  fc.constantFrom(
    '1e3',
    '-1',
    '0',
    '1.5',
    'NaN',
    'Infinity',
    'true',
    'yes',
    ' ',
    'all',
    '{}',
    '[]'
  ),
  fc.constantFrom('ws://[::1', 'ws://a:b@h:99999/x#f', 'wss://h/p?token=x', 'X: y\r\nZ: 1'),
  fc.integer().map(String),
  fc.double().map(String)
)

describe('configuration loading', () => {
  let dir = ''
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'wsh-fuzz-'))
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('returns a config or throws WSH_ERR_CONFIG for any inputs, flags and environment', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.constantFrom(...paths), rawValue, { maxKeys: 6 }),
        fc.dictionary(fc.constantFrom(...paths), rawValue, { maxKeys: 4 }),
        fc.dictionary(fc.constantFrom(...envNames), rawValue, { maxKeys: 4 }),
        (inputs, flags, env) => {
          const result = outcome(() => loadConfig({ inputs, flags, env, cwd: dir }))
          expect([true, 'WSH_ERR_CONFIG']).toContain(result)
        }
      ),
      runs(400)
    )
  })

  it('returns a config or throws WSH_ERR_CONFIG for any config file', () => {
    const file = join(dir, 'config.json')
    fc.assert(
      fc.property(
        fc.oneof(
          fc.jsonValue().map((value) => JSON.stringify(value)),
          fc
            .record({
              thresholds: fc.dictionary(fc.string(), fc.jsonValue()),
              test_suites: fc.dictionary(fc.string(), fc.jsonValue()),
              environments: fc.dictionary(fc.string(), fc.jsonValue())
            })
            .map((value) => JSON.stringify(value)),
          fc.string()
        ),
        (text) => {
          writeFileSync(file, text)
          const result = outcome(() =>
            loadConfig({ inputs: { configFile: file }, env: {}, cwd: dir })
          )
          expect([true, 'WSH_ERR_CONFIG']).toContain(result)
        }
      ),
      runs(300)
    )
  })
})

/** A valid report whose histograms agree with its metrics. */
function validReportJson(): Record<string, unknown> {
  const report = makeReport({
    latencyHistogram: {
      latencyMs: histogramOf([10, 20, 30]).toJSON(),
      connectTimeMs: histogramOf([5]).toJSON(),
      recoveryTimeMs: histogramOf([]).toJSON(),
      throughputWindowMs: 1000,
      intactReplies: 3
    }
  })
  return JSON.parse(JSON.stringify(report)) as Record<string, unknown>
}

/** Sets `value` at a random existing path of `json` (objects and arrays), in place. */
function setAt(json: unknown, steps: number[], value: unknown): void {
  let node = json
  for (const [depth, step] of steps.entries()) {
    if (typeof node !== 'object' || node === null) return
    const keys = Object.keys(node)
    if (keys.length === 0) return
    const key = keys[step % keys.length] as string
    const child = (node as Record<string, unknown>)[key]
    if (depth === steps.length - 1 || typeof child !== 'object' || child === null) {
      ;(node as Record<string, unknown>)[key] = value
      return
    }
    node = child
  }
}

/** Paths of numbers in `metrics` that no run could have measured. */
function insaneNumbers(value: unknown, path = 'metrics'): string[] {
  if (typeof value === 'number') {
    const rate = /Rate$/.test(path)
    const bad = !Number.isFinite(value) || value < 0 || (rate && value > 1)
    return bad ? [`${path}=${value}`] : []
  }
  if (typeof value !== 'object' || value === null) return []
  return Object.entries(value).flatMap(([key, child]) => insaneNumbers(child, `${path}.${key}`))
}

describe('merge input', () => {
  it('merges or throws WSH_ERR_REPORT for any forged field of a report', () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat(), { minLength: 1, maxLength: 6 }),
        fc.oneof(
          fc.jsonValue(),
          fc.constantFrom(-1, -0.5, 1e308, -1e308, 2 ** 53, 0.5, null, '', [], {})
        ),
        (steps, value) => {
          const json = validReportJson()
          setAt(json, steps, value)
          const text = JSON.stringify(json)
          let merged: RunReport | undefined
          const result = outcome(() => {
            merged = mergeReports([parseReport(text, 'forged.json')])
          })
          expect([true, 'WSH_ERR_REPORT']).toContain(result)
          // What merge accepts must be a report it could have written: no negative or
          // non-finite count, no rate outside 0-1.
          if (merged !== undefined) expect(insaneNumbers(merged.metrics)).toEqual([])
        }
      ),
      runs(600)
    )
  })
})
