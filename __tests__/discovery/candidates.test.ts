import { afterEach, describe, expect, it } from '@jest/globals'
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { findCandidates, SOURCE_PRIORITY } from '../../src/discovery/index.js'
import { copyFixture, fixture, removeDir } from './fixture-repos.js'

const SEED_ENV = { WS_ROUTER_PORT: '8001', BACKEND_PORT: '8000', FRONTEND_PORT: '3000' }

describe('findCandidates', () => {
  const dirs: string[] = []
  afterEach(async () => {
    await Promise.all(dirs.splice(0).map(removeDir))
  })

  it('finds every source in the full-stack fixture, in documented order, keeping all sources', async () => {
    const { candidates, warnings, paths } = await findCandidates({
      dir: fixture('full-stack'),
      env: SEED_ENV
    })
    expect(warnings).toEqual([])
    expect(candidates.map((candidate) => [candidate.port, candidate.source])).toEqual([
      [8001, 'env WS_ROUTER_PORT'],
      [8000, 'env BACKEND_PORT'],
      [3000, 'docker-compose.yml services.frontend.ports[0]'],
      [8011, '.env.local:1'],
      [8012, '.env.local:2'],
      [3001, 'package.json scripts.ws'],
      [8041, 'Procfile:2 ws'],
      [5173, 'package.json scripts.dev'],
      [8020, 'package.json scripts.api'],
      [8030, 'package.json scripts.docker'],
      [8040, 'Procfile:1 web'],
      [8050, 'backend/Dockerfile:2 ENV'],
      [8051, 'backend/Dockerfile:3 EXPOSE'],
      [8052, 'backend/Dockerfile:4 CMD'],
      [5174, 'frontend/vite.config.js:5 server.port']
    ])
    expect(candidates[0].sources).toEqual([
      'env WS_ROUTER_PORT',
      'docker-compose.yml services.ws-router.ports[0]',
      '.env:3',
      'frontend/vite.config.js:7'
    ])
    expect(candidates[1]).toMatchObject({
      host: '127.0.0.1',
      priority: SOURCE_PRIORITY.backendEnv + 2
    })
    expect(candidates.find((candidate) => candidate.port === 8012)).toMatchObject({
      host: 'localhost',
      path: '/ws/unified'
    })
    // Databases (postgres service, DATABASE_PORT) and container-only ports are never candidates.
    expect(candidates.map((candidate) => candidate.port)).not.toEqual(
      expect.arrayContaining([5432, 9229])
    )
    // Paths from .env, the vite proxy and the FastAPI route ({client_id} filled in).
    expect(paths).toEqual(['/ws/unified', '/ws', '/ws/ws-health'])
  })

  it('orders the seed environment variables WS > BACKEND/PORT > FRONTEND around project files', async () => {
    const env = {
      FRONTEND_PORT: '3000',
      PORT: '8004',
      BACKEND_PORT: '8000',
      WS_PORT: '8002',
      WS_ROUTER_PORT: '8001'
    }
    const { candidates } = await findCandidates({ dir: fixture('full-stack'), env })
    const order = candidates.map((candidate) => candidate.source)
    expect(order.slice(0, 4)).toEqual([
      'env WS_ROUTER_PORT',
      'env WS_PORT',
      'env BACKEND_PORT',
      'env PORT'
    ])
    // FRONTEND_PORT's own port (3000) is also a compose port, so it ranks as compose; a
    // FRONTEND_PORT found nowhere else comes after every project file.
    const alone = await findCandidates({
      dir: fixture('full-stack'),
      env: { FRONTEND_PORT: '3999' }
    })
    expect(alone.candidates.at(-1)).toMatchObject({ port: 3999, source: 'env FRONTEND_PORT' })
  })

  it('ranks compose above .env above package.json without environment variables', async () => {
    const { candidates } = await findCandidates({ dir: fixture('full-stack'), env: {} })
    expect(candidates.slice(0, 3).map((candidate) => [candidate.port, candidate.source])).toEqual([
      [8001, 'docker-compose.yml services.ws-router.ports[0]'],
      [8000, 'docker-compose.yml services.api.ports[0]'],
      [3000, 'docker-compose.yml services.frontend.ports[0]']
    ])
    const tiers = candidates.map((candidate) => candidate.priority)
    expect(tiers).toEqual([...tiers].sort((a, b) => a - b))
  })

  it('is deterministic: the same tree gives the same candidates twice', async () => {
    const first = await findCandidates({ dir: fixture('full-stack'), env: SEED_ENV })
    const second = await findCandidates({ dir: fixture('full-stack'), env: SEED_ENV })
    expect(second).toEqual(first)
  })

  it('reports malformed files with file and line and keeps going', async () => {
    const dir = await copyFixture('malformed')
    dirs.push(dir)
    // Written here, not committed: jest's module map refuses to start on an invalid
    // package.json, and prettier --check on the repository would fail on invalid YAML.
    await writeFile(
      path.join(dir, 'docker-compose.yml'),
      'services:\n  api:\n    ports:\n      - "8001:8001"\n    environment: [unclosed\n'
    )
    await writeFile(
      path.join(dir, 'package.json'),
      '{\n  "scripts": {\n    "dev": "vite --port 5173",\n  }\n}\n'
    )
    const { candidates, warnings } = await findCandidates({ dir, env: {} })
    const where = warnings.map((warning) => `${warning.file}:${warning.line ?? '?'}`)
    expect(where).toEqual([
      '.env:2',
      '.env:3',
      'compose.yaml:4',
      'compose.yaml:5',
      'docker-compose.yml:6',
      'package.json:4',
      'Procfile:1'
    ])
    expect(warnings[0].message).toBe('expected KEY=VALUE, got "this line is not an assignment"')
    expect(warnings[1].message).toBe('WS_PORT is not a port number: got "eighty"; expected 1-65535')
    expect(warnings[3].message).toContain('${MISSING_PORT}')
    expect(warnings[4].message).toMatch(/^malformed YAML: /)
    expect(warnings[5].message).toMatch(/^malformed JSON: /)
    // The good lines of the same files still count.
    expect(candidates.map((candidate) => [candidate.port, candidate.source])).toEqual([
      [8003, 'compose.yaml services.api.ports[2]'],
      [8000, '.env:1']
    ])
  })

  it('warns about a bad environment value without printing more than the value', async () => {
    const { candidates, warnings } = await findCandidates({
      dir: fixture('nothing'),
      env: { PORT: 'eighty', WS_PORT: ' 8001 ' }
    })
    expect(warnings).toEqual([
      { file: 'env PORT', message: 'not a port number: got "eighty"; expected 1-65535' }
    ])
    expect(candidates.map((candidate) => candidate.port)).toEqual([8001])
  })

  it('reads url and port from the seed config file', async () => {
    const dir = await copyFixture('seed-config', { __WS_PORT__: 8123 })
    dirs.push(dir)
    const { candidates, paths } = await findCandidates({ dir, env: {} })
    expect(candidates).toEqual([
      {
        port: 8123,
        host: 'localhost',
        path: '/realtime/ws',
        source: '.github/websocket-test-config.json url',
        sources: ['.github/websocket-test-config.json url'],
        priority: SOURCE_PRIORITY.configFile
      }
    ])
    expect(paths).toEqual(['/realtime/ws'])
  })

  it('skips node_modules and .git and honours the scan limits', async () => {
    const dir = await copyFixture('full-stack')
    dirs.push(dir)
    for (const folder of ['node_modules/dep', '.git']) {
      await mkdir(path.join(dir, folder), { recursive: true })
      await writeFile(path.join(dir, folder, '.env'), 'PORT=9999\n')
      await writeFile(path.join(dir, folder, 'Procfile'), 'web: node server.js --port 9998\n')
    }
    const all = await findCandidates({ dir, env: {} })
    expect(all.candidates.map((candidate) => candidate.port)).not.toEqual(
      expect.arrayContaining([9999, 9998])
    )

    const none = await findCandidates({
      dir,
      env: { WS_PORT: '8001' },
      limits: { maxProjectFiles: 0, maxSourceFiles: 0 }
    })
    expect(none.candidates.map((candidate) => candidate.source)).toEqual(['env WS_PORT'])
    expect(none.paths).toEqual([])

    const small = await findCandidates({ dir, env: {}, limits: { maxFileBytes: 40 } })
    expect(small.warnings).toContainEqual({
      file: 'docker-compose.yml',
      message: 'larger than 40 bytes; only the first 40 bytes were read'
    })
  })

  it('rejects a missing directory with WSH_ERR_CONFIG and bad limits with a RangeError', async () => {
    await expect(
      findCandidates({ dir: fixture('no-such-project'), env: {} })
    ).rejects.toMatchObject({
      code: 'WSH_ERR_CONFIG',
      message: expect.stringContaining('discover DIR')
    })
    await expect(
      findCandidates({ dir: fixture('nothing'), env: {}, limits: { maxDepth: -1 } })
    ).rejects.toThrow(RangeError)
  })
})
