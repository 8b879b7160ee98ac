import { describe, expect, it } from '@jest/globals'
import { createProbeProtocol, FOREIGN, MATCH_FIFO, NO_MATCH } from '../../src/client/protocol.js'
import { ConfigSchema, type ConfigInput } from '../../src/config/schema.js'

function protocolOf(input: ConfigInput) {
  return createProbeProtocol(ConfigSchema.parse(input))
}

describe('echo protocol', () => {
  const echo = protocolOf({ largePayloadBytes: 2 * 1024 * 1024 })

  it('carries every kind', () => {
    for (const kind of ['text', 'json', 'binary', 'large'] as const)
      expect(echo.canCarry(kind)).toBe(true)
  })

  it.each([
    ['text', false],
    ['json', false],
    ['binary', true],
    ['large', true]
  ] as const)('embeds the id in a %s probe and matches the echo', (kind, binary) => {
    const sent = echo.encode(4242, kind)
    expect(sent.binary).toBe(binary)
    expect(echo.match(Buffer.from(sent.data), binary)).toBe(4242)
    expect(sent.kind).toBe(kind)
    expect(echo.intact(Buffer.from(sent.data), binary, 4242, kind, sent.data.length)).toBe(true)
  })

  it('sizes probes: default text 64 bytes, large from config, explicit bytes', () => {
    expect(echo.encode(1, 'text').data.length).toBe(64)
    expect(echo.encode(1, 'large').data.length).toBe(2 * 1024 * 1024)
    expect(echo.encode(1, 'binary', 1000).data.length).toBe(1000)
    expect(JSON.parse(echo.encode(7, 'json').data.toString())).toMatchObject({ wshId: 7 })
  })

  it('flags a reply whose bytes differ as not intact', () => {
    const sent = echo.encode(9, 'binary')
    const corrupted = Buffer.from(sent.data)
    corrupted[corrupted.length - 1] ^= 0xff
    expect(echo.match(corrupted, true)).toBe(9)
    expect(echo.intact(Buffer.from(sent.data), true, 9, 'binary', 256)).toBe(true)
    expect(echo.intact(corrupted, true, 9, 'binary', 256)).toBe(false)
    expect(echo.intact(sent.data.subarray(0, 100), true, 9, 'binary', 256)).toBe(false)
  })

  it.each([
    ['text', 64],
    ['text', 100_000],
    ['json', 64],
    ['json', 70_000],
    ['binary', 256],
    ['binary', 200_000],
    ['large', undefined]
  ] as const)(
    'checks a %s reply of %s bytes against the probe rebuilt from id, kind, size and nonce',
    (kind, bytes) => {
      const sent = echo.encode(305419, kind, bytes, 0xdeadbeef)
      const size = sent.data.length
      const reply = Buffer.from(sent.data)
      expect(echo.intact(reply, sent.binary, 305419, kind, size, 0xdeadbeef)).toBe(true)
      // Any other probe: another id, nonce or kind, or the same one cut short.
      expect(echo.intact(reply, sent.binary, 305418, kind, size, 0xdeadbeef)).toBe(false)
      expect(echo.intact(reply, sent.binary, 305419, kind, size, 0xdeadbeee)).toBe(false)
      const other = kind === 'text' ? 'json' : 'text'
      expect(echo.intact(reply, sent.binary, 305419, other, size, 0xdeadbeef)).toBe(false)
      expect(
        echo.intact(reply.subarray(0, size - 1), sent.binary, 305419, kind, size, 0xdeadbeef)
      ).toBe(false)
      // One flipped bit anywhere: at the head, in the middle, at the end.
      for (const at of [0, 5, 11, Math.floor(size / 2), size - 1]) {
        const corrupted = Buffer.from(sent.data)
        corrupted[at] ^= 0x01
        expect(echo.intact(corrupted, sent.binary, 305419, kind, size, 0xdeadbeef)).toBe(false)
      }
    }
  )

  it.each([0, 9, 10, 305419, 4294967295])(
    'refuses a text reply to probe %s with any one byte changed (checked in place up to 1 KiB, rebuilt above)',
    (id) => {
      for (const bytes of [64, 1024, 1025]) {
        const sent = echo.encode(id, 'text', bytes, 0x0123abcd)
        expect(echo.intact(Buffer.from(sent.data), false, id, 'text', bytes, 0x0123abcd)).toBe(true)
        for (let at = 0; at < bytes; at++) {
          const corrupted = Buffer.from(sent.data)
          corrupted[at] ^= 0x01
          expect(echo.intact(corrupted, false, id, 'text', bytes, 0x0123abcd)).toBe(false)
        }
      }
    }
  )

  it('encodes a text probe as wsh:<id>:<nonce>: then filler', () => {
    expect(echo.encode(12, 'text', 24, 0xdeadbeef).data.toString()).toBe('wsh:12:deadbeef:aaaaaaaa')
  })

  it('treats anything without a probe header as unsolicited', () => {
    for (const text of [
      'hello',
      'wsh:',
      'wsh:x1:',
      '{"type":"connection_established"}',
      '{"wshId":"1",'
    ]) {
      expect(echo.match(Buffer.from(text), false)).toBe(NO_MATCH)
    }
    expect(echo.match(Buffer.from([1, 2, 3, 4, 5, 6, 7, 8, 9]), true)).toBe(NO_MATCH)
  })

  it.each(['text', 'json', 'binary'] as const)(
    'carries the connection nonce in a %s probe: another connection sees it as FOREIGN',
    (kind) => {
      const sent = echo.encode(77, kind, undefined, 0xdeadbeef)
      expect(echo.match(Buffer.from(sent.data), sent.binary, 0xdeadbeef)).toBe(77)
      expect(echo.match(Buffer.from(sent.data), sent.binary, 0x12345678)).toBe(FOREIGN)
      expect(echo.match(Buffer.from(sent.data), sent.binary)).toBe(FOREIGN)
      if (kind === 'json') {
        expect(JSON.parse(sent.data.toString())).toMatchObject({ wshId: 77, wshNonce: 'deadbeef' })
      }
    }
  )

  it('treats a probe header whose nonce is unreadable as unsolicited, not as cross-talk', () => {
    for (const text of ['wsh:1:zzzzzzzz:aaaa', 'wsh:1:0000:', '{"wshId":1,"other":"x"}']) {
      expect(echo.match(Buffer.from(text), false)).toBe(NO_MATCH)
    }
    expect(() => echo.encode(1, 'text', undefined, -1)).toThrow(/nonce: got -1/)
  })

  it('rejects out-of-range ids and sizes with a RangeError naming the option', () => {
    expect(() => echo.encode(-1, 'text')).toThrow(/id: got -1/)
    expect(() => echo.encode(1, 'text', 3)).toThrow(/bytes: got 3/)
    expect(() => echo.encode(1, 'binary', 4)).toThrow(/bytes: got 4/)
    expect(() => echo.encode(1, 'binary', 11)).toThrow(/bytes: got 11/)
  })
})

