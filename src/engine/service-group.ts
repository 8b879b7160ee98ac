/**
 * The process group of a service ws-health starts (`server_command`): the
 * command is spawned through a shell, detached so it leads its own group, and
 * every signal goes to the whole group. The group, not the shell, decides
 * when the service is gone: a shell that dies on SIGTERM while its child
 * ignores it must not leave that child running (it gets SIGKILL after the
 * grace period).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { runEnvironment } from '../config/environment.js'
import { describeError } from '../errors.js'
import type { Clock } from '../metrics/clock.js'

/** How often the group is asked whether a member is left while waiting for it to go (ms). */
const GROUP_POLL_MS = 50

export interface GroupSpawn {
  command: string
  cwd?: string
  env?: NodeJS.ProcessEnv
  /** Receives every chunk of stdout and stderr. */
  onOutput(chunk: Buffer): void
}

export interface ServiceGroup {
  /** Set once the group leader (the shell) exited or could not be spawned: why, in words. */
  readonly exitInfo: string | undefined
  /** Sends `signal` to every process of the group (the leader alone on Windows). */
  signal(signal: NodeJS.Signals): void
  /** Resolves true once the leader and every other member are gone, false after `ms`. */
  waitGone(ms: number): Promise<boolean>
}

/** Spawns `command` as the leader of a new process group. */
export function spawnGroup(options: GroupSpawn, clock: Clock): ServiceGroup {
  const detached = process.platform !== 'win32'
  const proc: ChildProcess = spawn(options.command, {
    shell: true,
    cwd: options.cwd,
    env: options.env ?? runEnvironment(),
    // Its own process group, so stop() and restart() reach the shell's children too.
    detached,
    stdio: ['ignore', 'pipe', 'pipe']
  })
  proc.stdout?.on('data', options.onOutput)
  proc.stderr?.on('data', options.onOutput)
  let exitInfo: string | undefined
  const leaderGone = new Promise<void>((resolve) => {
    proc.once('error', (error) => {
      exitInfo ??= `could not be spawned: ${describeError(error)}`
      resolve()
    })
    proc.once('exit', (code, signal) => {
      exitInfo ??= signal ? `was killed by ${signal}` : `exited with code ${code}`
      resolve()
    })
  })
  // Once the group is seen empty its id may be reused: never signal it again.
  let groupEmpty = proc.pid === undefined

  function groupAlive(): boolean {
    const pid = proc.pid
    if (groupEmpty || pid === undefined) return false
    if (!detached) return exitInfo === undefined
    try {
      process.kill(-pid, 0)
      return true
    } catch (error) {
      // EPERM: a member exists that we may not signal; ESRCH: nobody is left.
      groupEmpty = (error as NodeJS.ErrnoException).code !== 'EPERM'
      return !groupEmpty
    }
  }

  async function waitGone(ms: number): Promise<boolean> {
    const endMs = clock.nowMs() + ms
    const maxPolls = Math.ceil(ms / GROUP_POLL_MS) + 1
    for (let poll = 0; poll < maxPolls; poll++) {
      if (exitInfo !== undefined && !groupAlive()) return true
      const left = endMs - clock.nowMs()
      if (left <= 0) break
      const timer = new AbortController()
      await Promise.race([
        leaderGone,
        clock.sleep(Math.min(GROUP_POLL_MS, left), timer.signal).catch(() => undefined)
      ])
      timer.abort()
    }
    return exitInfo !== undefined && !groupAlive()
  }

  return {
    get exitInfo() {
      return exitInfo
    },
    signal(signal) {
      const pid = proc.pid
      if (pid === undefined || !groupAlive()) return
      try {
        if (detached) process.kill(-pid, signal)
        else proc.kill(signal)
      } catch {
        // Gone between the check and the signal.
      }
    },
    waitGone
  }
}

/**
 * SIGTERM to the group, then SIGKILL to whatever is left of it after
 * `graceMs`; resolves once the group is gone (or a second grace ran out).
 */
export async function stopGroup(group: ServiceGroup, graceMs: number): Promise<void> {
  group.signal('SIGTERM')
  if (await group.waitGone(graceMs)) return
  group.signal('SIGKILL')
  await group.waitGone(graceMs)
}
