import { describe, it, expect } from '@jest/globals'
import { redactConfig, redactText, redactUrl } from '../../src/config/redact.js'
import { ConfigSchema } from '../../src/config/schema.js'

describe('redactConfig', () => {
  it('replaces header values and keeps the rest of the effective config', () => {
    const config = ConfigSchema.parse({
      url: 'ws://127.0.0.1:9/ws',
      headers: { Authorization: 'Bearer abc', 'X-Team': 'blue' },
      chaosSeed: 3
    })
    const redacted = redactConfig(config)
    expect(redacted.headers).toEqual({ Authorization: '***', 'X-Team': '***' })
    expect(redacted.url).toBe('ws://127.0.0.1:9/ws')
    expect(redacted.connectionCount).toBe(10)
    expect(redacted.chaosSeed).toBe(3)
    expect(redacted.thresholds).toMatchObject({ p99LatencyMs: 1000 })
    expect(JSON.stringify(redacted)).not.toContain('abc')
    expect(JSON.stringify(redacted)).not.toContain('blue')
  })

  it('leaves out unset optional fields so the result is JSON-safe', () => {
    const redacted = redactConfig(ConfigSchema.parse({}))
    expect('url' in redacted).toBe(false)
    expect(JSON.parse(JSON.stringify(redacted))).toEqual(redacted)
  })

  it('replaces token-like fields wherever they appear', () => {
    const config = { ...ConfigSchema.parse({}), githubToken: 'ghs_x', apiKey: 'k' }
    const redacted = redactConfig(config)
    expect(redacted.githubToken).toBe('***')
    expect(redacted.apiKey).toBe('***')
  })
})

describe('redactConfig keeps settings that only name a token', () => {
  it('shows resumeTokenField and resumeName values, still hiding githubToken', () => {
    const parsed = ConfigSchema.parse({
      selfHealing: { resumeTokenField: 'sessionToken', resumeName: 'resume_token' }
    })
    const redacted = redactConfig({ ...parsed, githubToken: 'ghs_secret' })
    expect(redacted.selfHealing).toMatchObject({
      resumeTokenField: 'sessionToken',
      resumeName: 'resume_token'
    })
    expect(redacted.githubToken).toBe('***')
    expect(JSON.stringify(redacted)).not.toContain('ghs_secret')
  })

  it('redacts secret query parameters in any URL setting, not only url', () => {
    const config = {
      ...ConfigSchema.parse({}),
      webhookUrl: 'https://hooks.test/x?token=abc&room=1'
    }
    const redacted = redactConfig(config as typeof config)
    expect(redacted.webhookUrl).toBe('https://hooks.test/x?token=***&room=1')
  })
})

describe('redactUrl', () => {
  it('hides URL passwords and token-like query parameters', () => {
    expect(redactUrl('wss://user:pw@host.test/ws?token=abc&room=1')).toBe(
      'wss://user:***@host.test/ws?token=***&room=1'
    )
    expect(redactUrl('ws://host.test:8001/ws')).toBe('ws://host.test:8001/ws')
  })
})

describe('redactUrl covers every credential-bearing parameter', () => {
  const names = [
    'token',
    'access_token',
    'key',
    'apikey',
    'api_key',
    'secret',
    'password',
    'pass',
    'auth',
    'jwt',
    'session',
    'session_id',
    'sid',
    'sig',
    'signature',
    'resume',
    'x-resume-token'
  ]
  it.each(names)('masks ?%s=', (name) => {
    const out = redactUrl(`wss://host.test/ws?${name}=SECRETVALUE&room=1`)
    expect(out).not.toContain('SECRETVALUE')
    expect(out).toContain('room=1')
  })

  it('drops user-info when asked, masks the password otherwise', () => {
    expect(redactUrl('wss://u:pw@host.test/ws')).toBe('wss://u:***@host.test/ws')
    expect(redactUrl('wss://u:pw@host.test/ws', { dropUserinfo: true })).toBe('wss://host.test/ws')
  })

  it('redactText masks URLs inside free text and listed secrets', () => {
    const text = redactText('cannot connect to ws://h.test/?jwt=abc.def.ghi: boom RAWTOKEN', [
      'RAWTOKEN'
    ])
    expect(text).not.toContain('abc.def.ghi')
    expect(text).not.toContain('RAWTOKEN')
    expect(text).toContain('boom')
  })
})
