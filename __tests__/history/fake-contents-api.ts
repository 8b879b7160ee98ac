/**
 * A tiny fake of the GitHub contents and git data (trees, commits, refs)
 * APIs over real HTTP on 127.0.0.1, enough for the branch-backed history: it
 * keeps files per branch with blob shas, answers a stale sha with 409 and a
 * missing sha on an existing file with 422, as GitHub does. A ref made from
 * a commit created here holds exactly that commit's tree.
 */
import { createHash } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface RecordedRequest {
  method: string
  path: string
  authorization: string | undefined
}

export interface FakeContentsApi {
  url: string
  owner: string
  repo: string
  requests: RecordedRequest[]
  /** branch -> path -> text */
  files: Map<string, Map<string, string>>
  /** Before each of the next N PUTs, another writer appends this text first, so the PUT sees a stale sha (409). */
  interleave: string[]
  /** Status forced on every PUT (e.g. 403), with a message that echoes the Authorization header. */
  failPutWith: number | null
  /** Commits created through POST git/commits, by sha. */
  commits: Map<string, { message: string; tree: string; parents: string[] }>
  close(): Promise<void>
}

const sha = (text: string): string => createHash('sha1').update(text).digest('hex')

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' })
  res.end(JSON.stringify(body))
}

async function body(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  const text = Buffer.concat(chunks).toString('utf8')
  return text === '' ? {} : (JSON.parse(text) as Record<string, unknown>)
}

export async function startFakeContentsApi(
  options: { owner?: string; repo?: string; defaultBranch?: string } = {}
): Promise<FakeContentsApi> {
  const owner = options.owner ?? 'acme'
  const repo = options.repo ?? 'svc'
  const defaultBranch = options.defaultBranch ?? 'main'
  const files = new Map<string, Map<string, string>>([[defaultBranch, new Map()]])
  const base = `/repos/${owner}/${repo}`
  let commits = 0
  const trees = new Map<string, Map<string, string>>()

  const api: FakeContentsApi = {
    url: '',
    owner,
    repo,
    requests: [],
    files,
    interleave: [],
    failPutWith: null,
    commits: new Map(),
    close: () => new Promise((resolve) => server.close(() => resolve()))
  }

  const server: Server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => send(res, 500, { message: String(error) }))
  })

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    const path = decodeURIComponent(url.pathname)
    api.requests.push({ method: req.method ?? '', path, authorization: req.headers.authorization })
    const payload = await body(req)

    if (req.method === 'GET' && path === base) {
      return send(res, 200, { full_name: `${owner}/${repo}`, default_branch: defaultBranch })
    }
    if (req.method === 'GET' && path.startsWith(`${base}/git/ref/heads/`)) {
      const branch = path.slice(`${base}/git/ref/heads/`.length)
      if (!files.has(branch)) return send(res, 404, { message: 'Not Found' })
      return send(res, 200, {
        ref: `refs/heads/${branch}`,
        object: { sha: sha(branch), type: 'commit' }
      })
    }
    if (req.method === 'POST' && path === `${base}/git/trees`) {
      const entries = payload['tree'] as Array<{ path: string; content: string }>
      const tree = new Map(entries.map((entry) => [entry.path, entry.content]))
      const treeSha = sha(`tree:${JSON.stringify([...tree])}`)
      trees.set(treeSha, tree)
      return send(res, 201, { sha: treeSha })
    }
    if (req.method === 'POST' && path === `${base}/git/commits`) {
      const tree = String(payload['tree'])
      if (!trees.has(tree)) return send(res, 422, { message: 'Tree SHA does not exist' })
      const commit = {
        message: String(payload['message']),
        tree,
        parents: (payload['parents'] as string[] | undefined) ?? []
      }
      const commitSha = sha(`commit:${JSON.stringify(commit)}:${api.commits.size}`)
      api.commits.set(commitSha, commit)
      return send(res, 201, { sha: commitSha })
    }
    if (req.method === 'POST' && path === `${base}/git/refs`) {
      const branch = String(payload['ref']).replace(/^refs\/heads\//, '')
      if (files.has(branch)) return send(res, 422, { message: 'Reference already exists' })
      const commit = api.commits.get(String(payload['sha']))
      files.set(branch, new Map(commit ? trees.get(commit.tree) : files.get(defaultBranch)))
      return send(res, 201, { ref: payload['ref'], object: { sha: payload['sha'] } })
    }
    if (path.startsWith(`${base}/contents/`)) {
      const filePath = path.slice(`${base}/contents/`.length)
      const branch =
        req.method === 'GET'
          ? (url.searchParams.get('ref') ?? defaultBranch)
          : String(payload['branch'] ?? defaultBranch)
      const tree = files.get(branch)
      if (!tree) return send(res, 404, { message: 'No commit found for the ref' })
      const current = tree.get(filePath)
      if (req.method === 'GET') {
        if (current === undefined) return send(res, 404, { message: 'Not Found' })
        return send(res, 200, {
          type: 'file',
          path: filePath,
          sha: sha(current),
          encoding: 'base64',
          content: Buffer.from(current).toString('base64')
        })
      }
      if (req.method === 'PUT') {
        if (api.failPutWith !== null) {
          return send(res, api.failPutWith, {
            message: `Resource not accessible by integration (sent ${req.headers.authorization})`
          })
        }
        const extra = api.interleave.shift()
        if (extra !== undefined) tree.set(filePath, (tree.get(filePath) ?? '') + extra)
        const now = tree.get(filePath)
        if (now !== undefined && payload['sha'] === undefined) {
          return send(res, 422, { message: 'Invalid request. "sha" wasn\'t supplied.' })
        }
        if (now !== undefined && payload['sha'] !== sha(now)) {
          return send(res, 409, { message: `${filePath} does not match ${String(payload['sha'])}` })
        }
        const text = Buffer.from(String(payload['content']), 'base64').toString('utf8')
        tree.set(filePath, text)
        commits++
        return send(res, now === undefined ? 201 : 200, {
          content: { path: filePath, sha: sha(text) },
          commit: { sha: sha(`commit-${commits}`), message: payload['message'] }
        })
      }
    }
    send(res, 404, { message: `fake: no route for ${req.method} ${path}` })
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  api.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return api
}
