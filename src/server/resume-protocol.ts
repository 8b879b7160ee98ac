/**
 * A small session-resume protocol the reference server supports, so the
 * self-healing suite's resume check has something real to test against.
 *
 * On connect the server sends `{"type":"session","token":T,"resumed":bool}`.
 * A client resumes an earlier session by connecting with `?resume=T` (or the
 * `x-resume-token` header) or by sending `{"type":"resume","token":T}` first.
 * Per-session key/value state: `{"type":"set","key":K,"value":V}` ->
 * `{"type":"ok","key":K}`; `{"type":"get","key":K}` ->
 * `{"type":"value","key":K,"value":V|null,"found":bool}`. Replies echo the
 * request's `id` when it has one, so they double as acknowledgements.
 * Sessions expire after `ttlMs` idle and the map is bounded (LRU eviction).
 */
import { randomBytes } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import type { WebSocket, WebSocketServer } from 'ws'
import { systemClock, type Clock } from '../metrics/clock.js'

export interface ResumeStoreOptions {
  /** Sessions kept at most; the least recently used is evicted (default 1000). */
  maxSessions?: number
  /** Idle time after which a session expires, ms (default 300000). */
  ttlMs?: number
  /** Keys per session (default 100). */
  maxKeys?: number
  /** Longest key, characters (default 256). */
  maxKeyLength?: number
  clock?: Clock
  /** Token factory (default 16 random bytes, base64url). */
  createToken?: () => string
}

export const DEFAULT_RESUME_STORE = Object.freeze({
  // Enough for any realistic test run's connections; bounds memory against a hostile client.
  maxSessions: 1_000,
  // Five minutes: longer than any reconnect budget, short enough to forget abandoned sessions.
  ttlMs: 300_000,
  maxKeys: 100,
  maxKeyLength: 256
})

export interface ResumeStore {
  readonly size: number
  /** Resumes `token` when it is known and alive, else starts a new session. */
  open(token?: string): { token: string; resumed: boolean }
  has(token: string): boolean
  /** False when the session is unknown or full. */
  set(token: string, key: string, value: unknown): boolean
  /** `found: false` when the session or key is unknown. */
  get(token: string, key: string): { found: boolean; value: unknown }
  /** Drops expired sessions; returns how many. */
  sweep(): number
}

interface SessionState {
  values: Map<string, unknown>
  lastSeenMs: number
}

export function createResumeStore(options: ResumeStoreOptions = {}): ResumeStore {
  const maxSessions = options.maxSessions ?? DEFAULT_RESUME_STORE.maxSessions
  const ttlMs = options.ttlMs ?? DEFAULT_RESUME_STORE.ttlMs
  const maxKeys = options.maxKeys ?? DEFAULT_RESUME_STORE.maxKeys
  if (!Number.isInteger(maxSessions) || maxSessions < 1) {
    throw new RangeError(`maxSessions: got ${maxSessions}; expected an integer >= 1`)
  }
  if (!Number.isFinite(ttlMs) || ttlMs <= 0)
    throw new RangeError(`ttlMs: got ${ttlMs}; expected ms > 0`)
  if (!Number.isInteger(maxKeys) || maxKeys < 1) {
    throw new RangeError(`maxKeys: got ${maxKeys}; expected an integer >= 1`)
  }
  const clock = options.clock ?? systemClock
  const createToken = options.createToken ?? (() => randomBytes(16).toString('base64url'))
  // Map order = recency: touching a session re-inserts it at the end.
  const sessions = new Map<string, SessionState>()

  function live(token: string): SessionState | undefined {
    const session = sessions.get(token)
    if (!session) return undefined
    const now = clock.nowMs()
    if (now - session.lastSeenMs > ttlMs) {
      sessions.delete(token)
      return undefined
    }
    session.lastSeenMs = now
    sessions.delete(token)
    sessions.set(token, session)
    return session
  }

  return {
    get size() {
      return sessions.size
    },
    open(token) {
      if (token !== undefined && live(token)) return { token, resumed: true }
      const fresh = createToken()
      while (sessions.size >= maxSessions) {
        const oldest = sessions.keys().next().value as string
        sessions.delete(oldest)
      }
      sessions.set(fresh, { values: new Map(), lastSeenMs: clock.nowMs() })
      return { token: fresh, resumed: false }
    },
    has: (token) => live(token) !== undefined,
    set(token, key, value) {
      const session = live(token)
      if (!session) return false
      if (!session.values.has(key) && session.values.size >= maxKeys) return false
      session.values.set(key, value)
      return true
    },
    get(token, key) {
      const session = live(token)
      if (!session || !session.values.has(key)) return { found: false, value: null }
      return { found: true, value: session.values.get(key) }
    },
    sweep() {
      const now = clock.nowMs()
      let dropped = 0
      for (const [token, session] of sessions) {
        if (now - session.lastSeenMs > ttlMs) {
          sessions.delete(token)
          dropped += 1
        }
      }
      return dropped
    }
  }
}

