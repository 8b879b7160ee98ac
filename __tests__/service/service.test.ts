import { describe, it, expect, afterEach } from '@jest/globals'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { openWsSocket } from '../../src/client/socket-opener.js'
import { HealthError } from '../../src/errors.js'
import { startService, type RunningService } from '../../src/engine/service.js'
import { closedPort, waitFor } from '../reconnect/servers.js'

const here = dirname(fileURLToPath(import.meta.url))
export const FIXTURE = join(here, '..', 'fixtures', 'service-fixture.mjs')

/** A server_command line that runs the fixture echo service on `port`. */
export function fixtureCommand(): string {
  return `"${process.execPath}" "${FIXTURE}"`
}

async function accepts(url: string): Promise<boolean> {
  try {
    const socket = await openWsSocket(url, {
      headers: {},
      subprotocols: [],
      handshakeTimeoutMs: 2000
    })
    socket.terminate()
    return true
  } catch {
    return false
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

describe('server_command lifecycle', () => {
  let service: RunningService | undefined
  let logDir: string
  afterEach(async () => {
    await service?.stop()
    service = undefined
    rmSync(logDir, { recursive: true, force: true })
  })

  async function start(
    env: Record<string, string>,
    command = fixtureCommand(),
    readyTimeoutMs = 10_000
  ) {
    const port = env.PORT ? Number(env.PORT) : await closedPort()
    logDir = mkdtempSync(join(tmpdir(), 'wsh-service-'))
    return {
      port,
      started: startService({
        command,
        url: `ws://127.0.0.1:${port}/ws`,
        readyTimeoutMs,
        env: { ...process.env, PORT: String(port), ...env },
        logDir,
        pollIntervalMs: 50,
        stopGraceMs: 2_000
      })
    }
  }

  it('starts the command, waits for a handshake, logs its output and stops it', async () => {
    const { port, started } = await start({ READY_DELAY_MS: '300' })
    service = await started
    expect(await accepts(`ws://127.0.0.1:${port}/`)).toBe(true)
    expect(service.readyMs).toBeGreaterThanOrEqual(300)
    await service.stop()
    expect(await accepts(`ws://127.0.0.1:${port}/`)).toBe(false)
    expect(readFileSync(service.logPath, 'utf8')).toContain(`fixture service listening on ${port}`)
    service = undefined
  })

  it('restarts the service after a SIGKILL and reports when it accepted again', async () => {
    const { port, started } = await start({})
    service = await started
    const { crashedAtMs, readyAtMs } = await service.restart()
    expect(readyAtMs).toBeGreaterThan(crashedAtMs)
    expect(service.restarts).toBe(1)
    expect(await accepts(`ws://127.0.0.1:${port}/`)).toBe(true)
    const log = readFileSync(service.logPath, 'utf8')
    expect(log.match(/listening on/g)).toHaveLength(2)
    expect(log).toContain('service killed (SIGKILL) and started again')
  })

  it('fails with WSH_ERR_SERVER_START and the last 20 output lines when never ready', async () => {
    const script =
      'for (let i = 1; i <= 25; i++) console.log("boot line " + i); setInterval(() => {}, 1000)'
    const { started } = await start({}, `"${process.execPath}" -e '${script}'`, 700)
    const error = await started.then(
      () => undefined,
      (e: unknown) => e
    )
    expect(error).toBeInstanceOf(HealthError)
    const { code, message } = error as HealthError
    expect(code).toBe('WSH_ERR_SERVER_START')
    expect(message).toContain(
      'did not accept a WebSocket handshake within 0.7 s (server_ready_timeout)'
    )
    expect(message).toContain('last 20 output lines')
    expect(message).toContain('boot line 25')
    expect(message).toContain('boot line 6')
    expect(message).not.toMatch(/boot line 5\b/)
  })

  it('fails at once with the exit code when the command exits', async () => {
    const { started } = await start(
      {},
      `"${process.execPath}" -e 'console.error("port in use"); process.exit(3)'`,
      10_000
    )
    const error = (await started.catch((e: unknown) => e)) as HealthError
    expect(error.code).toBe('WSH_ERR_SERVER_START')
    expect(error.message).toContain('exited with code 3')
    expect(error.message).toContain('port in use')
  })

  it('kills the whole process group on stop', async () => {
    const { started } = await start({}, `${fixtureCommand()} & echo "child $!"; wait`)
    service = await started
    const line = service.lastLines().find((l) => l.startsWith('child '))
    const pid = Number(line?.slice('child '.length))
    expect(alive(pid)).toBe(true)
    await service.stop()
    service = undefined
    // The shell's child gets the same SIGTERM; it is reaped a moment after the shell.
    await waitFor(() => !alive(pid), 5_000)
    expect(alive(pid)).toBe(false)
  })

  it('kills the group with SIGKILL when a child ignores SIGTERM and the shell exits', async () => {
    // The shell dies on SIGTERM at once; its child ignores SIGTERM and would be orphaned.
    const { started } = await start(
      { IGNORE_SIGTERM: '1' },
      `echo "shell $$"; ${fixtureCommand()} & echo "child $!"; wait`
    )
    service = await started
    const pidOf = (prefix: string): number =>
      Number(
        service
          ?.lastLines(50)
          .find((l) => l.startsWith(prefix))
          ?.slice(prefix.length)
      )
    const shell = pidOf('shell ')
    const child = pidOf('child ')
    expect(alive(child)).toBe(true)
    await service.stop()
    service = undefined
    // Orphans are reaped by init, a moment after the SIGKILL: bounded wait, no sleep.
    await waitFor(() => !alive(child), 5_000)
    expect(alive(child)).toBe(false)
    await waitFor(() => !alive(-shell), 5_000)
    expect(() => process.kill(-shell, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }))
  })
})
