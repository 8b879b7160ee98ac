/**
 * No configured secret leaves the process, even when the service itself
 * quotes it back: a service that repeats the Authorization header and the
 * URL's token in its close reasons. Every artifact built from the report is
 * searched for both (issue 17 section 1).
 */
import { afterEach, describe, expect, it } from '@jest/globals'
import { isUtf8 } from 'node:buffer'
import type { WebSocket } from 'ws'
import { configSecrets, scrubText } from '../../src/config/scrub.js'
import { runHealthCheck } from '../../src/run/run.js'
import { buildIssueBody, buildIssueTitle } from '../../src/github/issue-body.js'
import { toHistoryRecord } from '../../src/history/record.js'
import { renderConsole } from '../../src/report/console.js'
import { toJsonReport } from '../../src/report/json.js'
import { toOutputs } from '../../src/report/outputs.js'
import { buildStepSummary } from '../../src/report/step-summary.js'
import { makeConfig } from '../fixtures/builders.js'
import { makeReport, makeReportCheck, makeSuiteResult } from '../fixtures/reports.js'
import { answer } from '../fixtures/faulty-servers.js'
import { startWsServer, type TestServer } from '../fixtures/ws-server.js'

const HEADER_SECRET = 'hdr-s3cr3t-4f9a'
const URL_TOKEN = 'tok-7c1e-9b2d'

/** Echoes; answers invalid UTF-8 with a close reason quoting the credentials it was sent. */
function startTattletaleServer(): Promise<TestServer> {
  const quoted = new WeakMap<WebSocket, string>()
  return startWsServer(
    () => (socket, data, isBinary) => {
      if (!isBinary && !isUtf8(data)) socket.close(1007, quoted.get(socket) ?? '')
      else answer(socket, data, isBinary)
    },
    { skipUTF8Validation: true },
    {
      onSocket: (socket, request) =>
        quoted.set(
          socket,
          `${request.headers.authorization ?? ''} ${request.url ?? ''}`.slice(0, 100)
        )
    }
  )
}

let server: TestServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

describe('secrets never leave, even quoted back by the service', () => {
  it('scrubs the header value and the URL token from every artifact', async () => {
    server = await startTattletaleServer()
    const report = await runHealthCheck(
      makeConfig({
        url: `${server.url}?token=${URL_TOKEN}`,
        duration: 1,
        suites: ['connection-lifecycle', 'message-delivery'],
        headers: { Authorization: `Bearer ${HEADER_SECRET}` }
      })
    )
    const probe = report.suites
      .flatMap((suite) => suite.checks)
      .find((check) => check.id === 'protocol-error-close')
    // The service did quote them: the reason is there, with the secrets taken out.
    expect(probe?.message).toContain('closed with 1007')
    expect(probe?.message).toContain('(*** /ws?token=***)')
    const run = {
      workflow: 'ci',
      runUrl: 'https://github.test/run/1',
      branch: 'main',
      commit: 'abc'
    }
    const artifacts = {
      json: JSON.stringify(toJsonReport(report)),
      console: renderConsole(report, { color: false }),
      summary: buildStepSummary(report),
      outputs: JSON.stringify(toOutputs(report)),
      issueTitle: buildIssueTitle('ci', report.target),
      issueBody: buildIssueBody(report, run, 'key'),
      history: JSON.stringify(toHistoryRecord(report))
    }
    for (const [name, text] of Object.entries(artifacts)) {
      expect({ name, leaks: text.includes(HEADER_SECRET) || text.includes(URL_TOKEN) }).toEqual({
        name,
        leaks: false
      })
    }
  })
})

describe('configSecrets', () => {
  it('collects header values, their credential, the token and URL secrets, raw and decoded', () => {
    const secrets = configSecrets({
      headers: { Authorization: 'Bearer abc%2Fdef-123', 'X-Short': 'ab' },
      githubToken: 'ghp_0123456789',
      url: 'wss://user:p%40ssw0rd@h.test/ws?api_key=k3y-value&room=lobby'
    })
    expect(secrets).toEqual(
      expect.arrayContaining([
        'Bearer abc%2Fdef-123',
        'abc%2Fdef-123',
        'abc/def-123',
        'ghp_0123456789',
        'p%40ssw0rd',
        'p@ssw0rd',
        'k3y-value'
      ])
    )
    // Too short to scrub from free text, and not secret.
    expect(secrets).not.toContain('ab')
    expect(secrets).not.toContain('lobby')
    expect(scrubText('token ghp_0123456789 and p@ssw0rd', secrets)).toBe('token *** and ***')
  })
})

describe('text the service controls renders as words in the step summary', () => {
  it('neutralises HTML, links, mentions and issue references in check messages', () => {
    const hostile =
      'closed with 1008 (<img src=x onerror=alert(1)> [click](https://evil.test) @octo-org/admins #12 | cell)'
    const report = makeReport({
      status: 'degraded',
      suites: [
        makeSuiteResult({
          status: 'degraded',
          checks: [makeReportCheck({ status: 'degraded', message: hostile })]
        })
      ]
    })
    const summary = buildStepSummary(report)
    const rows = summary.split('\n').filter((line) => line.includes('closed with 1008'))
    // Once in the grouped reasons at the top, once in the suite's table.
    expect(rows).toHaveLength(2)
    const reason = rows[0]!
    expect(reason).not.toContain('<img')
    expect(reason).not.toMatch(/(?<!\\)\]\(/)
    expect(reason).not.toMatch(/@octo-org/)
    expect(reason).not.toMatch(/#12\b/)
    const row = rows.find((line) => line.startsWith('| '))
    expect(row).toBeDefined()
    expect(row).not.toContain('<img')
    // An escaped bracket cannot open a link.
    expect(row).not.toMatch(/(?<!\\)\]\(/)
    expect(row).toContain('\\[click\\]')
    expect(row).not.toMatch(/@octo-org/)
    expect(row).not.toMatch(/#12\b/)
    // The row keeps its five cells: the pipe in the message is escaped.
    expect(row?.split(/(?<!\\)\|/).length).toBe(7)
    expect(row).toContain('onerror=alert(1)')
  })
})
