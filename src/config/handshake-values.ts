/**
 * Rules for what goes into the opening handshake: the URL, header names and
 * values, and subprotocols. Each returns the problem in words (or undefined),
 * so the schema can report it as `<field>: expected <problem>` before any
 * connection is made, instead of `ws` throwing mid-run or a header being
 * smuggled onto the wire with CR/LF.
 */

/** RFC 7230 token: header names and RFC 6455 subprotocol names. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/
/** RFC 7230 field-value: visible characters, spaces and tabs (obs-text allowed); no CR, LF or NUL. */
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/

/** Why `value` is not a usable ws:// or wss:// URL, or undefined when it is. */
export function wsUrlProblem(value: string): string | undefined {
  if (/\s/.test(value)) return 'a ws:// or wss:// URL without spaces (percent-encode them as %20)'
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return 'a ws:// or wss:// URL that parses (check the host, the port (0-65535) and any [IPv6] brackets)'
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') return 'a ws:// or wss:// URL'
  if (url.hostname === '') return 'a ws:// or wss:// URL with a host'
  // RFC 6455 3: fragment identifiers MUST NOT be used in WebSocket URIs.
  if (value.includes('#')) return 'a ws:// or wss:// URL without a #fragment (RFC 6455 section 3)'
  return undefined
}

/** Why `name` is not a valid header name, or undefined. */
export function headerNameProblem(name: string): string | undefined {
  return TOKEN.test(name)
    ? undefined
    : "header names made of letters, digits and !#$%&'*+.^_`|~- only (RFC 7230 token)"
}

/** Why a header value is invalid (never repeating the value: it may be a secret), or undefined. */
export function headerValueProblem(value: string): string | undefined {
  return FIELD_VALUE.test(value)
    ? undefined
    : 'a header value without CR, LF or other control characters'
}

/** Why a subprotocol list is invalid, or undefined. */
export function subprotocolsProblem(list: readonly string[]): string | undefined {
  const bad = list.find((name) => !TOKEN.test(name))
  if (bad !== undefined) {
    return `subprotocol names made of letters, digits and !#$%&'*+.^_\`|~- only (RFC 6455 4.1); ${JSON.stringify(bad)} is not one`
  }
  const seen = new Set<string>()
  for (const name of list) {
    if (seen.has(name)) return `each subprotocol once; ${JSON.stringify(name)} is listed twice`
    seen.add(name)
  }
  return undefined
}
