/**
 * Shapes shared by discovery: candidates found in a project, warnings about
 * files that could not be read, and the outcome of every probe attempt.
 * Nothing here formats; src/discovery/describe.ts and src/report/ write words.
 */

/** A port (and maybe host/path) where a WebSocket service might listen. */
export interface Candidate {
  port: number
  /** Host named by the source (compose bind address, config URL); probes stay on loopback. */
  host?: string
  /** Path named by the source (e.g. a `ws://localhost:8001/ws` literal); probed first. */
  path?: string
  /** The highest-priority place the port was found, e.g. `env WS_ROUTER_PORT`, `.env.local:3`. */
  source: string
  /** Every place the port was found, best first (includes `source`). */
  sources: string[]
  /** Lower probes first; see SOURCE_PRIORITY. */
  priority: number
}

/** One port found by one source, before ports are merged. */
export interface Finding {
  port: number
  host?: string
  path?: string
  source: string
  priority: number
}

/** A project file discovery could not use (malformed, too large); discovery goes on. */
export interface DiscoveryWarning {
  /** Path relative to the scanned directory, or `env NAME` for environment variables. */
  file: string
  /** 1-based line, when known. */
  line?: number
  message: string
}

/** What a source returns. */
export interface SourceResult {
  findings: Finding[]
  warnings: DiscoveryWarning[]
  /** WebSocket paths the source saw (e.g. `/ws/unified`), in the order seen. */
  paths?: string[]
}

/**
 * Documented probe order: lower first. Sub-ranks inside a tier (+0..+9) put
 * WebSocket-looking names before generic ones.
 */
export const SOURCE_PRIORITY = {
  /** WS_ROUTER_PORT, WS_PORT in the environment: the user said "WebSocket" explicitly. */
  wsEnv: 10,
  /** url/port in the seed config file (.github/websocket-test-config.json). */
  configFile: 20,
  /** BACKEND_PORT, PORT in the environment. */
  backendEnv: 30,
  /** docker-compose / compose.yaml published ports. */
  compose: 40,
  /** .env* files. */
  dotenv: 50,
  /** package.json scripts, framework configs, Procfile, Dockerfile, literals in code. */
  project: 60,
  /** FRONTEND_PORT (environment, then .env files): rarely the WebSocket service. */
  frontend: 70
} as const

export type ProbeOutcome =
  /** 101 Switching Protocols: a WebSocket endpoint. */
  | 'upgraded'
  /** The server answered the upgrade with another HTTP status. */
  | 'rejected'
  /** Nothing listening (TCP refused). */
  | 'refused'
  /** No answer within timeoutMs. */
  | 'timeout'
  /** Anything else (reset, not HTTP, bad handshake). */
  | 'error'
  /** Not attempted on purpose (non-loopback host). */
  | 'skipped'
  /** Started, then stopped because an earlier candidate already upgraded. */
  | 'cancelled'

export interface ProbeAttempt {
  /** ws:// URL attempted (no path when only the TCP port was checked). */
  url: string
  host: string
  port: number
  /** Undefined when the TCP check failed before any path was tried. */
  path?: string
  /** The candidate's best source. */
  source: string
  outcome: ProbeOutcome
  /** One line: `HTTP 404 from upgrade`, `connection refused`, `timed out after 2000 ms`. */
  reason: string
  /** HTTP status of the upgrade response, when there was one. */
  status?: number
  /** Time the attempt took, in ms (monotonic clock). */
  durationMs: number
}

export interface DiscoveryResult {
  /** The chosen ws:// URL, or null when nothing upgraded. */
  url: string | null
  /** Directory that was scanned (absolute). */
  dir: string
  candidates: Candidate[]
  /** Paths tried per candidate after the candidate's own path, in order. */
  paths: string[]
  attempts: ProbeAttempt[]
  warnings: DiscoveryWarning[]
}
