/**
 * Client side of session resume: where the token comes from (a field of a
 * reply) and how it goes back on reconnect (query parameter, header or first
 * message). Pure helpers so the suite can report what it did.
 */

export type ResumeVia = 'query' | 'header' | 'message'

/**
 * Every field comes from the caller (the self-healing suite reads config
 * self_healing.resume*): the defaults live in the config schema only.
 */
export type ResumeOptions = {
  /** JSON field holding the token in the service's reply. */
  tokenField: string
  /** Only replies whose `type` field equals this carry the token ('' = any). */
  messageType: string
} & (
  | {
      /** How the token is sent back on reconnect. */
      via: 'query' | 'header'
      /** Query parameter or header name carrying the token. */
      name: string
    }
  | {
      /** Sent back as the first message, `{"type":"resume","token":T}`. */
      via: 'message'
    }
)

/** The token carried by a parsed JSON message, if it is a token reply. */
export function tokenFrom(options: ResumeOptions, message: unknown): string | undefined {
  if (message === null || typeof message !== 'object' || Array.isArray(message)) return undefined
  const record = message as Record<string, unknown>
  if (options.messageType !== '' && record.type !== options.messageType) return undefined
  const token = record[options.tokenField]
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
  parsed.searchParams.set(options.name, token)
  return parsed.toString()
}

/** Headers to send: the base headers plus the token header when resuming by header. */
export function resumeHeaders(
  headers: Record<string, string>,
  options: ResumeOptions | undefined,
  token: string | undefined
): Record<string, string> {
  if (!options || options.via !== 'header' || token === undefined) return headers
  return { ...headers, [options.name]: token }
}

/** The first message to send when resuming by message, else undefined. */
export function resumeFirstMessage(
  options: ResumeOptions | undefined,
  token: string | undefined
): string | undefined {
  if (!options || options.via !== 'message' || token === undefined) return undefined
  return JSON.stringify({ type: 'resume', token })
}
