/**
 * Client side of session resume: where the token comes from (a field of a
 * reply) and how it goes back on reconnect (query parameter, header or first
 * message). Pure helpers so the suite can report what it did.
 */

export type ResumeVia = 'query' | 'header' | 'message'

export interface ResumeOptions {
  /** How the token is sent back on reconnect. */
  via: ResumeVia
  /** Query parameter or header name (defaults: `resume`, `x-resume-token`). */
  name?: string
  /** JSON field holding the token in the service's reply (default `token`). */
  tokenField?: string
  /** When set, only replies whose `type` field equals this carry the token (default `session`; '' = any). */
  messageType?: string
  /** First message for `via: 'message'` (default `{"type":"resume","token":T}`). */
  resumeMessage?: (token: string) => string
}

export const DEFAULT_RESUME_QUERY = 'resume'
export const DEFAULT_RESUME_HEADER = 'x-resume-token'

/** The token carried by a parsed JSON message, if it is a token reply. */
export function tokenFrom(options: ResumeOptions, message: unknown): string | undefined {
  if (message === null || typeof message !== 'object' || Array.isArray(message)) return undefined
  const record = message as Record<string, unknown>
  const type = options.messageType ?? 'session'
  if (type !== '' && record.type !== type) return undefined
  const token = record[options.tokenField ?? 'token']
  return typeof token === 'string' && token !== '' ? token : undefined
}

/** The URL to dial: with `?name=token` when resuming by query. */
export function resumeUrl(
  url: string,
  options: ResumeOptions | undefined,
  token: string | undefined
): string {
  if (!options || options.via !== 'query' || token === undefined) return url
  const parsed = new URL(url)
  parsed.searchParams.set(options.name ?? DEFAULT_RESUME_QUERY, token)
  return parsed.toString()
}

/** Headers to send: the base headers plus the token header when resuming by header. */
export function resumeHeaders(
  headers: Record<string, string>,
  options: ResumeOptions | undefined,
  token: string | undefined
): Record<string, string> {
  if (!options || options.via !== 'header' || token === undefined) return headers
  return { ...headers, [options.name ?? DEFAULT_RESUME_HEADER]: token }
}

/** The first message to send when resuming by message, else undefined. */
export function resumeFirstMessage(
  options: ResumeOptions | undefined,
  token: string | undefined
): string | undefined {
  if (!options || options.via !== 'message' || token === undefined) return undefined
  return options.resumeMessage
    ? options.resumeMessage(token)
    : JSON.stringify({ type: 'resume', token })
}