describe('json protocol', () => {
  const json = protocolOf({ protocol: 'json' })

  it('cannot carry binary or large payloads and says why', () => {
    expect(json.canCarry('text')).toBe(true)
    expect(json.canCarry('json')).toBe(true)
    expect(json.canCarry('binary')).toBe(
      'protocol json carries only its JSON template; binary payloads cannot be echoed'
    )
    expect(json.canCarry('large')).toMatch(/large payloads cannot be echoed/)
    expect(() => json.encode(1, 'binary')).toThrow(RangeError)
  })

  it('fills the template with the id', () => {
    expect(json.encode(12, 'text').data.toString()).toBe('{"type":"ping","id":"12"}')
    expect(json.encode(13, 'json').binary).toBe(false)
  })

  it('correlates a pong by its id (string or number) and falls back to FIFO without one', () => {
    expect(json.match(Buffer.from('{"type":"pong","id":"12"}'), false)).toBe(12)
    expect(json.match(Buffer.from('{"id":5,"type":"pong"}'), false)).toBe(5)
    expect(json.match(Buffer.from('{"type":"pong"}'), false)).toBe(MATCH_FIFO)
    expect(json.match(Buffer.from('{"type":"pong","id":"abc"}'), false)).toBe(MATCH_FIFO)
  })

  it('never mistakes banners, broadcasts or noise for replies', () => {
    for (const text of [
      '{"type":"connection_established","id":"1"}',
      '{"type":"broadcast","text":"pong"}',
      '{"type":"ping","id":"3"}',
      'pong',
      '{"type":"pong"',
      '[1,2]'
    ]) {
      expect(json.match(Buffer.from(text), false)).toBe(NO_MATCH)
    }
    expect(json.match(Buffer.from('{"type":"pong"}'), true)).toBe(NO_MATCH)
  })

  it('honours a custom template, nested match field and id field', () => {
    const custom = protocolOf({
      protocol: 'json',
      json: {
        template: '{"op":"hb","meta":{"seq":{{id}}}}',
        matchField: 'result.kind',
        matchValue: 'ack',
        idField: 'meta.seq'
      }
    })
    expect(JSON.parse(custom.encode(3, 'text').data.toString())).toEqual({
      op: 'hb',
      meta: { seq: 3 }
    })
    expect(custom.match(Buffer.from('{"result":{"kind":"ack"},"meta":{"seq":3}}'), false)).toBe(3)
    expect(custom.match(Buffer.from('{"result":{"kind":"ack"}}'), false)).toBe(MATCH_FIFO)
    expect(custom.match(Buffer.from('{"result":{"kind":"nack"},"meta":{"seq":3}}'), false)).toBe(
      NO_MATCH
    )
  })
})
