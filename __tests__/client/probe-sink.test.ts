/**
 * Connection.probeTo: the promise-free probe the open-loop scheduler uses.
 * Every probe reaches its sink exactly once, with the caller's token, for
 * each way a probe ends: answered, corrupted, timed out, lost with the
 * connection, or refused before it was sent (then synchronously).
 */
import { describe, expect, it } from '@jest/globals'
import { connectionsClosedAfterEach, recordingSink } from './probe-sink-fixtures.js'
import { startReferenceServer } from '../../src/server/reference-server.js'
import { startDroppingServer, startMuteServer } from '../fixtures/faulty-servers.js'
import { startCorruptingServer } from '../fixtures/integrity-servers.js'
import { startWsServer } from '../fixtures/ws-server.js'

const connectTo = connectionsClosedAfterEach()

describe('Connection.probeTo', () => {
  it('reports each answered probe once, with its token and the figures probe() resolves with', async () => {
    const connection = await connectTo(await startReferenceServer())
    const sink = recordingSink()
    for (const token of [7, 8, 9]) connection.probeTo({ bytes: 100 }, sink, token)
    await sink.settled(3)
    expect(sink.outcomes.map((o) => o.token)).toEqual([7, 8, 9])
    for (const outcome of sink.outcomes) {
      expect(outcome).toMatchObject({ answered: true, bytes: 100, matchedById: true })
      expect(outcome.rttMs).toBeGreaterThan(0)
    }
    expect(connection.stats).toMatchObject({ messagesSent: 3, repliesMatched: 3, timeouts: 0 })
  })

  it('reports a dropped probe as timed out and a corrupted one as corrupted, once each', async () => {
    const dropping = await connectTo(await startDroppingServer(2))
    const sink = recordingSink()
    dropping.probeTo({ timeoutMs: 300 }, sink, 1)
    dropping.probeTo({ timeoutMs: 300 }, sink, 2)
    await sink.settled(2)
    expect(sink.outcomes).toEqual([
      expect.objectContaining({ token: 1, answered: true }),
      { token: 2, answered: false, code: 'WSH_ERR_MESSAGE_TIMEOUT' }
    ])
    const corrupting = await connectTo(await startCorruptingServer())
    corrupting.probeTo({}, sink, 3)
    await sink.settled(3)
    expect(sink.outcomes[2]).toEqual({
      token: 3,
      answered: false,
      code: 'WSH_ERR_CORRUPTED_REPLY'
    })
    // A later message settles nothing twice.
    await dropping.probe({ timeoutMs: 5_000 })
    expect(sink.outcomes).toHaveLength(3)
  })

  it('fails the probes in flight when the connection drops', async () => {
    const connection = await connectTo(await startMuteServer())
    const sink = recordingSink()
    connection.probeTo({ timeoutMs: 30_000 }, sink, 4)
    connection.probeTo({ timeoutMs: 30_000 }, sink, 5)
    expect(sink.outcomes).toHaveLength(0)
    connection.terminate()
    await sink.settled(2)
    expect(sink.outcomes).toEqual([
      { token: 4, answered: false, code: 'WSH_ERR_CONNECTION_LOST' },
      { token: 5, answered: false, code: 'WSH_ERR_CONNECTION_LOST' }
    ])
  })

  it('fails a probe it cannot send before probeTo returns, and throws for a bad timeout', async () => {
    const connection = await connectTo(await startReferenceServer())
    const sink = recordingSink()
    expect(() => connection.probeTo({ timeoutMs: 0 }, sink, 1)).toThrow(RangeError)
    await connection.close()
    connection.probeTo({}, sink, 6)
    expect(sink.outcomes).toEqual([{ token: 6, answered: false, code: 'WSH_ERR_CONNECTION_LOST' }])
    expect(connection.stats.messagesSent).toBe(0)
  })

  it('holds a burst of probes until releaseWrites, then sends them all', async () => {
    // An echo server that counts the messages of each connection, in connection order.
    const received: number[] = []
    const server = await startWsServer(() => {
      const index = received.push(0) - 1
      return (socket, data, isBinary) => {
        received[index]++
        socket.send(data, { binary: isBinary })
      }
    })
    const held = await connectTo(server)
    const other = await connectTo(server)
    const sink = recordingSink()
    held.holdWrites()
    held.holdWrites()
    for (const token of [1, 2, 3]) held.probeTo({}, sink, token)
    held.releaseWrites()
    // A round trip through the same server after the probes: had they been written, it read them first.
    await other.probe()
    expect(received).toEqual([0, 1])
    expect(sink.outcomes).toHaveLength(0)
    held.releaseWrites()
    await sink.settled(3)
    expect(received).toEqual([3, 1])
    expect(sink.outcomes.map((o) => [o.token, o.answered])).toEqual([
      [1, true],
      [2, true],
      [3, true]
    ])
  })
})
