/**
 * Recognises ws:// URLs that point at this machine, wherever they appear
 * (.env values, config files, string literals in code).
 */
import { parsePort } from './scan.js'

/** Hosts that mean "this machine"; discovery never probes anything else. */
export const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '::1', '0.0.0.0', '::'])

/** True for localhost and any 127.0.0.0/8 or ::1 address (0.0.0.0 and :: bind all, loopback included). */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase()
  return LOOPBACK_NAMES.has(bare) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(bare)
}

const WS_URL = /^wss?:\/\/(\[[^\]]+\]|[^/:?#\s]+):(\d{1,5})(\/[^\s?#'"`]*)?/i

/**
 * `{ host, port, path? }` of a ws:// or wss:// URL on a loopback host, else
 * null. A URL without an explicit port is ignored: there is nothing to probe
 * beyond what the defaults already cover.
 */
export function loopbackWsUrl(value: string): { host: string; port: number; path?: string } | null {
  const match = WS_URL.exec(value.trim())
  if (match === null) return null
  const host = match[1].replace(/^\[|\]$/g, '')
  const port = parsePort(match[2])
  if (port === null || !isLoopbackHost(host)) return null
  const path = match[3]
  return path !== undefined && path !== '' ? { host, port, path } : { host, port }
}

/** A ws:// URL for a host and path (IPv6 hosts in brackets). */
export function wsUrl(host: string, port: number, path?: string): string {
  const shown = host.includes(':') ? `[${host}]` : host
  return `ws://${shown}:${port}${path ?? ''}`
}
