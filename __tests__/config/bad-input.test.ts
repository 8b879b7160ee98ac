/**
 * Bad input is exit 2 before any connection: each case names the field, the
 * value (never a secret) and what is allowed (issue 17 section 5).
 */
import { describe, expect, it } from '@jest/globals'
import { parseArgv } from '../../src/config/argv.js'
import { loadConfig, type ConfigSources } from '../../src/config/load.js'
import { fixture, thrown } from './test-helpers.js'

function configError(sources: ConfigSources): string {
  const error = thrown(() => loadConfig({ env: {}, cwd: fixture('no-such-dir'), ...sources }))
  expect(error.code).toBe('WSH_ERR_CONFIG')
  return error.message
}

describe('URLs that new URL() rejects, or that RFC 6455 forbids', () => {
  it.each([
    ['ws://127.0.0.1:99999/ws', 'port (0-65535)'],
    ['ws://[::1/ws', '[IPv6] brackets'],
    ['ws://local host/ws', 'without spaces'],
    ['ws://127.0.0.1:8001/ws#part', 'without a #fragment'],
    ['http://127.0.0.1:8001/ws', 'a ws:// or wss:// URL']
  ])('%s is refused: %s', (url, allowed) => {
    const message = configError({ inputs: { url } })
    expect(message).toContain('url: expected ')
    expect(message).toContain(allowed)
    expect(message).toContain(JSON.stringify(url))
  })

  it('keeps the credentials of a URL that does not parse out of the message', () => {
    const message = configError({
      flags: { url: 'ws://admin:hunter2secret@[::1/ws?token=abc123secret&room=1' }
    })
    expect(message).toContain('--url: expected a ws:// or wss:// URL that parses')
    expect(message).not.toContain('hunter2secret')
    expect(message).not.toContain('abc123secret')
    expect(message).not.toContain('admin:')
    expect(message).toContain('room=1')
  })

  it('accepts ws://, wss://, IPv6 and a query', () => {
    for (const url of ['ws://127.0.0.1:8001/ws', 'wss://example.test/x?y=1', 'ws://[::1]:80/']) {
      expect(loadConfig({ env: {}, inputs: { url } }).url).toBe(url)
    }
  })
})

describe('handshake headers and subprotocols', () => {
  it('refuses a header value with CR/LF without echoing the value', () => {
    const message = configError({
      inputs: { headers: '{"Authorization":"Bearer s3cr3tvalue\\r\\nX-Evil: 1"}' }
    })
    expect(message).toContain('headers.Authorization: expected a header value without CR, LF')
    expect(message).not.toContain('s3cr3tvalue')
  })

  it('refuses a header name that is not a token', () => {
    expect(configError({ inputs: { headers: '{"Bad Name":"x"}' } })).toContain(
      'expected header names made of letters, digits'
    )
  })

  it('refuses an invalid or a duplicate subprotocol', () => {
    expect(configError({ inputs: { subprotocols: 'chat, v1 beta' } })).toContain(
      'subprotocols: expected subprotocol names made of letters, digits'
    )
    expect(configError({ inputs: { subprotocols: 'chat, chat' } })).toContain(
      'subprotocols: expected each subprotocol once; "chat" is listed twice'
    )
  })

  it('accepts valid headers and subprotocols', () => {
    const config = loadConfig({
      env: {},
      inputs: { headers: 'X-Api-Key: abc\tdef', subprotocols: 'chat, graphql-ws' }
    })
    expect(config.headers).toEqual({ 'X-Api-Key': 'abc\tdef' })
    expect(config.subprotocols).toEqual(['chat', 'graphql-ws'])
  })
})

describe('numbers and empty values', () => {
  it('refuses exponent notation for an integer instead of reading 1e3 as 1000', () => {
    expect(configError({ flags: { duration: '1e3' } })).toContain('--duration: expected an integer')
    expect(configError({ flags: { duration: '1e3' } })).toContain('got "1e3"')
  })

  it('refuses an empty flag value instead of using the default', () => {
    for (const argv of [
      ['run', '--duration='],
      ['run', '--duration', ''],
      ['run', '--url', '  ']
    ]) {
      const error = thrown(() => parseArgv(argv))
      expect(error.code).toBe('WSH_ERR_CONFIG')
      expect(error.message).toMatch(/^--(duration|url): expected a value, got an empty string/)
    }
  })
})
