import { describe, it, expect, afterEach } from '@jest/globals'
import { openWsSocket, type ClientSocket } from '../../src/client/socket-opener.js'
import { startReferenceServer, type ReferenceServer } from '../../src/server/reference-server.js'

/** Collects parsed text messages of a socket. */
function inbox(socket: ClientSocket): { messages: string[]; next(): Promise<string> } {
  const messages: string[] = []
  let wake: (() => void) | undefined
  socket.onMessage((data) => {
    messages.push(data.toString('utf8'))
    wake?.()
  })
  let read = 0
  return {
    messages,
    next: () =>
      new Promise<string>((resolve) => {
        const take = (): void => {
          if (read < messages.length) resolve(messages[read++] as string)
          else wake = take
        }
        take()
      })
  }
}

const open = (url: string): Promise<ClientSocket> =>
  openWsSocket(url, { headers: {}, subprotocols: [], handshakeTimeoutMs: 5000 })

describe('reference server resume option', () => {
  let server: ReferenceServer | undefined
  const sockets: ClientSocket[] = []
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.terminate()
    await server?.close()
    server = undefined
  })

  it('sends no greeting by default: the first message back is the echo', async () => {
    server = await startReferenceServer()
    const socket = await open(server.url)
    sockets.push(socket)
    const box = inbox(socket)
    socket.send('hello')
    expect(await box.next()).toBe('hello')
    expect(server.sessions).toBeUndefined()
  })

  it('with resume: true greets, keeps state per session and resumes it by query, echo unchanged', async () => {
    server = await startReferenceServer({ resume: true })
    const first = await open(server.url)
    sockets.push(first)
    const box = inbox(first)
    const greeting = JSON.parse(await box.next()) as {
      type: string
      token: string
      resumed: boolean
    }
    expect(greeting).toMatchObject({ type: 'session', resumed: false })
    first.send(JSON.stringify({ type: 'set', key: 'k', value: 42, id: 'a' }))
    expect(JSON.parse(await box.next())).toEqual({ type: 'ok', key: 'k', id: 'a' })
    first.send('plain echo')
    expect(await box.next()).toBe('plain echo')
    first.send(JSON.stringify({ type: 'ping', id: 'p' }))
    expect(JSON.parse(await box.next())).toEqual({ type: 'pong', id: 'p' })
    first.terminate()

    const again = await open(`${server.url}?resume=${encodeURIComponent(greeting.token)}`)
    sockets.push(again)
    const box2 = inbox(again)
    expect(JSON.parse(await box2.next())).toEqual({
      type: 'session',
      token: greeting.token,
      resumed: true
    })
    again.send(JSON.stringify({ type: 'get', key: 'k', id: 'b' }))
    expect(JSON.parse(await box2.next())).toEqual({
      type: 'value',
      key: 'k',
      value: 42,
      found: true,
      id: 'b'
    })
    expect(server.stats.resumed).toBe(1)
  })
})
