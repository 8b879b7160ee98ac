/**
 * The session token of the reconnecting client, as it changes over a run:
 * taken from the service's replies, sent back when the client dials again
 * (query, header or first message), and kept from being replaced by the new
 * connection's own greeting while a resume is outstanding. The stateless
 * parts (where a token sits, how it is sent) live in resume-options.ts.
 */
import {
  resumeFirstMessage,
  resumeHeaders,
  resumeUrl,
  tokenFrom,
  type ResumeOptions
} from './resume-options.js'

export interface ResumeSession {
  /** Last token received; never log it. */
  readonly token: string | undefined
  /** The URL to dial: `url`, with the token when resuming by query. */
  url(url: string): string
  /** The headers to send: `headers`, plus the token header when resuming by header. */
  headers(headers: Record<string, string>): Record<string, string>
  /** A new connection is being adopted: the first message to send on it (resume by message), else undefined. */
  begin(): string | undefined
  /** Takes the token a parsed JSON reply carries, if it is a token reply. */
  capture(json: object): void
}

/** `options` undefined: no resume, the token stays undefined. */
export function createResumeSession(options: ResumeOptions | undefined): ResumeSession {
  let token: string | undefined
  // Resuming by message: the new connection greets with a fresh token before it answers the
  // resume request, so one mismatching token is skipped while the request is outstanding.
  let resumeWanted: string | undefined
  let greetingsToSkip = 0
  return {
    get token() {
      return token
    },
    url: (url) => resumeUrl(url, options, token),
    headers: (headers) => resumeHeaders(headers, options, token),
    begin() {
      // Taken before any buffered message is replayed: the new connection's own greeting
      // carries a fresh token that must not replace the one being resumed.
      const first = resumeFirstMessage(options, token)
      resumeWanted = first === undefined ? undefined : token
      greetingsToSkip = first === undefined ? 0 : 1
      return first
    },
    capture(json) {
      if (!options) return
      const offered = tokenFrom(options, json)
      if (offered === undefined) return
      if (resumeWanted !== undefined && offered !== resumeWanted && greetingsToSkip > 0) {
        greetingsToSkip -= 1
        return
      }
      token = offered
      resumeWanted = undefined
    }
  }
}
