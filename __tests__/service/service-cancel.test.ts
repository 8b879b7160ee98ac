/**
 * SIGINT/SIGTERM while server_command is still starting (issue 17 section
 * 2): the run's signal reaches the start, the service's process group is
 * stopped, and the run resolves with a report marked cancelled, every suite
 * not-run, nothing failed.
 */
import { afterEach, describe, expect, it } from '@jest/globals'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runHealthCheck } from '../../src/run/run.js'
import { pause } from '../../src/engine/deadline.js'
import { CancelledError } from '../../src/stop-signal.js'
import { makeConfig } from '../fixtures/builders.js'
import { closedPort } from '../reconnect/servers.js'

/** Polls for the pid file the service writes once it runs: at most this many times, this far apart (ms). */
const PID_POLLS = 400
const PID_POLL_MS = 50

/** Running: it exists and is not a zombie waiting to be reaped (state Z in /proc, where there is one). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch {
    return false
  }
  const stat = `/proc/${pid}/stat`
  if (!existsSync(stat)) return true
  // Fields after the parenthesised command name: the first is the state.
  const state = readFileSync(stat, 'utf8')
    .replace(/^.*\) /s, '')
    .charAt(0)
  return state !== 'Z' && state !== 'X'
}

let dir = ''
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true })
  dir = ''
})

async function pidOf(file: string): Promise<number> {
  for (let poll = 0; poll < PID_POLLS; poll++) {
    if (existsSync(file)) {
      const pid = Number(readFileSync(file, 'utf8'))
      if (pid > 0) return pid
    }
    await pause(PID_POLL_MS)
  }
  throw new Error(`the service never wrote ${file}`)
}

describe('an interrupt while server_command starts', () => {
  it('stops the service and reports the run cancelled, every suite not-run', async () => {
    dir = mkdtempSync(join(tmpdir(), 'wsh-service-cancel-'))
    const pidFile = join(dir, 'pid')
    // Never listens: without the signal the run would wait server_ready_timeout (60 s).
    const script = `require("fs").writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); setInterval(() => undefined, 1000)`
    const port = await closedPort()
    const controller = new AbortController()
    const running = runHealthCheck(
      makeConfig({
        url: `ws://127.0.0.1:${port}/ws`,
        duration: 1,
        suites: ['connection-lifecycle', 'message-delivery'],
        serverCommand: `"${process.execPath}" -e '${script}'`,
        serverReadyTimeout: 60
      }),
      { signal: controller.signal, cwd: dir }
    )
    const pid = await pidOf(pidFile)
    expect(alive(pid)).toBe(true)
    controller.abort(new CancelledError('SIGTERM'))
    const report = await running
    // runHealthCheck resolves only after the service's group was stopped.
    expect(alive(pid)).toBe(false)
    expect(report.status).toBe('cancelled')
    expect(report.cancelled).toEqual({ signal: 'SIGTERM', reason: 'cancelled by SIGTERM' })
    expect(report.suites.map((suite) => suite.status)).toEqual(['not-run', 'not-run'])
    for (const check of report.suites.flatMap((suite) => suite.checks)) {
      expect(check).toMatchObject({ status: 'not-run', code: 'WSH_ERR_CANCELLED' })
    }
  }, 60_000)
})
