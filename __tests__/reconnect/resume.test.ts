import { describe, it, expect } from '@jest/globals'
import {
  createReconnectingClient,
  type ReconnectingClient
} from '../../src/client/reconnecting-client.js'
import type { ResumeVia } from '../../src/client/resume-options.js'
import {
  attachResume,
  createResumeSession,
  createResumeStore,
  tokenFromRequest
} from '../../src/server/resume-protocol.js'
import { createManualClock } from '../fixtures/clock.js'
import { closeAfterEach, startServer, waitFor } from './servers.js'
import { clientOptions, type PartialClientOptions } from '../fixtures/schema-defaults.js'
import { makeConfig } from '../fixtures/builders.js'
import { resumeOptions } from '../../src/suites/self-healing-clients.js'

/** Auto-advanced time jumps past every ack deadline at once; these tests resend only on reconnect. */
const NO_ACK_TIMEOUT = 0

const { servers, clients } = closeAfterEach()

/** A client closed after the test, with mid-range jitter and no breaker, that resends only on reconnect. */
function reconnectOnlyClient(options: PartialClientOptions): ReconnectingClient {
  const client = createReconnectingClient(
    clientOptions({ ackTimeoutMs: NO_ACK_TIMEOUT, random: () => 0.5, breaker: null, ...options })
  )
  clients.push(client)
  return client
}

/**
 * Stores `cart` = 3, drops the connection, waits for the reconnect and asks
 * for `cart` again; resolves once the answer is in `values`.
 */
async function setDropAndGet(client: ReconnectingClient, values: unknown[]): Promise<void> {
  client.send({ type: 'set', key: 'cart', value: 3 })
  await waitFor(() => client.pending === 0)
  client.drop()
  await waitFor(() => client.stats.reconnections === 1)
  client.send({ type: 'get', key: 'cart' })
  await waitFor(() => values.length === 1)
}

describe('resume protocol (pure)', () => {
  it('keeps key/value state per token and answers get/set with the request id', () => {
    let n = 0
    const store = createResumeStore({ createToken: () => `t${++n}` })
    const first = createResumeSession(store)
    expect(JSON.parse(first.greeting())).toEqual({ type: 'session', token: 't1', resumed: false })
    expect(JSON.parse(first.handle('{"type":"set","key":"k","value":[1,2],"id":"a"}')!)).toEqual({
      type: 'ok',
      key: 'k',
      id: 'a'
    })
    const again = createResumeSession(store, { token: 't1' })
    expect(again.resumed).toBe(true)
    expect(JSON.parse(again.handle('{"type":"get","key":"k"}')!)).toEqual({
      type: 'value',
      key: 'k',
      value: [1, 2],
      found: true
    })
    const other = createResumeSession(store, { token: 'unknown' })
    expect(other.resumed).toBe(false)
    expect(JSON.parse(other.handle('{"type":"get","key":"k"}')!)).toMatchObject({
      found: false,
      value: null
    })
    // Switching by message.
    expect(JSON.parse(other.handle('{"type":"resume","token":"t1"}')!)).toEqual({
      type: 'session',
      token: 't1',
      resumed: true
    })
    expect(other.handle('hello')).toBeUndefined()
    expect(other.handle('{"type":"chat"}')).toBeUndefined()
    expect(JSON.parse(other.handle('{"type":"set","key":""}')!).type).toBe('error')
  })

  it('expires idle sessions and evicts the least recently used when full', () => {
    const clock = createManualClock()
    let n = 0
    const store = createResumeStore({
      clock,
      ttlMs: 1000,
      maxSessions: 2,
      createToken: () => `t${++n}`
    })
    store.open()
    store.open()
    expect(store.has('t1')).toBe(true) // t1 is now the most recently used
    store.open()
    expect(store.size).toBe(2)
    expect(store.has('t2')).toBe(false)
    clock.advance(1001)
    expect(store.open('t1').resumed).toBe(false)
    expect(store.sweep()).toBe(1)
    expect(() => createResumeStore({ maxSessions: 0 })).toThrow(/^maxSessions/)
  })

  it('reads the token from the query or the header', () => {
    expect(tokenFromRequest({ url: '/ws?resume=abc', headers: {} })).toBe('abc')
    expect(tokenFromRequest({ url: '/ws', headers: { 'x-resume-token': 'h' } })).toBe('h')
    expect(tokenFromRequest({ url: '/ws', headers: {} })).toBeUndefined()
  })
})

describe('session state survives a reconnect', () => {
  it.each<ResumeVia>(['query', 'header', 'message'])('resuming by %s', async (via) => {
    const server = await startServer()
    servers.push(server)
    const store = attachResume(server.wss)
    const clock = createManualClock({ sleeps: 'auto-advance' })
    const client = reconnectOnlyClient({
      url: server.url,
      clock,
      // A default config's resume settings for this carrier: the names the reference server reads.
      resume: resumeOptions(makeConfig({ selfHealing: { resume: via } }))
    })
    const values: unknown[] = []
    const heldDuringGreetings: Array<string | undefined> = []
    client.onMessage((_data, _binary, json) => {
      const type = (json as { type?: string })?.type
      if (type === 'value') values.push(json)
      if (type === 'session') heldDuringGreetings.push(client.resumeToken)
    })
    await client.start()
    await waitFor(() => client.resumeToken !== undefined)
    const token = client.resumeToken
    await setDropAndGet(client, values)
    expect(values[0]).toMatchObject({ key: 'cart', value: 3, found: true })
    expect(client.resumeToken).toBe(token)
    // The token being resumed is never replaced, not even by the reconnect's own greeting.
    // Non-empty first: an every()/loop over nothing would pass vacuously.
    expect(heldDuringGreetings.slice(1).length).toBeGreaterThan(0)
    expect(heldDuringGreetings.slice(1).every((held) => held === token)).toBe(true)
    expect(store.size).toBe(via === 'message' ? 2 : 1) // by message, the reconnect first gets a fresh session
  })

  it('finds no state when the client does not resume (the check can fail)', async () => {
    const server = await startServer()
    servers.push(server)
    attachResume(server.wss)
    const clock = createManualClock({ sleeps: 'auto-advance' })
    const client = reconnectOnlyClient({ url: server.url, clock })
    const values: unknown[] = []
    client.onMessage((_d, _b, json) => {
      if ((json as { type?: string })?.type === 'value') values.push(json)
    })
    await client.start()
    await setDropAndGet(client, values)
    expect(values[0]).toMatchObject({ found: false })
  })
})
