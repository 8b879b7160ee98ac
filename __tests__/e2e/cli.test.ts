/**
 * The CLI end to end in-process: src/cli.ts main() with real config loading,
 * the real engine and real sockets on 127.0.0.1 (reference server and the
 * faulty fixtures). dist/cli.js itself is exercised in dist.test.ts.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { EXIT, VERSION, main } from '../../src/cli.js'
import { startReferenceServer, type ReferenceServer } from '../../src/server/reference-server.js'
import { startRefusingServer } from '../fixtures/faulty-servers.js'
import { closedPortUrl, type TestServer } from '../fixtures/ws-server.js'
import { expectReportContract } from '../fixtures/report-contract.js'
import { captureIo } from './cli-io.js'

const QUICK = ['--duration', '1', '--suites', 'connection-lifecycle,message-delivery']

let dir = ''
let server: ReferenceServer | TestServer | undefined

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wsh-cli-'))
})

afterEach(async () => {
  await server?.close()
  server = undefined
})

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('ws-health run', () => {
  it('validates the reference server, prints the report and writes --report (exit 0)', async () => {
    server = await startReferenceServer()
    const io = captureIo()
    const reportPath = join(dir, 'nested', 'report.json')
    const code = await main(['run', '--url', server.url, ...QUICK, '--report', reportPath], io)
    expect(io.err()).toBe('')
    expect(code).toBe(EXIT.healthy)
    expect(io.out()).toContain('✅ Connection Lifecycle: PASSED')
    expect(io.out()).toContain('📊 Latency Statistics')
    expect(io.out()).toContain(`Report written to ${reportPath}`)
    const json = JSON.parse(await readFile(reportPath, 'utf8')) as Record<string, unknown>
    expectReportContract(json)
    expect(json.target).toBe(server.url)
    expect(json.status).toBe('passed')
  })

  it('fails a closed port with the reason (exit 1)', async () => {
    const url = await closedPortUrl()
    const io = captureIo()
    const code = await main(['run', '--url', url, ...QUICK], io)
    expect(code).toBe(EXIT.failed)
    expect(io.out()).toContain('❌ Connection Lifecycle: FAILED')
    expect(io.err()).toMatch(/^ws-health: FAILED .*refused/m)
  })

  it('an unwritable --report is exit 2 with the file system code, not a hang', async () => {
    const url = await closedPortUrl()
    const blocker = join(dir, 'a-file')
    await writeFile(blocker, 'x')
    const io = captureIo()
    const code = await main(
      ['run', '--url', url, ...QUICK, '--report', join(blocker, 'r.json')],
      io
    )
    expect(code).toBe(EXIT.usage)
    expect(io.err()).toMatch(/could not write --report .*a-file.*ENOTDIR/)
  })

  it('fails a service that refuses the upgrade with HTTP 503 (exit 1)', async () => {
    server = await startRefusingServer(503)
    const io = captureIo()
    const code = await main(['run', '--url', server.url, ...QUICK], io)
    expect(code).toBe(EXIT.failed)
    expect(io.out()).toContain('HTTP 503')
    expect(io.err()).toContain('HTTP 503')
  })

  it('lets --fail-on never keep a failed run at exit 0', async () => {
    const url = await closedPortUrl()
    const io = captureIo()
    expect(await main(['run', '--url', url, ...QUICK, '--fail-on', 'never'], io)).toBe(EXIT.healthy)
    expect(io.out()).toContain('Verdict: FAILED')
  })

  it('rejects a bad flag with one clear line and a usage hint (exit 2)', async () => {
    const io = captureIo()
    expect(await main(['run', '--url', 'ws://127.0.0.1:1/ws', '--bogus'], io)).toBe(EXIT.usage)
    const lines = io.err().trim().split('\n')
    expect(lines[0]).toMatch(/^ws-health: unknown option --bogus/)
    expect(lines[1]).toBe('Run "ws-health run --help" for usage.')
    expect(io.out()).toBe('')
  })

  it('rejects a bad value naming the field (exit 2)', async () => {
    const io = captureIo()
    expect(await main(['run', '--url', 'ws://127.0.0.1:1/ws', '--duration', 'ten'], io)).toBe(
      EXIT.usage
    )
    expect(io.err()).toMatch(/^ws-health: .*duration.*"ten"/)
  })

  it('without a URL discovers in the working directory and fails when nothing is found (exit 1)', async () => {
    const io = { ...captureIo(), cwd: dir }
    expect(await main(['run'], io)).toBe(EXIT.failed)
    expect(io.err()).toContain('ws-health: no WebSocket endpoint discovered')
    expect(io.err()).toContain('no candidate ports found')
    expect(io.out()).toBe('')
  })
})

describe('other commands', () => {
  it('prints usage for --help and the package version for --version', async () => {
    const help = captureIo()
    expect(await main(['--help'], help)).toBe(EXIT.healthy)
    expect(help.out()).toContain('ws-health run [--url URL]')
    const version = captureIo()
    expect(await main(['--version'], version)).toBe(EXIT.healthy)
    const pkg = JSON.parse(await readFile('package.json', 'utf8')) as { version: string }
    expect(VERSION).toBe(pkg.version)
    expect(version.out()).toBe(`ws-health ${pkg.version}\n`)
  })

  it('merge names a report file it cannot read (exit 2); __tests__/merge covers merging', async () => {
    const merge = captureIo()
    expect(await main(['merge', join(dir, 'absent.json')], merge)).toBe(EXIT.usage)
    expect(merge.err()).toMatch(/^ws-health: .*absent\.json: cannot read the report/)
  })

  it('serves the reference server, with session resume, until stopped', async () => {
    const io = captureIo()
    const serving = main(['serve', '--port', '0'], io)
    try {
      const url = await waitForUrl(io.out)
      const { default: WebSocket } = await import('ws')
      const client = new WebSocket(url)
      // serve enables resume, so the first message is the session greeting, then the echo.
      const [greeting, echoed] = await new Promise<string[]>((resolve, reject) => {
        const received: string[] = []
        client.once('open', () => client.send('hello'))
        client.on('message', (data) => {
          received.push(String(data))
          if (received.length === 2) resolve(received)
        })
        client.once('error', reject)
      })
      client.close()
      expect(JSON.parse(greeting!)).toMatchObject({ type: 'session', resumed: false })
      expect(echoed).toBe('hello')
    } finally {
      io.stopper.abort()
    }
    expect(await serving).toBe(EXIT.healthy)
  })
})

/** Polls captured stdout for the server URL; bounded by the test timeout and a count. */
async function waitForUrl(out: () => string): Promise<string> {
  for (let attempt = 0; attempt < 500; attempt++) {
    const match = /listening on (ws:\/\/\S+)/.exec(out())
    if (match?.[1]) return match[1]
    await new Promise((resolve) => setImmediate(resolve))
  }
  throw new Error(`no URL printed: ${out()}`)
}
