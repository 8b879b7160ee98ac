// `npm run demo`: the whole product against the embedded reference server,
// through the same commands a user types. Starts `ws-health serve --port 0`,
// runs `ws-health run` against the URL it prints with a short duration,
// prints the report and exits with the run's exit code. Bounded: the server
// must print its URL within 10 s and the run gets DEMO_DURATION_S + 60 s.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const cli = join(root, 'dist', 'cli.js')
const DEMO_DURATION_S = 10
const SERVER_START_MS = 10_000
const RUN_LIMIT_MS = (DEMO_DURATION_S + 60) * 1000

function ensureBuilt() {
  if (existsSync(cli)) return
  console.log('dist/cli.js is missing; building it with npm run package ...')
  const built = spawnSync(process.execPath, [join(root, 'scripts', 'package.mjs')], {
    stdio: 'inherit'
  })
  if (built.status !== 0) throw new Error('npm run package failed')
}

/** Starts the reference server and resolves with its URL and process. */
function startServer() {
  return new Promise((resolvePromise, reject) => {
    const server = spawn(process.execPath, [cli, 'serve', '--port', '0'], {
      stdio: ['ignore', 'pipe', 'inherit']
    })
    let out = ''
    const timer = setTimeout(() => {
      server.kill()
      reject(new Error(`the reference server printed no URL within ${SERVER_START_MS} ms`))
    }, SERVER_START_MS)
    server.stdout.setEncoding('utf8')
    server.stdout.on('data', (chunk) => {
      out += chunk
      const match = /listening on (ws:\/\/\S+)/.exec(out)
      if (match) {
        clearTimeout(timer)
        resolvePromise({ server, url: match[1] })
      }
    })
    server.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`the reference server exited early (code ${code}): ${out.trim()}`))
    })
  })
}

function runCheck(url) {
  return new Promise((resolvePromise) => {
    const args = [cli, 'run', '--url', url, '--duration', String(DEMO_DURATION_S)]
    console.log(`$ ws-health ${args.slice(1).join(' ')}\n`)
    const run = spawn(process.execPath, args, { stdio: 'inherit' })
    const timer = setTimeout(() => run.kill('SIGINT'), RUN_LIMIT_MS)
    run.once('exit', (code, signal) => {
      clearTimeout(timer)
      resolvePromise(code ?? (signal ? 2 : 0))
    })
  })
}

async function main() {
  ensureBuilt()
  const { server, url } = await startServer()
  console.log(`Reference server (ws-health serve) listening on ${url}`)
  try {
    return await runCheck(url)
  } finally {
    server.kill('SIGTERM')
  }
}

main().then(
  (code) => {
    process.exitCode = code
  },
  (error) => {
    console.error(`demo: ${error instanceof Error ? error.message : String(error)}`)
    process.exitCode = 2
  }
)
