/**
 * The failure issue and merge mode end to end through the committed bundle:
 * `node dist/index.js` as a runner starts it (INPUT_*, GITHUB_OUTPUT,
 * GITHUB_STEP_SUMMARY, GITHUB_* run context), with GITHUB_API_URL pointing
 * at the fake GitHub REST server. The token is a distinctive fake string
 * (not shaped like a GitHub token, so no pattern scrubbing can hide a leak)
 * and must appear nowhere a person could read it.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import { connect, createServer, type AddressInfo, type Socket } from 'node:net'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { main } from '../../src/cli.js'
import type { RunReport } from '../../src/engine/model.js'
import { startReferenceServer, type ReferenceServer } from '../../src/server/reference-server.js'
import { ACTION, BUILD_LIMIT_MS, ensureFreshDist } from '../fixtures/dist-build.js'
import { CHILD_LIMIT_MS, childEnv, parseOutputFile, runNode } from '../fixtures/dist-child.js'
import { startFakeGitHub, type FakeGitHub } from '../fixtures/fake-github.js'
import { closedPortUrl } from '../fixtures/ws-server.js'
import { captureIo } from './cli-io.js'

const TOKEN = 'wsh-e2e-fake-token-7Qz2Lx9Vb4'
const QUICK = { duration: '1', suites: 'connection-lifecycle,message-delivery' }

interface ActionRun {
  code: number | null
  stdout: string
  stderr: string
  outputs: Record<string, string>
  outputText: string
  summary: string
  reportText: string
}

let dir = ''
let counter = 0
let github: FakeGitHub | undefined
let server: ReferenceServer | undefined
let gate: Switch | undefined

beforeAll(ensureFreshDist, BUILD_LIMIT_MS)
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wsh-issue-dist-'))
})
afterEach(async () => {
  await gate?.close()
  gate = undefined
  await server?.close()
  server = undefined
})
afterAll(async () => {
  await github?.close()
  await rm(dir, { recursive: true, force: true })
})

interface Switch {
  url: string
  forwardTo(port: number): void
  close(): Promise<void>
}

/**
 * A TCP front on a port of its own: it resets every connection until
 * forwardTo(port) makes it pipe them to a real server, so one target URL can
 * fail and then recover without re-binding a port.
 */
async function startSwitch(): Promise<Switch> {
  let upstream: number | undefined
  const sockets = new Set<Socket>()
  const track = (socket: Socket): void => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
  }
  const front = createServer((socket) => {
    track(socket)
    if (upstream === undefined) {
      socket.resetAndDestroy()
      return
    }
    const back = connect(upstream, '127.0.0.1')
    track(back)
    back.on('error', () => socket.destroy())
    socket.on('error', () => back.destroy())
    socket.pipe(back).pipe(socket)
  })
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve))
  const { port } = front.address() as AddressInfo
  return {
    url: `ws://127.0.0.1:${port}/ws`,
    forwardTo: (to) => {
      upstream = to
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        front.close(() => resolve())
      })
  }
}

