/**
 * The service under test, when ws-health starts it (`server_command`):
 * spawned through a shell in its own process group, ready once it accepts
 * a WebSocket handshake at the target URL, output captured to a log file,
 * stopped with SIGTERM then SIGKILL. The self-healing suite crashes and
 * restarts it through `restart()`.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createWriteStream, type WriteStream } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openWsSocket, type OpenSocket } from '../client/socket-opener.js'
import { HealthError, describeError } from '../errors.js'
import { systemClock, type Clock } from '../metrics/clock.js'
import type { ServiceControl } from '../suites/types.js'

export const SERVICE_DEFAULTS = Object.freeze({
  // The seed's budget for a service to come up in CI (server_ready_timeout).
  readyTimeoutMs: 30_000,
  // Four handshake attempts a second: quick to notice readiness, light on a booting service.
  pollIntervalMs: 250,
  // Each readiness handshake is bounded so a half-open port cannot stall the poll.
  probeTimeoutMs: 2_000,
  // Time a service gets to shut down cleanly after SIGTERM before SIGKILL.
  stopGraceMs: 5_000,
  // Lines of output quoted when the service fails to start.
  tailLines: 20
})

/** Output lines kept in memory for error messages (the log file has everything). */
const KEPT_LINES = 200

export interface ServiceOptions {
  /** Shell command line (run with the platform shell). */
  command: string
  /** ws:// URL that must accept a handshake once the service is ready. */
  url: string
  /** Default 30000 ms. */
  readyTimeoutMs?: number
  cwd?: string
  env?: NodeJS.ProcessEnv
  /** Directory of the log file (default RUNNER_TEMP, else the OS temp directory). */
  logDir?: string
  /** Handshake headers and subprotocols for the readiness probe (e.g. auth). */
  headers?: Record<string, string>
  subprotocols?: string[]
  clock?: Clock
  /** Default 250 ms. */
  pollIntervalMs?: number
  /** Default 5000 ms. */
  stopGraceMs?: number
  open?: OpenSocket
}

export interface RunningService extends ServiceControl {
  /** File holding the service's stdout and stderr (every start appended). */
  readonly logPath: string
  /** Ms from the first spawn until it accepted a handshake. */
  readonly readyMs: number
  /** Times restart() ran. */
  readonly restarts: number
  /** Last `count` output lines (default 20). */
  lastLines(count?: number): string[]
  /** SIGTERM to the process group, SIGKILL after stopGraceMs; resolves when it exited. */
  stop(): Promise<void>
}

function positive(name: string, value: number): void {
  if (!Number.isFinite(value) || value <= 0) {
    throw new RangeError(`${name}: got ${value}; expected ms > 0`)
  }
}

/**
 * Starts `command` and resolves once `url` accepts a WebSocket handshake.
 * Rejects with HealthError WSH_ERR_SERVER_START (the service is stopped,
 * the message quotes its last output lines) when it exits or is not ready
 * within readyTimeoutMs.
 */
