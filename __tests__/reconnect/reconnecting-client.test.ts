import { describe, it, expect } from '@jest/globals'
import type { BackoffOptions } from '../../src/client/backoff.js'
import {
  createReconnectingClient,
  type ReconnectingClient
} from '../../src/client/reconnecting-client.js'
import { HealthError } from '../../src/errors.js'
import { createManualClock } from '../fixtures/clock.js'
import { ackingDedupe, closeAfterEach, closedPort, startServer, waitFor } from './servers.js'
import { clientOptions, type PartialClientOptions } from '../fixtures/schema-defaults.js'

const mid = (): number => 0.5
/** Auto-advanced time jumps past every ack deadline at once; these tests resend only on reconnect. */
const NO_ACK_TIMEOUT = 0

const { servers, clients } = closeAfterEach()

function track<T extends ReconnectingClient>(client: T): T {
  clients.push(client)
  return client
}

/** The delay policy these tests assert: 500 ms doubling up to a 10 s cap, 5 attempts. */
const POLICY: BackoffOptions = {
  initialDelayMs: 500,
  factor: 2,
  maxDelayMs: 10_000,
  jitter: 0.2,
  maxAttempts: 5
}

/** A tracked client with mid-range jitter that resends only on reconnect; `options` is what the test varies. */
function reconnectOnlyClient(options: PartialClientOptions): ReconnectingClient {
  return track(
    createReconnectingClient(
      clientOptions({ ackTimeoutMs: NO_ACK_TIMEOUT, random: mid, ...options }, POLICY)
    )
  )
}

async function rejection(promise: Promise<unknown>): Promise<HealthError> {
  try {
    await promise
  } catch (error) {
    return error as HealthError
  }
  throw new Error('expected a rejection')
}

describe('reconnecting client against a closed port', () => {
  it('backs off 500, 1000, 2000, 4000, 8000 ms and gives up after 5 attempts', async () => {
    const port = await closedPort()
    const clock = createManualClock({ sleeps: 'auto-advance' })
    const client = reconnectOnlyClient({ url: `ws://127.0.0.1:${port}/`, clock, breaker: null })
    const error = await rejection(client.start())
    expect(error).toBeInstanceOf(HealthError)
    expect(error.code).toBe('WSH_ERR_RECONNECT_EXHAUSTED')
    // The seed's message stays the prefix; the last attempt's cause follows it.
    expect(error.message).toMatch(
      new RegExp(
        `^Reconnection attempts exceeded maximum \\(5\\); last error: .*127\\.0\\.0\\.1:${port}.*ECONNREFUSED`
      )
    )
    expect(client.state).toBe('failed')
    expect(client.stats.attempts).toBe(6) // the first connect plus 5 reconnect attempts
    expect(client.stats.recoveries).toHaveLength(1)
    expect(client.stats.recoveries[0]).toMatchObject({
      cause: 'initial',
      attempts: 5,
      delaysMs: [500, 1000, 2000, 4000, 8000],
      succeeded: false,
      timeToReconnectMs: null
    })
    expect(client.stats.lastError?.code).toBe('WSH_ERR_CONNECT')
  })

  it('names the configured maximum and lets the open breaker stretch the waits', async () => {
    const port = await closedPort()
    const clock = createManualClock({ sleeps: 'auto-advance' })
    const client = reconnectOnlyClient({
      url: `ws://127.0.0.1:${port}/`,
      clock,
      backoff: { maxAttempts: 4 },
      breaker: { failureThreshold: 3, resetTimeoutMs: 5000 }
    })
    const error = await rejection(client.start())
    expect(error.message).toMatch(/^Reconnection attempts exceeded maximum \(4\); last error: /)
    // Failures 1-3 open the breaker; then each wait is at least its 5 s reset timeout.
    expect(client.stats.recoveries[0].delaysMs).toEqual([500, 1000, 5000, 5000])
    expect(client.stats.recoveries[0].policyDelaysMs).toEqual([500, 1000, 2000, 4000])
    expect(client.breaker?.transitions.map((t) => t.to)).toEqual([
      'open',
      'half-open',
      'open',
      'half-open',
      'open'
    ])
  })
})