export interface ResumeSession {
  /** The session's current token (changes when a resume message switches it). */
  readonly token: string
  readonly resumed: boolean
  /** The `session` message to send on connect. */
  greeting(): string
  /**
   * Handles one text message; returns the reply to send, or undefined when
   * the message is not part of this protocol (the caller handles it, e.g. echoes).
   */
  handle(text: string): string | undefined
}

/** Where a connecting client may carry its token. */
export const RESUME_QUERY_PARAM = 'resume'
export const RESUME_HEADER = 'x-resume-token'

/** Reads a resume token from the upgrade request's query (`?resume=`) or header. */
export function tokenFromRequest(
  request: Pick<IncomingMessage, 'url' | 'headers'>
): string | undefined {
  const query = new URL(request.url ?? '/', 'http://localhost').searchParams.get(RESUME_QUERY_PARAM)
  if (query) return query
  const header = request.headers[RESUME_HEADER]
  return typeof header === 'string' && header !== '' ? header : undefined
}

/** Opens (or resumes) the session of one connection. */
export function createResumeSession(
  store: ResumeStore,
  options: ResumeStoreOptions & { token?: string } = {}
): ResumeSession {
  const maxKeyLength = options.maxKeyLength ?? DEFAULT_RESUME_STORE.maxKeyLength
  let { token, resumed } = store.open(options.token)
  const reply = (body: Record<string, unknown>, id: unknown): string =>
    JSON.stringify(id === undefined ? body : { ...body, id })

  return {
    get token() {
      return token
    },
    get resumed() {
      return resumed
    },
    greeting: () => JSON.stringify({ type: 'session', token, resumed }),
    handle(text) {
      if (text.length === 0 || text[0] !== '{') return undefined
      let message: Record<string, unknown>
      try {
        const parsed: unknown = JSON.parse(text)
        if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined
        message = parsed as Record<string, unknown>
      } catch {
        return undefined
      }
      const { id } = message
      switch (message.type) {
        case 'resume': {
          const wanted = typeof message.token === 'string' ? message.token : undefined
          if (wanted !== undefined && store.has(wanted)) {
            token = wanted
            resumed = true
          }
          return reply(
            { type: 'session', token, resumed: wanted !== undefined && token === wanted },
            id
          )
        }
        case 'set': {
          const key = message.key
          if (typeof key !== 'string' || key.length === 0 || key.length > maxKeyLength) {
            return reply(
              {
                type: 'error',
                message: `set: key must be a string of 1-${maxKeyLength} characters`
              },
              id
            )
          }
          if (!store.set(token, key, message.value ?? null)) {
            return reply({ type: 'error', message: 'set: session expired or full' }, id)
          }
          return reply({ type: 'ok', key }, id)
        }
        case 'get': {
          const key = message.key
          if (typeof key !== 'string') {
            return reply({ type: 'error', message: 'get: key must be a string' }, id)
          }
          const { found, value } = store.get(token, key)
          return reply({ type: 'value', key, value, found }, id)
        }
        default:
          return undefined
      }
    }
  }
}

export interface AttachResumeOptions extends ResumeStoreOptions {
  /** Shared store (default: a new one for this server). */
  store?: ResumeStore
  /** Messages outside the protocol (default: ignored). */
  onOther?: (ws: WebSocket, data: Buffer, isBinary: boolean) => void
}

/**
 * Serves the resume protocol on every connection of `wss`: greets with the
 * session, answers resume/set/get, hands anything else to `onOther`.
 * Returns the store (to inspect or share).
 */
export function attachResume(wss: WebSocketServer, options: AttachResumeOptions = {}): ResumeStore {
  const store = options.store ?? createResumeStore(options)
  wss.on('connection', (ws: WebSocket, request: IncomingMessage) => {
    const session = createResumeSession(store, { ...options, token: tokenFromRequest(request) })
    ws.send(session.greeting())
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      const replyText = isBinary ? undefined : session.handle(data.toString('utf8'))
      if (replyText !== undefined) ws.send(replyText)
      else options.onOther?.(ws, data, isBinary)
    })
  })
  return store
}
