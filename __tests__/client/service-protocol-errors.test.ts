/**
 * A service that breaks the framing rules after the handshake: the probe
 * that was waiting is failed with the violation ws detected and its code
 * (WSH_ERR_PROTOCOL), not "connection closed (code 1006)".
 */
import { afterEach, describe, expect, it } from '@jest/globals'
import type { WebSocket } from 'ws'
import { isHealthError } from '../../src/errors.js'
import { makeConfig } from '../fixtures/builders.js'
import { startWsServer, type TestServer } from '../fixtures/ws-server.js'
import { wireClient } from '../suites/harness.js'

let server: TestServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

/** Answers every message with `frame`, written raw on the socket (ws would never send it). */
function startRawFrameServer(frame: Buffer): Promise<TestServer> {
  return startWsServer(() => (socket: WebSocket) => {
    ;(socket as unknown as { _socket: { write(data: Buffer): void } })._socket.write(frame)
  })
}

describe('a framing violation by the service is named with its ws code', () => {
  it.each([
    ['an invalid opcode', Buffer.from([0x83, 0x00]), 'WS_ERR_INVALID_OPCODE'],
    ['RSV1 set without an extension', Buffer.from([0xc1, 0x00]), 'WS_ERR_UNEXPECTED_RSV_1'],
    ['a masked server frame', Buffer.from([0x81, 0x80, 1, 2, 3, 4]), 'WS_ERR_UNEXPECTED_MASK'],
    ['an invalid close code', Buffer.from([0x88, 0x02, 0x03, 0xec]), 'WS_ERR_INVALID_CLOSE_CODE']
  ])('%s', async (_name, frame, wsCode) => {
    server = await startRawFrameServer(frame)
    const { connect } = wireClient(server.url, makeConfig({ url: server.url }))
    const connection = await connect()
    const error = await connection.probe({ timeoutMs: 5_000 }).then(
      () => new Error('answered'),
      (caught: unknown) => caught
    )
    expect(isHealthError(error) && error.code).toBe('WSH_ERR_PROTOCOL')
    expect((error as Error).message).toContain('after the service broke the protocol')
    expect((error as Error).message).toContain(wsCode)
  })
})
