/**
 * Every workflow in examples/ is valid YAML with the shape GitHub Actions
 * expects, and every use of the action passes only inputs action.yml
 * declares and reads only outputs it declares, so a user who copies an
 * example gets a workflow that runs.
 */
import { describe, expect, it } from '@jest/globals'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'

const ROOT = process.cwd()
const EXAMPLES = join(ROOT, 'examples')
const ACTION_USES = /^[A-Za-z0-9_.-]+\/websocket-health-action@v\d+$/

type Json = Record<string, unknown>
interface Step {
  id?: string
  uses?: string
  run?: string
  with?: Record<string, unknown>
}
interface Job {
  'runs-on'?: unknown
  needs?: string | string[]
  outputs?: Record<string, string>
  permissions?: Json | string
  steps?: Step[]
  strategy?: { matrix?: Json }
}
interface Workflow {
  name?: string
  on: Json
  permissions?: Json | string
  jobs: Record<string, Job>
}

function loadYaml(path: string): unknown {
  // `uniqueKeys` and strict parsing: a duplicated key or bad indentation fails here, as on GitHub.
  return parse(readFileSync(path, 'utf8'), { uniqueKeys: true, strict: true, prettyErrors: true })
}

const action = loadYaml(join(ROOT, 'action.yml')) as { inputs: Json; outputs: Json }
const actionInputs = new Set(Object.keys(action.inputs ?? {}))
const actionOutputs = new Set(Object.keys(action.outputs ?? {}))

const files = readdirSync(EXAMPLES)
  .filter((f) => f.endsWith('.yml') || f.endsWith('.yaml'))
  .sort()
const workflows = new Map(files.map((f) => [f, loadYaml(join(EXAMPLES, f)) as Workflow]))

function needsOf(job: Job): string[] {
  return job.needs === undefined ? [] : Array.isArray(job.needs) ? job.needs : [job.needs]
}

function actionSteps(wf: Workflow): { job: string; step: Step }[] {
  return Object.entries(wf.jobs).flatMap(([job, j]) =>
    (j.steps ?? [])
      .filter((s) => s.uses !== undefined && ACTION_USES.test(s.uses))
      .map((step) => ({ job, step }))
  )
}

function canWriteIssues(wf: Workflow, job: Job): boolean {
  const perms = job.permissions ?? wf.permissions
  return (
    perms === 'write-all' ||
    (typeof perms === 'object' && perms !== null && perms.issues === 'write')
  )
}

/** `${{ ... }}` expression texts anywhere under `value`. */
function expressions(value: unknown): string[] {
  if (typeof value === 'string')
    return [...value.matchAll(/\$\{\{([\s\S]*?)\}\}/g)].map((m) => m[1] ?? '')
  if (Array.isArray(value)) return value.flatMap(expressions)
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(expressions)
  return []
}

/** What `gh workflow run FILE -f k=v ...` would send, checked against the workflow_dispatch inputs. */
function dispatchErrors(wf: Workflow, fields: Record<string, string>): string[] {
  const inputs = ((wf.on.workflow_dispatch as Json | null)?.inputs ?? {}) as Record<
    string,
    { type?: string }
  >
  return Object.entries(fields).flatMap(([key, value]) => {
    const input = inputs[key]
    if (!input) return [`no input ${key}`]
    if (input.type === 'number' && !/^-?\d+(\.\d+)?$/.test(value))
      return [`${key}=${value} is not a number`]
    if (input.type === 'boolean' && value !== 'true' && value !== 'false')
      return [`${key}=${value} is not a boolean`]
    return []
  })
}

