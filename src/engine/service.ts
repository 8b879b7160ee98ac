/**
 * The service under test, when ws-health starts it (`server_command`):
 * spawned through a shell in its own process group (service-group.ts), ready
 * once it accepts a WebSocket handshake at the target URL, output captured to
 * a log file (scrubbed of the run's secrets), stopped with SIGTERM then SIGKILL to the whole group. The self-healing suite crashes and
 * restarts it through `restart()`.
 */
import { randomBytes } from 'node:crypto'
import { createWriteStream, type WriteStream } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openWsSocket, type OpenSocket } from '../client/socket-opener.js'
import { runEnvironment } from '../config/environment.js'
import { scrubText } from '../config/scrub.js'
import { HealthError, describeError } from '../errors.js'
import { systemClock, type Clock } from '../metrics/clock.js'
import type { ServiceControl } from './suite-types.js'
import { spawnGroup, stopGroup, type ServiceGroup } from './service-group.js'

export const SERVICE_DEFAULTS = Object.freeze({
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
  /** How long the service gets to accept a handshake, ms (config server_ready_timeout). */
  readyTimeoutMs: number
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
  /**
   * Values removed from the service's output before it is written to the log
   * file or quoted (configSecrets): a service that prints its token must
   * not leak it through ws-health's artifacts.
   */
  secrets?: readonly string[]
  /** Aborts the wait for readiness (SIGINT/SIGTERM): the service is stopped and the reason thrown. */
  signal?: AbortSignal
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

/** An unfinished line longer than this (chars) is taken as a line of its own. */
const MAX_LINE_CHARS = 4096

/**
 * The service's output, scrubbed of `secrets` line by line (a secret split
 * across two chunks is still found): complete lines are appended to the log
 * file, the last ones kept for messages.
 */
interface OutputCapture {
  readonly logPath: string
  write(chunk: Buffer | string): void
  lastLines(count?: number): string[]
  end(): Promise<void>
}

function captureOutput(dir: string, secrets: readonly string[]): OutputCapture {
  const logPath = join(dir, `ws-health-server-${randomBytes(4).toString('hex')}.log`)
  const log: WriteStream = createWriteStream(logPath, { flags: 'a' })
  log.on('error', () => undefined) // a full disk must not crash the run; lines stay in memory
  const lines: string[] = []
  let partial = ''
  const keep = (line: string): void => {
    const clean = scrubText(line, secrets)
    log.write(`${clean}\n`)
    lines.push(clean)
  }
  return {
    logPath,
    write(chunk) {
      const parts = (partial + chunk.toString('utf8')).split(/\r?\n/)
      partial = parts.pop() ?? ''
      for (const line of parts) keep(line)
      if (partial.length > MAX_LINE_CHARS) {
        keep(partial)
        partial = ''
      }
      if (lines.length > KEPT_LINES) lines.splice(0, lines.length - KEPT_LINES)
    },
    lastLines: (count = SERVICE_DEFAULTS.tailLines) =>
      [...lines, ...(partial ? [scrubText(partial, secrets)] : [])].slice(-count),
    end: () =>
      new Promise<void>((resolve) => {
        if (partial !== '') log.write(scrubText(partial, secrets))
        partial = ''
        log.end(() => resolve())
      })
  }
}

/** Settings resolved from ServiceOptions. */
interface Resolved {
  options: ServiceOptions
  readyTimeoutMs: number
  pollIntervalMs: number
  stopGraceMs: number
  clock: Clock
  open: OpenSocket
}

function resolveOptions(options: ServiceOptions): Resolved {
  const readyTimeoutMs = options.readyTimeoutMs
  const pollIntervalMs = options.pollIntervalMs ?? SERVICE_DEFAULTS.pollIntervalMs
  const stopGraceMs = options.stopGraceMs ?? SERVICE_DEFAULTS.stopGraceMs
  positive('readyTimeoutMs', readyTimeoutMs)
  positive('pollIntervalMs', pollIntervalMs)
  positive('stopGraceMs', stopGraceMs)
  if (options.command.trim() === '') {
    throw new HealthError('WSH_ERR_CONFIG', 'server_command: got an empty command')
  }
  return {
    options,
    readyTimeoutMs,
    pollIntervalMs,
    stopGraceMs,
    clock: options.clock ?? systemClock,
    open: options.open ?? openWsSocket
  }
}

/**
 * Polls handshakes until one succeeds; resolves with Clock.nowMs() of
 * readiness, or with why it is not ready (the leader exited, time ran out).
 * Rejects with the signal's reason when the run is interrupted.
 */
async function pollReady(
  settings: Resolved,
  group: ServiceGroup
): Promise<{ readyAtMs: number } | { why: string }> {
  const { options, clock, readyTimeoutMs, pollIntervalMs } = settings
  const deadline = clock.nowMs() + readyTimeoutMs
  let lastError = 'no attempt yet'
  const maxPolls = Math.ceil(readyTimeoutMs / pollIntervalMs) + 2
  for (let poll = 0; poll < maxPolls; poll++) {
    options.signal?.throwIfAborted()
    if (group.exitInfo !== undefined) break
    const remaining = deadline - clock.nowMs()
    if (remaining <= 0) break
    try {
      const socket = await settings.open(options.url, {
        headers: options.headers ?? {},
        subprotocols: options.subprotocols ?? [],
        handshakeTimeoutMs: Math.max(1, Math.min(SERVICE_DEFAULTS.probeTimeoutMs, remaining))
      })
      socket.terminate()
      return { readyAtMs: clock.nowMs() }
    } catch (error) {
      lastError = describeError(error)
    }
    const wait = Math.min(pollIntervalMs, deadline - clock.nowMs())
    if (wait > 0) await clock.sleep(wait, options.signal)
  }
  options.signal?.throwIfAborted()
  return {
    why:
      group.exitInfo !== undefined
        ? `the command ${group.exitInfo} before accepting WebSocket handshakes at ${options.url}`
        : `${options.url} did not accept a WebSocket handshake within ${readyTimeoutMs / 1000} s (server_ready_timeout); last attempt: ${lastError}`
  }
}

/**
 * Starts `command` and resolves once `url` accepts a WebSocket handshake.
 * Rejects with HealthError WSH_ERR_SERVER_START (the service is stopped,
 * the message quotes its last output lines) when it exits or is not ready
 * within readyTimeoutMs, and with the signal's reason (service stopped)
 * when `signal` aborts first.
 */
export async function startService(options: ServiceOptions): Promise<RunningService> {
  const settings = resolveOptions(options)
  const { clock, stopGraceMs } = settings
  const output = captureOutput(
    options.logDir ?? (runEnvironment().RUNNER_TEMP || tmpdir()),
    options.secrets ?? []
  )
  const spawnService = (): ServiceGroup =>
    spawnGroup(
      { command: options.command, cwd: options.cwd, env: options.env, onOutput: output.write },
      clock
    )
  let group = spawnService()
  let restarts = 0

  /** Ready, or the group stopped and the reason thrown. */
  async function waitReady(): Promise<number> {
    let outcome: Awaited<ReturnType<typeof pollReady>>
    try {
      outcome = await pollReady(settings, group)
    } catch (error) {
      await stopGroup(group, stopGraceMs)
      throw error
    }
    if ('readyAtMs' in outcome) return outcome.readyAtMs
    await stopGroup(group, stopGraceMs)
    const tail = output.lastLines()
    throw new HealthError(
      'WSH_ERR_SERVER_START',
      `server_command: ${outcome.why}; output in ${output.logPath}` +
        (tail.length > 0
          ? `; last ${tail.length} output lines:\n${tail.join('\n')}`
          : '; it printed nothing')
    )
  }

  const spawnedAtMs = clock.nowMs()
  let readyAtMs: number
  try {
    readyAtMs = await waitReady()
  } catch (error) {
    await output.end()
    throw error
  }

  return {
    logPath: output.logPath,
    readyMs: readyAtMs - spawnedAtMs,
    get restarts() {
      return restarts
    },
    lastLines: output.lastLines,
    async restart() {
      restarts += 1
      const crashedAtMs = clock.nowMs()
      group.signal('SIGKILL')
      await group.waitGone(stopGraceMs)
      output.write(`\n--- ws-health: service killed (SIGKILL) and started again ---\n`)
      group = spawnService()
      return { crashedAtMs, readyAtMs: await waitReady() }
    },
    async stop() {
      await stopGroup(group, stopGraceMs)
      await output.end()
    }
  }
}
