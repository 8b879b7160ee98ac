/**
 * How the failure issue for one (workflow, target) is recognised and how its
 * "latest status" section is found again: hidden HTML comments in the body,
 * which GitHub does not render.
 */
import { createHash } from 'node:crypto'
import { redactUrl } from '../config/redact.js'

export const LATEST_START = '<!-- ws-health:latest:start -->'
export const LATEST_END = '<!-- ws-health:latest:end -->'

/**
 * The target as it may be shown and keyed: user-info removed and
 * secret-looking query values replaced by `***` (the one list in
 * config/redact.ts, so an issue never shows what a report would hide).
 * Keying on this form also keeps a rotating `?token=` from opening a new
 * issue on every run. The result is always in URL.toString() spelling, so
 * issue keys stay stable.
 */
export function redactTarget(target: string): string {
  const redacted = redactUrl(target, { dropUserinfo: true })
  try {
    return new URL(redacted).toString()
  } catch {
    return redacted
  }
}

/** A stable 16-hex-digit key for (workflow, target). */
export function issueKey(workflow: string, target: string): string {
  return createHash('sha256')
    .update(`${workflow}\n${redactTarget(target)}`)
    .digest('hex')
    .slice(0, 16)
}

/** The hidden marker that identifies the issue for `key`. */
export function keyMarker(key: string): string {
  return `<!-- ws-health:key=${key} -->`
}

/** True when `body` carries the marker for `key`. */
export function hasKeyMarker(body: string | null | undefined, key: string): boolean {
  return typeof body === 'string' && body.includes(keyMarker(key))
}

/** Wraps a latest-status section in its start and end markers. */
export function wrapLatest(section: string): string {
  return `${LATEST_START}\n${section.trim()}\n${LATEST_END}`
}

/**
 * Replaces the latest-status section of `body` with `section` (unwrapped).
 * When someone removed the markers, the section is appended instead, so the
 * issue still shows the newest run.
 */
export function replaceLatestSection(body: string, section: string): string {
  const start = body.indexOf(LATEST_START)
  const end = start === -1 ? -1 : body.indexOf(LATEST_END, start)
  if (start === -1 || end === -1) return `${body.trimEnd()}\n\n${wrapLatest(section)}\n`
  return `${body.slice(0, start)}${wrapLatest(section)}${body.slice(end + LATEST_END.length)}`
}
