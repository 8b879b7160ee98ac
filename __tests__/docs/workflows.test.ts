/**
 * The repository's own workflows do what they claim: the self-test runs this
 * checkout of the action (`uses: ./`) on push and pull_request against the
 * reference server that `server_command` starts with a `serve` invocation the
 * CLI accepts, on the port of `url`, with inputs and outputs action.yml
 * declares; the release workflow's script, run in real git repositories,
 * moves the major tag to a published vX.Y.Z release and refuses other tags.
 */
import { afterEach, describe, expect, it } from '@jest/globals'
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parse } from 'yaml'
import { parseArgv } from '../../src/config/argv.js'

const ROOT = process.cwd()
/** Bound on every git or bash child: a hung process fails the test instead of the run. */
const CHILD_TIMEOUT_MS = 60_000

interface Step {
  id?: string
  uses?: string
  run?: string
  if?: string
  with?: Record<string, unknown>
  env?: Record<string, string>
}
interface Workflow {
  on: Record<string, unknown>
  permissions?: Record<string, string>
  jobs: Record<string, { 'runs-on': string; if?: string; steps: Step[] }>
}

function loadYaml(path: string): unknown {
  return parse(readFileSync(join(ROOT, path), 'utf8'), { uniqueKeys: true, strict: true })
}

const action = loadYaml('action.yml') as {
  inputs: Record<string, unknown>
  outputs: Record<string, unknown>
}
const selfTest = loadYaml('.github/workflows/self-test.yml') as Workflow
const release = loadYaml('.github/workflows/release.yml') as Workflow

function steps(workflow: Workflow): Step[] {
  return Object.values(workflow.jobs).flatMap((job) => job.steps)
}

describe('.github/workflows/self-test.yml', () => {
  const local = steps(selfTest).filter((step) => step.uses === './')

  it('runs on push and pull_request', () => {
    expect(Object.keys(selfTest.on).sort()).toEqual(['pull_request', 'push'])
  })

  it('runs this checkout of the action once, after checkout and setup-node (Node 20+)', () => {
    expect(local).toHaveLength(1)
    const uses = steps(selfTest).map((step) => step.uses ?? '')
    expect(uses.indexOf('actions/checkout@v7')).toBe(0)
    const setupNode = steps(selfTest).find((step) => step.uses === 'actions/setup-node@v7')
    expect(Number(setupNode?.with?.['node-version'])).toBeGreaterThanOrEqual(20)
    expect(uses.indexOf('actions/setup-node@v7')).toBeLessThan(uses.indexOf('./'))
  })

  it('sets only inputs that action.yml declares and reads only its outputs', () => {
    const inputs = Object.keys(local[0]?.with ?? {})
    expect(inputs).toEqual(expect.arrayContaining(['url', 'server_command']))
    for (const input of inputs) {
      expect({ input, declared: input in action.inputs }).toEqual({ input, declared: true })
    }
    const text = readFileSync(join(ROOT, '.github/workflows/self-test.yml'), 'utf8')
    const outputs = [...text.matchAll(/steps\.ws\.outputs\.([\w-]+)/g)].map((m) => m[1] ?? '')
    expect(outputs.length).toBeGreaterThan(0)
    for (const output of outputs) {
      expect({ output, declared: output in action.outputs }).toEqual({ output, declared: true })
    }
  })

  it("starts the reference server with a `serve` the CLI accepts, on url's loopback port", () => {
    const settings = local[0]?.with ?? {}
    const command = String(settings.server_command).split(/\s+/)
    // `node dist/cli.js` is the committed bundle package.json names as the ws-health binary.
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      bin: Record<string, string>
    }
    expect(command.slice(0, 2)).toEqual(['node', pkg.bin['ws-health']])
    const parsed = parseArgv(command.slice(2))
    expect(parsed.command).toBe('serve')
    const url = new URL(String(settings.url))
    expect(url.protocol).toBe('ws:')
    expect(url.hostname).toBe('127.0.0.1')
    expect(parsed.flags.port).toBe(Number(url.port))
  })
})

