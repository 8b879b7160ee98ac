// npm run local-action: runs the action once through @github/local-action
// (GitHub's local runner for JavaScript actions) against the embedded
// reference server, the way a contributor checks the action without pushing.
// Not part of `npm test`. Starts `node dist/cli.js serve --port 0`, writes a
// dotenv file of INPUT_* values in a temp folder, runs
// `local-action run . src/main.ts <env>`, then stops the server.
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const localAction = join(root, 'node_modules', '@github', 'local-action', 'bin', 'local-action.js')
/** The reference server prints its URL at once; anything slower is broken. */
const SERVER_START_MS = 15_000

function startServer() {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [join(root, 'dist', 'cli.js'), 'serve', '--port', '0'], {
      stdio: ['ignore', 'pipe', 'inherit']
    })
    let out = ''
    const timer = setTimeout(() => {
      child.kill()
      reject(new Error(`reference server did not start within ${SERVER_START_MS} ms`))
    }, SERVER_START_MS)
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      out += chunk
      const url = /ws:\/\/\S+/.exec(out)?.[0]
      if (url) {
        clearTimeout(timer)
        resolvePromise({ url, child })
      }
    })
    child.once('error', reject)
  })
}

async function main() {
  const work = mkdtempSync(join(tmpdir(), 'ws-health-local-action-'))
  const { url, child } = await startServer()
  try {
    const env = join(work, '.env')
    const summary = join(work, 'summary.md')
    writeFileSync(summary, '')
    writeFileSync(
      env,
      [
        `INPUT_URL=${url}`,
        'INPUT_DURATION=2',
        'INPUT_SUITES=connection-lifecycle,message-delivery,heartbeat-monitoring',
        'INPUT_CREATE_ISSUE=false',
        `INPUT_REPORT_PATH=${join(work, 'ws-health-report.json')}`,
        `GITHUB_STEP_SUMMARY=${summary}`,
        `RUNNER_TEMP=${work}`
      ].join('\n') + '\n'
    )
    console.log(`local-action: running the action against ${url}`)
    const code = await new Promise((resolvePromise, reject) => {
      const run = spawn(process.execPath, [localAction, 'run', root, 'src/main.ts', env], {
        cwd: root,
        stdio: 'inherit'
      })
      run.once('error', reject)
      run.once('exit', (status, signal) => resolvePromise(status ?? (signal ? 1 : 0)))
    })
    process.exitCode = code
  } finally {
    child.kill()
    rmSync(work, { recursive: true, force: true })
  }
}

main().catch((error) => {
  console.error(`local-action: ${error instanceof Error ? error.message : String(error)}`)
  process.exitCode = 1
})