export async function startService(options: ServiceOptions): Promise<RunningService> {
  const readyTimeoutMs = options.readyTimeoutMs ?? SERVICE_DEFAULTS.readyTimeoutMs
  const pollIntervalMs = options.pollIntervalMs ?? SERVICE_DEFAULTS.pollIntervalMs
  const stopGraceMs = options.stopGraceMs ?? SERVICE_DEFAULTS.stopGraceMs
  positive('readyTimeoutMs', readyTimeoutMs)
  positive('pollIntervalMs', pollIntervalMs)
  positive('stopGraceMs', stopGraceMs)
  if (options.command.trim() === '') {
    throw new HealthError('WSH_ERR_CONFIG', 'server_command: got an empty command')
  }
  const clock = options.clock ?? systemClock
  const open = options.open ?? openWsSocket
  const dir = options.logDir ?? (process.env.RUNNER_TEMP || tmpdir())
  const logPath = join(dir, `ws-health-server-${randomBytes(4).toString('hex')}.log`)
  const log: WriteStream = createWriteStream(logPath, { flags: 'a' })
  log.on('error', () => undefined) // a full disk must not crash the run; lines stay in memory
  const lines: string[] = []
  let partial = ''
  let child: ChildProcess | undefined
  let exited: Promise<void> = Promise.resolve()
  let exitInfo: string | undefined
  let restarts = 0

  const capture = (chunk: Buffer): void => {
    log.write(chunk)
    const text = partial + chunk.toString('utf8')
    const parts = text.split(/\r?\n/)
    partial = parts.pop() ?? ''
    lines.push(...parts)
    if (partial.length > 4096) {
      lines.push(partial)
      partial = ''
    }
    if (lines.length > KEPT_LINES) lines.splice(0, lines.length - KEPT_LINES)
  }
  const lastLines = (count = SERVICE_DEFAULTS.tailLines): string[] =>
    [...lines, ...(partial ? [partial] : [])].slice(-count)

  function spawnOnce(): void {
    exitInfo = undefined
    const proc = spawn(options.command, {
      shell: true,
      cwd: options.cwd,
      env: options.env ?? process.env,
      // Its own process group, so stop() and restart() reach the shell's children too.
      detached: process.platform !== 'win32',
      stdio: ['ignore', 'pipe', 'pipe']
    })
    child = proc
    proc.stdout?.on('data', capture)
    proc.stderr?.on('data', capture)
    exited = new Promise<void>((resolve) => {
      // A late event from an earlier process must not mark the current one as gone.
      proc.once('error', (error) => {
        if (child === proc) exitInfo = `could not be spawned: ${describeError(error)}`
        resolve()
      })
      proc.once('exit', (code, signal) => {
        if (child === proc)
          exitInfo = signal ? `was killed by ${signal}` : `exited with code ${code}`
        resolve()
      })
    })
  }

  function signalGroup(signal: NodeJS.Signals): void {
    const pid = child?.pid
    if (pid === undefined || exitInfo !== undefined) return
    try {
      if (process.platform === 'win32') child?.kill(signal)
      else process.kill(-pid, signal)
    } catch {
      // Already gone.
    }
  }

  async function waitExit(ms: number): Promise<boolean> {
    const timer = new AbortController()
    const gone = await Promise.race([
      exited.then(() => true),
      clock.sleep(ms, timer.signal).then(
        () => false,
        () => false
      )
    ])
    timer.abort()
    return gone
  }

  async function stop(): Promise<void> {
    if (child && exitInfo === undefined) {
      signalGroup('SIGTERM')
      if (!(await waitExit(stopGraceMs))) {
        signalGroup('SIGKILL')
        await waitExit(stopGraceMs)
      }
    }
  }

  /** Polls handshakes until one succeeds; returns Clock.nowMs() of readiness. */
  async function waitReady(): Promise<number> {
    const startMs = clock.nowMs()
    const deadline = startMs + readyTimeoutMs
    let lastError = 'no attempt yet'
    const maxPolls = Math.ceil(readyTimeoutMs / pollIntervalMs) + 2
    for (let poll = 0; poll < maxPolls; poll++) {
      if (exitInfo !== undefined) break
      const remaining = deadline - clock.nowMs()
      if (remaining <= 0) break
      try {
        const socket = await open(options.url, {
          headers: options.headers ?? {},
          subprotocols: options.subprotocols ?? [],
          handshakeTimeoutMs: Math.max(1, Math.min(SERVICE_DEFAULTS.probeTimeoutMs, remaining))
        })
        socket.terminate()
        return clock.nowMs()
      } catch (error) {
        lastError = describeError(error)
      }
      const wait = Math.min(pollIntervalMs, deadline - clock.nowMs())
      if (wait > 0) await clock.sleep(wait)
    }
    const why =
      exitInfo !== undefined
        ? `the command ${exitInfo} before accepting WebSocket handshakes at ${options.url}`
        : `${options.url} did not accept a WebSocket handshake within ${readyTimeoutMs / 1000} s (server_ready_timeout); last attempt: ${lastError}`
    await stop()
    const tail = lastLines()
    throw new HealthError(
      'WSH_ERR_SERVER_START',
      `server_command: ${why}; output in ${logPath}` +
        (tail.length > 0
          ? `; last ${tail.length} output lines:\n${tail.join('\n')}`
          : '; it printed nothing')
    )
  }

  const spawnedAtMs = clock.nowMs()
  spawnOnce()
  let readyAtMs: number
  try {
    readyAtMs = await waitReady()
  } catch (error) {
    log.end()
    throw error
  }

  return {
    logPath,
    readyMs: readyAtMs - spawnedAtMs,
    get restarts() {
      return restarts
    },
    lastLines,
    async restart() {
      restarts += 1
      const crashedAtMs = clock.nowMs()
      signalGroup('SIGKILL')
      await waitExit(stopGraceMs)
      log.write(`\n--- ws-health: service killed (SIGKILL) and started again ---\n`)
      spawnOnce()
      return { crashedAtMs, readyAtMs: await waitReady() }
    },
    async stop() {
      await stop()
      await new Promise<void>((resolve) => log.end(() => resolve()))
    }
  }
}