async function runAction(inputs: Record<string, string>, apiUrl: string): Promise<ActionRun> {
  const id = ++counter
  const outputFile = join(dir, `output-${id}.txt`)
  const summaryFile = join(dir, `summary-${id}.md`)
  const reportFile = join(dir, `report-${id}.json`)
  await writeFile(outputFile, '')
  await writeFile(summaryFile, '')
  const env = childEnv({
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    RUNNER_TEMP: dir,
    GITHUB_API_URL: apiUrl,
    GITHUB_REPOSITORY: 'octo-org/octo-repo',
    GITHUB_WORKFLOW: 'WebSocket health',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_RUN_ID: String(1000 + id),
    GITHUB_SHA: 'deadbeefcafe',
    GITHUB_REF_NAME: 'main',
    INPUT_GITHUB_TOKEN: TOKEN,
    INPUT_REPORT_PATH: reportFile
  })
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.toUpperCase()}`] = value
  const finished = await runNode(ACTION, [], env, dir)
  const outputText = await readFile(outputFile, 'utf8')
  return {
    ...finished,
    outputs: parseOutputFile(outputText),
    outputText,
    summary: await readFile(summaryFile, 'utf8'),
    reportText: await readFile(reportFile, 'utf8').catch(() => '')
  }
}

/**
 * The token appears nowhere readable. Its one legitimate appearance is the
 * `::add-mask::` command (core.setSecret), which the runner consumes and
 * never shows; it is also what makes the runner mask the token everywhere.
 */
function expectNoToken(run: ActionRun): void {
  const shown = run.stdout.split('\n').filter((line) => line.includes(TOKEN))
  expect(shown).toEqual([`::add-mask::${TOKEN}`])
  for (const text of [run.stderr, run.summary, run.outputText, run.reportText]) {
    expect(text).not.toContain(TOKEN)
  }
  expect(run.reportText).not.toBe('')
}

describe('failure issue through dist/index.js', () => {
  it(
    'opens one issue on the first failure, comments on the second, closes on recovery',
    async () => {
      github = await startFakeGitHub()
      // One address for all three runs (the issue is per target): down, down, then up.
      gate = await startSwitch()
      const target = gate.url

      const first = await runAction({ url: target, ...QUICK }, github.url)
      expect(first.code).toBe(1)
      expect(first.outputs.status).toBe('failed')
      expectNoToken(first)
      expect(github.issues).toHaveLength(1)
      const issue = github.issues[0]
      expect(issue?.labels).toEqual(['websocket-health'])
      expect(issue?.body).toMatch(/<!-- ws-health:key=[^>]+ -->/)
      expect(first.outputs.issue_number).toBe(String(issue?.number))
      expect(first.summary).toContain(
        `**Failure issue:** [#${issue?.number}](https://github.com/octo-org/octo-repo/issues/${issue?.number}) opened`
      )
      // Non-empty first: an every()/loop over nothing would pass vacuously.
      expect(github.requests.length).toBeGreaterThan(0)
      expect(github.requests.every((r) => r.authorization === `token ${TOKEN}`)).toBe(true)

      const created = github.writes().filter((r) => r.method === 'POST' && /\/issues$/.test(r.path))
      const second = await runAction({ url: target, ...QUICK }, github.url)
      expect(second.code).toBe(1)
      expectNoToken(second)
      expect(github.issues).toHaveLength(1)
      expect(
        github.writes().filter((r) => r.method === 'POST' && /\/issues$/.test(r.path))
      ).toEqual(created)
      expect(issue?.comments).toHaveLength(1)
      expect(issue?.state).toBe('open')
      expect(second.outputs.issue_number).toBe(String(issue?.number))

      // The same target now answers: the switch forwards to the reference server.
      server = await startReferenceServer()
      gate.forwardTo(server.port)
      const third = await runAction({ url: target, ...QUICK }, github.url)
      expect(third.code).toBe(0)
      expectNoToken(third)
      expect(third.outputs.status).toBe('passed')
      expect(issue?.state).toBe('closed')
      expect(issue?.comments).toHaveLength(2)
      expect(issue?.comments[1]?.body).toMatch(/recovered/i)
      expect(github.issues).toHaveLength(1)
      expect(third.summary).toContain('closed (recovered)')
    },
    3 * CHILD_LIMIT_MS
  )

  it(
    'a 403 on create warns about issues: write and keeps the exit code',
    async () => {
      const forbidden = await startFakeGitHub({ failure: 'forbidden-on-create' })
      try {
        const run = await runAction({ url: await closedPortUrl(), ...QUICK }, forbidden.url)
        expect(run.code).toBe(1)
        expect(run.outputs.status).toBe('failed')
        expect(run.outputs.issue_number).toBe('')
        expect(run.stdout).toMatch(/::warning::.*issues: write/)
        expect(run.stdout).toMatch(/::error::WebSocket health FAILED/)
        expectNoToken(run)
        expect(forbidden.issues).toHaveLength(0)
      } finally {
        await forbidden.close()
      }
    },
    CHILD_LIMIT_MS
  )
})

describe('merge_reports through dist/index.js', () => {
  it(
    'merges report files matched by a glob into one report and outputs',
    async () => {
      server = await startReferenceServer()
      await mkdir(join(dir, 'artifacts', 'job-a'), { recursive: true })
      await mkdir(join(dir, 'artifacts', 'job-b'), { recursive: true })
      const reports: RunReport[] = []
      for (const [job, suites] of [
        ['job-a', 'message-delivery'],
        ['job-b', 'connection-lifecycle']
      ] as const) {
        const path = join(dir, 'artifacts', job, 'ws-health-report.json')
        const io = captureIo()
        const code = await main(
          ['run', '--url', server.url, '--duration', '1', '--suites', suites, '--report', path],
          io
        )
        expect({ code, err: io.err() }).toEqual({ code: 0, err: '' })
        reports.push(JSON.parse(await readFile(path, 'utf8')) as RunReport)
      }
      const merging = await startFakeGitHub()
      try {
        const run = await runAction({ merge_reports: 'artifacts/**/*.json' }, merging.url)
        expect(run.stderr).toBe('')
        expect(run.code).toBe(0)
        expectNoToken(run)
        const merged = JSON.parse(run.reportText) as RunReport
        expect(merged.suites.map((s) => s.id)).toEqual(['connection-lifecycle', 'message-delivery'])
        expect(Number(run.outputs.messages_sent)).toBe(
          reports.reduce((total, r) => total + r.metrics.messagesSent, 0)
        )
        expect(run.outputs.connection_lifecycle_status).toBe('passed')
        expect(run.outputs.message_delivery_status).toBe('passed')
        expect(run.outputs.self_healing_status).toBe('not-run')
        // A passing merged run with no open issue touches nothing.
        expect(merging.writes()).toEqual([])
        expect(run.summary).toContain('Message Delivery')
      } finally {
        await merging.close()
      }
    },
    CHILD_LIMIT_MS
  )

  it(
    'a glob that matches nothing fails the step naming it',
    async () => {
      const none = await startFakeGitHub()
      try {
        const run = await runAction({ merge_reports: 'missing/*.json' }, none.url)
        expect(run.code).toBe(1)
        expect(run.stdout).toMatch(/::error::merge_reports: no file matches "missing\/\*\.json"/)
        expect(none.requests).toEqual([])
      } finally {
        await none.close()
      }
    },
    CHILD_LIMIT_MS
  )
})