describe('examples/', () => {
  it('has the example workflows and action.yml declares inputs and outputs', () => {
    expect(files).toEqual(
      expect.arrayContaining([
        'websocket-health-validation.yml',
        'per-suite-matrix.yml',
        'nightly-chaos.yml',
        'pull-request.yml'
      ])
    )
    expect(actionInputs.size).toBeGreaterThan(0)
    expect(actionOutputs.has('status')).toBe(true)
  })

  describe.each(files)('%s', (file) => {
    const wf = workflows.get(file)!

    it('has the shape of a workflow: triggers, jobs with runs-on and steps, known needs', () => {
      expect(typeof wf.name).toBe('string')
      expect(Object.keys(wf.on ?? {}).length).toBeGreaterThan(0)
      expect(Object.keys(wf.jobs ?? {}).length).toBeGreaterThan(0)
      for (const [id, job] of Object.entries(wf.jobs)) {
        expect([id, typeof job['runs-on']]).toEqual([id, 'string'])
        expect(Array.isArray(job.steps) && job.steps.length > 0).toBe(true)
        for (const step of job.steps ?? []) {
          // Exactly one of `uses` and `run`.
          expect([id, step.uses === undefined, step.run === undefined]).not.toEqual([
            id,
            true,
            true
          ])
          expect([id, step.uses !== undefined && step.run !== undefined]).toEqual([id, false])
        }
        for (const need of needsOf(job)) expect([id, need in wf.jobs]).toEqual([id, true])
      }
    })

    it('uses the action with inputs action.yml declares', () => {
      const uses = actionSteps(wf)
      expect(uses.length).toBeGreaterThan(0)
      for (const { job, step } of uses) {
        expect(step.uses).toMatch(/^org\/websocket-health-action@v1$/)
        for (const key of Object.keys(step.with ?? {})) {
          expect([job, key, actionInputs.has(key)]).toEqual([job, key, true])
        }
      }
    })

    it('reads only outputs that exist: the action via steps.<id>, jobs via needs.<job>', () => {
      for (const [jobId, job] of Object.entries(wf.jobs)) {
        const stepIds = new Map(
          (job.steps ?? []).filter((s) => s.id).map((s) => [s.id as string, s])
        )
        for (const expr of expressions(job)) {
          for (const [, stepId, output] of expr.matchAll(/steps\.([\w-]+)\.outputs\.([\w-]+)/g)) {
            const step = stepIds.get(stepId as string)
            expect([jobId, stepId, step !== undefined]).toEqual([jobId, stepId, true])
            if (step?.uses && ACTION_USES.test(step.uses)) {
              expect([jobId, output, actionOutputs.has(output as string)]).toEqual([
                jobId,
                output,
                true
              ])
            }
          }
          for (const [, needed, output] of expr.matchAll(/needs\.([\w-]+)\.outputs\.([\w-]+)/g)) {
            expect([jobId, needed, needsOf(job).includes(needed as string)]).toEqual([
              jobId,
              needed,
              true
            ])
            const outputs = Object.keys(wf.jobs[needed as string]?.outputs ?? {})
            expect([jobId, output, outputs.includes(output as string)]).toEqual([
              jobId,
              output,
              true
            ])
          }
          for (const [, input] of expr.matchAll(/\binputs\.([\w-]+)/g)) {
            const declared = ((wf.on.workflow_dispatch as Json | null)?.inputs ?? {}) as Json
            expect([jobId, input, (input as string) in declared]).toEqual([jobId, input, true])
          }
        }
      }
    })

    it('grants `issues: write` wherever the action may open an issue', () => {
      for (const { job, step } of actionSteps(wf)) {
        if (String(step.with?.create_issue ?? 'true') === 'false') continue
        expect([job, canWriteIssues(wf, wf.jobs[job]!)]).toEqual([job, true])
      }
    })
  })

  describe('websocket-health-validation.yml (the seed workflow)', () => {
    const wf = workflows.get('websocket-health-validation.yml')!

    it("has the seed's triggers", () => {
      expect((wf.on.push as Json).paths).toEqual([
        'backend/api/**/*websocket*.py',
        'frontend/**/*websocket*'
      ])
      expect(wf.on.schedule).toEqual([{ cron: '0 2 * * *' }])
      expect((wf.on.pull_request as Json).types).toEqual(['opened', 'synchronize', 'reopened'])
    })

    it("accepts the seed's gh workflow run commands", () => {
      expect(dispatchErrors(wf, {})).toEqual([])
      expect(
        dispatchErrors(wf, { test_duration: '600', connection_count: '50', stress_test: 'true' })
      ).toEqual([])
      expect(dispatchErrors(wf, { chaos_mode: 'true', test_duration: '300' })).toEqual([])
      // The check can fail: an unknown input or a wrong type is reported.
      expect(dispatchErrors(wf, { test_duration: 'ten', nope: '1' })).toEqual([
        'test_duration=ten is not a number',
        'no input nope'
      ])
    })

    it('maps each dispatch input to the action input of the same meaning', () => {
      const step = actionSteps(wf)[0]!.step
      const mapping: Record<string, string> = {
        duration: 'test_duration',
        connection_count: 'connection_count',
        chaos_mode: 'chaos_mode',
        stress_test: 'stress_test'
      }
      for (const [input, dispatch] of Object.entries(mapping)) {
        expect([input, String(step.with?.[input])]).toEqual([
          input,
          expect.stringContaining(`inputs.${dispatch}`)
        ])
      }
      expect(step.with?.server_command).toEqual(expect.any(String))
    })
  })

  it('together cover the matrix merge, server_command and a downstream gate on status and p95', () => {
    const all = [...workflows.values()]
    const steps = all.flatMap(actionSteps).map(({ step }) => step)
    expect(steps.some((s) => s.with?.merge_reports !== undefined)).toBe(true)
    expect(steps.some((s) => s.with?.server_command !== undefined)).toBe(true)
    expect(
      all.some((wf) => Object.values(wf.jobs).some((j) => j.strategy?.matrix !== undefined))
    ).toBe(true)
    const exprs = all.flatMap((wf) => expressions(wf.jobs))
    expect(exprs.some((e) => /needs\.[\w-]+\.outputs\.status/.test(e))).toBe(true)
    expect(exprs.some((e) => /needs\.[\w-]+\.outputs\.p95_latency_ms/.test(e))).toBe(true)
    const crons = all.flatMap((wf) =>
      ((wf.on.schedule as { cron: string }[] | undefined) ?? []).map((s) => s.cron)
    )
    expect(crons).toContain('0 2 * * *')
  })
})
