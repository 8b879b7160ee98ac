import { describe, it, expect } from '@jest/globals'
import {
  connectError,
  handshakeRejected,
  handshakeTimedOut
} from '../../src/client/connect-errors.js'
import { createReconnectingClient } from '../../src/client/reconnecting-client.js'
import { openWsSocket, type OpenSocket } from '../../src/client/socket-opener.js'
import { attachResume } from '../../src/server/resume-protocol.js'
import { createManualClock } from '../fixtures/clock.js'
import { closeAfterEach, startServer, waitFor } from './servers.js'
import { clientOptions } from '../fixtures/schema-defaults.js'

const { servers, clients } = closeAfterEach()

describe('connect errors never carry a credential of the URL', () => {
  const url = 'wss://u:pw@h.test/ws?session=S1&sid=S2&jwt=S3&resume=S4&room=1'
  it.each([
    ['rejected', handshakeRejected(url, 401).message],
    ['timed out', handshakeTimedOut(url, 10).message],
    [
      'refused',
      connectError(url, 10, Object.assign(new Error('x'), { code: 'ECONNREFUSED' })).message
    ],
    ['protocol', connectError(url, 10, new Error('bad accept')).message]
  ])('%s', (_name, message) => {
    expect(message).not.toMatch(/S[1-4]|:pw@/)
    expect(message).toContain('room=1')
  })
})

describe('stats.lastError', () => {
  it('never holds the resume token, even under a custom query parameter name', async () => {
    const server = await startServer()
    servers.push(server)
    attachResume(server.wss)
    let dials = 0
    // After the first connect, every dial fails with an error that echoes the dialled URL.
    const open: OpenSocket = async (target, options) => {
      dials += 1
      if (dials === 1) return openWsSocket(target, options)
      throw new Error(`refused while dialling ${target}`)
    }
    const client = createReconnectingClient(
      clientOptions({
        url: server.url,
        clock: createManualClock({ sleeps: 'auto-advance' }),
        random: () => 0.5,
        breaker: null,
        backoff: { maxAttempts: 2 },
        open,
        resume: { via: 'query', name: 'r', tokenField: 'token', messageType: 'session' }
      })
    )
    clients.push(client)
    await client.start()
    await waitFor(() => client.resumeToken !== undefined)
    const token = client.resumeToken as string
    client.drop()
    await waitFor(() => client.state === 'failed')
    expect(dials).toBeGreaterThan(1)
    expect(client.stats.lastError?.message).toContain('refused while dialling')
    expect(client.stats.lastError?.message).not.toContain(token)
    expect(client.failure?.message ?? '').not.toContain(token)
  })
})
