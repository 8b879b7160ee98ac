import { describe, it, expect } from '@jest/globals'
import { redactUrl } from '../../src/config/redact.js'
import { issueKey, redactTarget } from '../../src/github/issue-marker.js'

describe('redactTarget', () => {
  it('uses the same parameter list as reports (session, sid, resume, jwt, ...)', () => {
    const target =
      'wss://u:p@host.test/ws?session=S1&sid=S2&resume=S3&x-resume-token=S4&jwt=S5&apikey=S6&room=1'
    const shown = redactTarget(target)
    expect(shown).not.toMatch(/S[1-6]/)
    expect(shown).not.toContain('u:p@')
    expect(shown).toContain('room=1')
    // Every parameter the report hides, the issue hides too.
    expect(new URL(shown).searchParams.toString()).toBe(
      new URL(redactUrl(target, { dropUserinfo: true })).searchParams.toString()
    )
  })

  it('keeps the issue key stable across rotating secrets and URL spelling', () => {
    expect(issueKey('wf', 'ws://h.test?session=a')).toBe(issueKey('wf', 'ws://h.test/?session=b'))
    expect(redactTarget('ws://h.test')).toBe('ws://h.test/')
  })
})
