/**
 * Pending probes are kept in a ring of slots indexed by probe id, which
 * starts small and grows while more probes are outstanding than it holds.
 * Replies that come back in any order, timeouts with mixed deadlines, late
 * and duplicate replies must be told apart exactly as they were with one
 * entry per probe, however far the ring has grown.
 */
import { describe, expect, it } from '@jest/globals'
import type WebSocket from 'ws'
import { connectionsClosedAfterEach, recordingSink, type Outcome } from './probe-sink-fixtures.js'
import { startWsServer } from '../fixtures/ws-server.js'

/** Far more than the ring's first size (16), so it must grow while they are out. */
const PROBES = 100
/** Probe ids the service never answers (they time out). */
const dropped = (id: number): boolean => id % 10 === 3

/** The probe id of an echo text probe (`wsh:<id>:...`). */
function probeId(data: Buffer): number {
  return Number(/^wsh:(\d+):/.exec(data.toString('latin1'))?.[1] ?? -1)
}

/**
 * Holds the first PROBES probes of each connection, then echoes them newest
 * first, leaving out the dropped ids. On the text message `replay` it sends
 * again the replies to ids 5 (answered: a duplicate) and 3 (timed out:
 * late); everything else is echoed at once.
 */
function startReversingServer() {
  return startWsServer(() => {
    const held: Buffer[] = []
    return (socket: WebSocket, data: Buffer, isBinary: boolean) => {
      if (data.toString() === 'replay') {
        socket.send(held[5], { binary: false })
        socket.send(held[3], { binary: false })
        return
      }
      if (held.length >= PROBES) {
        socket.send(data, { binary: isBinary })
        return
      }
      held.push(Buffer.from(data))
      if (held.length < PROBES) return
      for (let i = held.length - 1; i >= 0; i--) {
        if (!dropped(probeId(held[i]))) socket.send(held[i], { binary: false })
      }
    }
  })
}

const connectTo = connectionsClosedAfterEach()

describe('pending probes past the first ring size', () => {
  it('matches replies in any order, times out the unanswered, and tells late from duplicate', async () => {
    const connection = await connectTo(await startReversingServer())
    const sink = recordingSink()
    // Mixed deadlines: the dropped probes time out long before the others could.
    for (let id = 0; id < PROBES; id++) {
      connection.probeTo({ timeoutMs: dropped(id) ? 300 : 60_000 }, sink, 1000 + id)
    }
    await sink.settled(PROBES)

    const answered = sink.outcomes.filter((o) => o.answered)
    const failed = sink.outcomes.filter((o) => !o.answered)
    const ids = (list: Outcome[]): number[] => list.map((o) => o.token - 1000)
    const expectedAnswered = [...Array(PROBES).keys()].filter((id) => !dropped(id))
    // Replies came back newest first, and each found its own probe.
    expect(ids(answered)).toEqual([...expectedAnswered].reverse())
    expect(answered.every((o) => o.matchedById === true)).toBe(true)
    expect(ids(failed).sort((a, b) => a - b)).toEqual(
      [...Array(PROBES).keys()].filter((id) => dropped(id))
    )
    expect(failed.every((o) => o.code === 'WSH_ERR_MESSAGE_TIMEOUT')).toBe(true)

    await connection.send('replay')
    // Echoed after the replayed replies on the same socket, so they were sorted by then.
    const after = await connection.probe()
    expect(after.id).toBe(PROBES)
    expect(sink.outcomes).toHaveLength(PROBES)
    expect(connection.stats).toMatchObject({
      repliesMatched: PROBES - 10 + 1,
      timeouts: 10,
      duplicates: 1,
      // The late reply to 3.
      unsolicited: 1
    })
  })
})
