// Child processes of the bench: worker cases, the reference server, and
// commands timed by /usr/bin/time. Every child is bounded by a deadline and
// killed (SIGKILL) when it passes.
import { spawn } from 'node:child_process'
import { readFileSync, rmSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
export const benchDir = join(root, 'bench')
export const buildDir = join(benchDir, '.build')
/** The ncc bundle of bench/worker.ts. */
export const worker = join(buildDir, 'worker', 'index.js')

/**
 * Binds the run's options: `profile` adds --cpu-prof to every node child,
 * `caseDeadlineMs` bounds each child.
 */
export function createChildren({ profile, caseDeadlineMs }) {
  function nodeFlags(extra = [], name = 'case') {
    const flags = [...extra]
    if (profile)
      flags.push(
        '--cpu-prof',
        '--cpu-prof-dir',
        join(buildDir, 'profiles'),
        '--cpu-prof-name',
        `${name}-${Date.now()}.cpuprofile`
      )
    return flags
  }

  /** Runs one worker case in a fresh process; resolves with its result (throws on failure). */
  function runCase(name, params, { flags = [], timeoutMs = caseDeadlineMs } = {}) {
    return new Promise((resolvePromise, reject) => {
      const child = spawn(
        process.execPath,
        [...nodeFlags(flags, name), worker, name, JSON.stringify(params)],
        {
          cwd: root,
          stdio: ['ignore', 'pipe', 'pipe']
        }
      )
      let out = ''
      let err = ''
      child.stdout.on('data', (c) => (out += c))
      child.stderr.on('data', (c) => (err = (err + c).slice(-4000)))
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
      child.once('exit', (code, signal) => {
        clearTimeout(timer)
        const line = out.trim().split('\n').pop() ?? ''
        let parsed
        try {
          parsed = JSON.parse(line)
        } catch {
          reject(
            new Error(
              `${name}: exit ${code ?? signal}, no result line; stderr: ${err.trim().slice(-300)}`
            )
          )
          return
        }
        if (!parsed.ok) reject(new Error(`${name}: ${parsed.error}`))
        else resolvePromise(parsed.result)
      })
    })
  }

  /**
   * Starts a server in its own process (default the reference server; `params.kind`
   * `endless` or `bomb` for the memory rows' hostile services); stops when its stdin closes.
   */
  function startServer(params = {}) {
    return new Promise((resolvePromise, reject) => {
      const child = spawn(
        process.execPath,
        [...nodeFlags([], 'server'), worker, 'serve', JSON.stringify(params)],
        {
          cwd: root,
          stdio: ['pipe', 'pipe', 'inherit']
        }
      )
      let out = ''
      const timer = setTimeout(() => {
        child.kill('SIGKILL')
        reject(new Error('reference server did not start within 10 s'))
      }, 10_000)
      child.stdout.on('data', (chunk) => {
        out += chunk
        if (!out.includes('\n')) return
        clearTimeout(timer)
        const { result } = JSON.parse(out.split('\n')[0])
        resolvePromise({
          url: result.url,
          stop: () =>
            new Promise((done) => {
              const kill = setTimeout(() => child.kill('SIGKILL'), 5_000)
              child.once('exit', () => {
                clearTimeout(kill)
                done()
              })
              child.stdin.end()
            })
        })
      })
      child.once('error', reject)
    })
  }

  /** Runs a command under /usr/bin/time; resolves with wall/user/sys seconds and stdout. */
  function timed(command, commandArgs, { cwd = root, timeoutMs = caseDeadlineMs } = {}) {
    return new Promise((resolvePromise, reject) => {
      const timeFile = join(buildDir, `time-${process.pid}-${Date.now()}.txt`)
      const child = spawn(
        '/usr/bin/time',
        ['-f', '%e %U %S', '-o', timeFile, command, ...commandArgs],
        {
          cwd,
          stdio: ['ignore', 'pipe', 'pipe'],
          env: { ...process.env, ARTILLERY_DISABLE_TELEMETRY: 'true', DO_NOT_TRACK: '1' }
        }
      )
      let out = ''
      let err = ''
      child.stdout.on('data', (c) => (out = (out + c).slice(-20_000)))
      child.stderr.on('data', (c) => (err = (err + c).slice(-4000)))
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
      child.once('error', reject)
      child.once('exit', (code) => {
        clearTimeout(timer)
        let wall = NaN
        let user = NaN
        let sys = NaN
        try {
          const last = readFileSync(timeFile, 'utf8').trim().split('\n').pop()
          ;[wall, user, sys] = last.split(/\s+/).map(Number)
        } catch {
          // Reported as NaN below.
        }
        rmSync(timeFile, { force: true })
        if (code !== 0) {
          reject(new Error(`${command} exited ${code}: ${err.trim().slice(-300)}`))
          return
        }
        resolvePromise({ wall, cpu: user + sys, user, sys, stdout: out })
      })
    })
  }

  return { runCase, startServer, timed }
}
