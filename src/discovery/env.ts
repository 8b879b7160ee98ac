/**
 * Ports from environment variables: the seed's names (WS_ROUTER_PORT,
 * BACKEND_PORT, FRONTEND_PORT) plus WS_PORT and PORT. The same naming rules
 * rank variables read from .env files.
 */
import { parsePort } from './scan.js'
import { SOURCE_PRIORITY, type SourceResult } from './types.js'

/** Environment variables read, in documented probe order. */
export const ENV_PORT_VARIABLES = [
  'WS_ROUTER_PORT',
  'WS_PORT',
  'BACKEND_PORT',
  'PORT',
  'FRONTEND_PORT'
] as const

export type PortRole = 'ws' | 'backend' | 'frontend'

const WS_NAME = /(^|_)(WS|WSS|WEBSOCKETS?|SOCKET|ROUTER)(_|$)/
const FRONTEND_NAME = /(^|_)(FRONTEND|CLIENT|UI|VITE|NEXT|WEBPACK|DEV_SERVER)(_|$)/
const BACKEND_NAME = /^(PORT|(.*_)?(BACKEND|API|SERVER|APP|HTTP|WEB|SERVICE)(_.*)?_PORT)$/

/**
 * The role a *_PORT variable name suggests, or null for names that are not a
 * web service's port (DB_PORT, REDIS_PORT, SMTP_PORT ... are never probed).
 */
export function portRole(name: string): PortRole | null {
  const upper = name.toUpperCase()
  if (upper !== 'PORT' && !upper.endsWith('_PORT')) return null
  if (FRONTEND_NAME.test(upper)) return 'frontend'
  if (WS_NAME.test(upper)) return 'ws'
  if (BACKEND_NAME.test(upper)) return 'backend'
  return null
}

/** Candidates from the process environment (only the names in ENV_PORT_VARIABLES). */
export function fromEnvironment(env: Record<string, string | undefined>): SourceResult {
  const result: SourceResult = { findings: [], warnings: [] }
  ENV_PORT_VARIABLES.forEach((name, index) => {
    const raw = env[name]
    if (raw === undefined || raw.trim() === '') return
    const port = parsePort(raw)
    if (port === null) {
      result.warnings.push({
        file: `env ${name}`,
        message: `not a port number: got ${JSON.stringify(raw.slice(0, 40))}; expected 1-65535`
      })
      return
    }
    const role = portRole(name)
    const tier =
      role === 'ws'
        ? SOURCE_PRIORITY.wsEnv
        : role === 'frontend'
          ? SOURCE_PRIORITY.frontend
          : SOURCE_PRIORITY.backendEnv
    result.findings.push({ port, source: `env ${name}`, priority: tier + index })
  })
  return result
}