describe('reconnecting client against a live server', () => {
  it('resends unacknowledged messages after an abrupt drop and counts each once', async () => {
    const seen = new Map<string, number>()
    const dedupe = ackingDedupe(seen)
    const server = await startServer((ws) => {
      if (server.sockets.length > 1) {
        dedupe(ws)
        return
      }
      // First connection: ack m-1, then die abruptly on m-2 without acking it.
      ws.on('message', (data) => {
        const { id } = JSON.parse((data as Buffer).toString('utf8')) as { id: string }
        seen.set(id, (seen.get(id) ?? 0) + 1)
        if (id === 'm-1') ws.send(JSON.stringify({ type: 'ack', id }))
        else ws.terminate()
      })
    })
    servers.push(server)
    const clock = createManualClock({ sleeps: 'auto-advance' })
    const client = reconnectOnlyClient({ url: server.url, clock, breaker: null })
    // Sent while the client is disconnected (during the backoff wait): queued, delivered after reconnect.
    clock.beforeWake = () => {
      if (client.stats.messagesSent === 2) client.send({ type: 'msg', n: 3 })
    }
    await client.start()
    client.send({ type: 'msg', n: 1 })
    client.send('two')
    await waitFor(() => client.stats.reconnections === 1 && client.pending === 0)
    expect([...seen.keys()].sort()).toEqual(['m-1', 'm-2', 'm-3'])
    expect(seen.get('m-2')).toBe(2) // written on both connections, acked once
    expect(client.stats.resends).toBeGreaterThanOrEqual(1)
    expect(client.stats.messagesAcked).toBe(3)
    const recovery = client.stats.recoveries[0]
    expect(recovery).toMatchObject({ cause: 'drop', closeCode: 1006, attempts: 1, delaysMs: [500] })
    expect(recovery.timeToReconnectMs).toBe(500) // manual clock: only the backoff wait passed
    await client.close()
    expect(client.stats.messagesLost).toBe(0)
  })

  it('opens, half-opens and closes the breaker against a server that goes away and comes back', async () => {
    let server = await startServer()
    servers.push(server)
    const port = server.port
    const clock = createManualClock({ sleeps: 'auto-advance' })
    const client = reconnectOnlyClient({
      url: server.url,
      clock,
      backoff: { maxAttempts: 10 },
      breaker: { failureThreshold: 2, resetTimeoutMs: 3000 }
    })
    let restarted = false
    clock.beforeWake = async () => {
      // The service returns only once the breaker has opened.
      if (client.breaker?.state === 'open' && !restarted) {
        restarted = true
        server = await startServer(() => undefined, port)
        servers.push(server)
      }
    }
    await client.start()
    await servers[0].close()
    await waitFor(() => client.stats.reconnections === 1)
    expect(client.state).toBe('open')
    expect(restarted).toBe(true)
    expect(client.breaker?.transitions.map((t) => `${t.from}->${t.to}`)).toEqual([
      'closed->open',
      'open->half-open',
      'half-open->closed'
    ])
    const recovery = client.stats.recoveries[0]
    expect(recovery.attempts).toBe(3)
    expect(recovery.delaysMs).toEqual([500, 1000, 3000])
  })

  it('gives up when the service never returns and counts pending messages as lost', async () => {
    const server = await startServer()
    servers.push(server)
    const clock = createManualClock({ sleeps: 'auto-advance' })
    const client = reconnectOnlyClient({
      url: server.url,
      clock,
      backoff: { maxAttempts: 2 },
      breaker: { failureThreshold: 3, resetTimeoutMs: 5_000 }
    })
    await client.start()
    await server.close()
    client.send({ type: 'msg' })
    await waitFor(() => client.state === 'failed')
    expect(client.failure?.message).toMatch(
      /^Reconnection attempts exceeded maximum \(2\); last error: .*ECONNREFUSED/
    )
    expect(client.stats.messagesLost).toBe(1)
    expect(() => client.send('late')).toThrow(/exceeded maximum/)
  })

  it('times out waiting for acks on the clock it was given', async () => {
    const server = await startServer()
    servers.push(server)
    const clock = createManualClock()
    const client = track(createReconnectingClient(clientOptions({ url: server.url, clock })))
    await client.start()
    client.send({ type: 'never-acked' })
    const waiting = client.waitForAcks(1000)
    clock.advance(999)
    clock.advance(1)
    const error = await rejection(waiting)
    expect(error.code).toBe('WSH_ERR_MESSAGE_TIMEOUT')
  })

  it('does not reconnect after a normal close from the service', async () => {
    const server = await startServer((ws) => ws.close(1000, 'done'))
    servers.push(server)
    const client = track(
      createReconnectingClient(clientOptions({ url: server.url, breaker: null }))
    )
    await client.start()
    await waitFor(() => client.state === 'closed')
    expect(client.stats.recoveries).toHaveLength(0)
  })
})
