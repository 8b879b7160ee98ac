/**
 * A service that prints the run's secrets (server_command output) must not
 * leak them through anything ws-health writes: its log file, the lines
 * quoted when it does not start, the JSON report, console, step summary and
 * outputs (issue 17 section 1: "quoted server_command output").
 */
import { afterEach, describe, expect, it } from '@jest/globals'
import { readFile, rm } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { runHealthCheck } from '../../src/run/run.js'
import type { RunReport } from '../../src/engine/model.js'
import { renderConsole } from '../../src/report/console.js'
import { toJsonReport } from '../../src/report/json.js'
import { toOutputs } from '../../src/report/outputs.js'
import { buildStepSummary } from '../../src/report/step-summary.js'
import { makeConfig } from '../fixtures/builders.js'
import { closedPort } from '../reconnect/servers.js'

/** The echo service server_command tests start (listens on $PORT). */
const FIXTURE = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  'fixtures',
  'service-fixture.mjs'
)
const HEADER_SECRET = 'hdr-s3cr3t-51e7'
const URL_TOKEN = 'tok-0a9f-33c4'
const PRINTS_SECRETS = `echo "booting with Bearer ${HEADER_SECRET} and token=${URL_TOKEN}"`

let logPath: string | undefined
afterEach(async () => {
  if (logPath) await rm(logPath, { force: true })
  logPath = undefined
})

async function runWithService(command: string, port: number): Promise<RunReport> {
  const report = await runHealthCheck(
    makeConfig({
      url: `ws://127.0.0.1:${port}/ws?token=${URL_TOKEN}`,
      duration: 1,
      suites: ['connection-lifecycle'],
      headers: { Authorization: `Bearer ${HEADER_SECRET}` },
      serverCommand: command,
      serverReadyTimeout: 20
    })
  )
  logPath = typeof report.service?.logPath === 'string' ? report.service.logPath : undefined
  return report
}

/** Every artifact built from the report, and the service's log file. */
async function artifacts(report: RunReport): Promise<Record<string, string>> {
  expect(logPath).toBeDefined()
  return {
    log: await readFile(logPath as string, 'utf8'),
    json: JSON.stringify(toJsonReport(report)),
    console: renderConsole(report, { color: false }),
    summary: buildStepSummary(report),
    outputs: JSON.stringify(toOutputs(report))
  }
}

function expectNoSecret(texts: Record<string, string>): void {
  for (const [name, text] of Object.entries(texts)) {
    expect({ name, leaks: text.includes(HEADER_SECRET) || text.includes(URL_TOKEN) }).toEqual({
      name,
      leaks: false
    })
  }
}

describe('server_command output is scrubbed of the run secrets', () => {
  it('in the log file of a service that started', async () => {
    const port = await closedPort()
    const report = await runWithService(
      `${PRINTS_SECRETS} && PORT=${port} "${process.execPath}" "${FIXTURE}"`,
      port
    )
    const texts = await artifacts(report)
    // The line was captured, with the secrets taken out.
    expect(texts.log).toContain('booting with *** and token=***')
    expect(texts.log).toContain(`fixture service listening on ${port}`)
    expectNoSecret(texts)
  }, 60_000)

  it('in the lines quoted when the service does not start', async () => {
    const port = await closedPort()
    const report = await runWithService(`${PRINTS_SECRETS}; exit 3`, port)
    const start = report.suites[0]?.checks.find((check) => check.id === 'server-start')
    expect(start?.code).toBe('WSH_ERR_SERVER_START')
    expect(start?.message).toContain('booting with *** and token=***')
    // The report has no service block for a service that never started; the message names its log.
    logPath = /output in (\S+\.log)/.exec(start?.message ?? '')?.[1]
    const texts = await artifacts(report)
    expect(texts.log).toContain('booting with *** and token=***')
    expectNoSecret(texts)
  }, 60_000)
})