describe('.github/workflows/release.yml', () => {
  let scratch: string | undefined

  afterEach(() => {
    if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true })
    scratch = undefined
  })

  const moveStep = steps(release).find((step) => step.env?.TAG !== undefined)

  /** git with no user or system configuration, so the machine's settings cannot interfere. */
  function git(cwd: string, ...args: string[]): string {
    const result = spawnSync('git', args, {
      cwd,
      env: { ...gitEnv(), PATH: process.env.PATH ?? '' },
      encoding: 'utf8',
      timeout: CHILD_TIMEOUT_MS
    })
    expect({
      args,
      status: result.status,
      stderr: result.status === 0 ? '' : result.stderr
    }).toEqual({
      args,
      status: 0,
      stderr: ''
    })
    return result.stdout.trim()
  }

  function gitEnv(): Record<string, string> {
    return {
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_AUTHOR_NAME: 'test',
      GIT_AUTHOR_EMAIL: 'test@example.invalid',
      GIT_COMMITTER_NAME: 'test',
      GIT_COMMITTER_EMAIL: 'test@example.invalid'
    }
  }

  /** Runs the workflow's own script in `cwd` as the runner would, with TAG set. */
  function moveMajorTag(cwd: string, tag: string): { status: number | null; output: string } {
    const result = spawnSync('bash', ['-e', '-c', moveStep?.run ?? 'exit 99'], {
      cwd,
      env: { ...gitEnv(), PATH: process.env.PATH ?? '', TAG: tag },
      encoding: 'utf8',
      timeout: CHILD_TIMEOUT_MS
    })
    return { status: result.status, output: result.stdout + result.stderr }
  }

  /** A bare "origin" and a clone holding a release commit tagged `tag`, pushed. */
  function releaseCommit(clone: string, tag: string, withDist: boolean): string {
    writeFileSync(join(clone, 'CHANGES'), `${tag}\n`)
    if (withDist) writeFileSync(join(clone, 'dist', 'index.js'), `// ${tag}\n`)
    else rmSync(join(clone, 'dist', 'index.js'), { force: true })
    git(clone, 'add', '-A')
    git(clone, 'commit', '-q', '-m', tag)
    git(clone, 'tag', '-a', tag, '-m', tag)
    git(clone, 'push', '-q', 'origin', 'HEAD:refs/heads/main', `refs/tags/${tag}`)
    return git(clone, 'rev-parse', 'HEAD')
  }

  function originTag(origin: string, tag: string): string {
    const result = spawnSync(
      'git',
      ['rev-parse', '--verify', '--quiet', `refs/tags/${tag}^{commit}`],
      {
        cwd: origin,
        env: { ...gitEnv(), PATH: process.env.PATH ?? '' },
        encoding: 'utf8',
        timeout: CHILD_TIMEOUT_MS
      }
    )
    return result.stdout.trim()
  }

  it('runs when a release is published, not for pre-releases, and may push tags', () => {
    expect(release.on).toEqual({ release: { types: ['published'] } })
    expect(release.permissions).toEqual({ contents: 'write' })
    const job = Object.values(release.jobs)[0]
    expect(job?.if).toContain('!github.event.release.prerelease')
    const checkout = steps(release).find((step) => step.uses === 'actions/checkout@v7')
    expect(checkout?.with?.ref).toBe('${{ github.event.release.tag_name }}')
    expect(moveStep?.env?.TAG).toBe('${{ github.event.release.tag_name }}')
  })

  it('moves the major tag to each vX.Y.Z release and refuses other tags', () => {
    scratch = mkdtempSync(join(tmpdir(), 'ws-health-release-'))
    const origin = join(scratch, 'origin.git')
    const clone = join(scratch, 'clone')
    git(scratch, 'init', '-q', '--bare', origin)
    git(scratch, 'init', '-q', clone)
    git(clone, 'remote', 'add', 'origin', origin)
    mkdirSync(join(clone, 'dist'))

    const first = releaseCommit(clone, 'v1.2.3', true)
    const moved = moveMajorTag(clone, 'v1.2.3')
    expect(moved).toEqual({ status: 0, output: expect.stringContaining('moved v1 to v1.2.3') })
    expect(originTag(origin, 'v1')).toBe(first)

    // The next release moves the existing tag (a force push).
    const second = releaseCommit(clone, 'v1.3.0', true)
    expect(moveMajorTag(clone, 'v1.3.0').status).toBe(0)
    expect(originTag(origin, 'v1')).toBe(second)
    expect(originTag(origin, 'v2')).toBe('')

    // Not vX.Y.Z: refused with an annotation, v1 stays.
    const refused = moveMajorTag(clone, 'nightly')
    expect(refused.status).not.toBe(0)
    expect(refused.output).toContain("::error::release tag 'nightly' is not vMAJOR.MINOR.PATCH")
    expect(originTag(origin, 'v1')).toBe(second)

    // A release commit without the bundle would break every @v1 user: refused, v1 stays.
    releaseCommit(clone, 'v1.4.0', false)
    const noDist = moveMajorTag(clone, 'v1.4.0')
    expect(noDist.status).not.toBe(0)
    expect(noDist.output).toContain('::error::v1.4.0 has no dist/index.js')
    expect(originTag(origin, 'v1')).toBe(second)
  })
})
