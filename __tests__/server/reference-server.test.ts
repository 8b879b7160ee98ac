import { afterEach, describe, expect, it } from '@jest/globals'
import { request } from 'node:http'
import { createServer } from 'node:net'
import WebSocket from 'ws'
import { startReferenceServer, type ReferenceServer } from '../../src/server/reference-server.js'

function open(url: string, protocols: string[] = []): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols)
    ws.once('open', () => resolve(ws))
    ws.once('error', reject)
  })
}

function next(ws: WebSocket): Promise<{ data: Buffer; isBinary: boolean }> {
  return new Promise((resolve) =>
    ws.once('message', (data: Buffer, isBinary) => resolve({ data, isBinary }))
  )
}

describe('reference server', () => {
  let server: ReferenceServer | undefined
  const clients: WebSocket[] = []

  afterEach(async () => {
    for (const c of clients.splice(0)) c.terminate()
    await server?.close()
    server = undefined
  })

  async function client(path = '/ws', protocols: string[] = []): Promise<WebSocket> {
    const ws = await open(server!.url.replace('/ws', path), protocols)
    clients.push(ws)
    return ws
  }

  it('listens on 127.0.0.1 with a free port and accepts any path', async () => {
    server = await startReferenceServer()
    expect(server.url).toBe(`ws://127.0.0.1:${server.port}/ws`)
    await client('/ws')
    await client('/')
    await client('/some/other')
    expect(server.stats.connections).toBe(3)
  })

  it('echoes text as text and binary as binary, including a 2 MiB frame', async () => {
    server = await startReferenceServer()
    const ws = await client()
    let reply = next(ws)
    ws.send('hello')
    expect(await reply).toEqual({ data: Buffer.from('hello'), isBinary: false })
    const big = Buffer.alloc(2 * 1024 * 1024, 7)
    big[12345] = 1
    reply = next(ws)
    ws.send(big)
    const got = await reply
    expect(got.isBinary).toBe(true)
    expect(got.data.equals(big)).toBe(true)
    expect(server.stats.messagesReceived).toBe(2)
    expect(server.stats.bytesReceived).toBe(5 + big.length)
  })

  it('answers a JSON ping with a pong carrying the same id, and echoes other JSON', async () => {
    server = await startReferenceServer()
    const ws = await client()
    let reply = next(ws)
    ws.send('{"type":"ping","id":"42"}')
    expect(JSON.parse((await reply).data.toString())).toEqual({ type: 'pong', id: '42' })
    reply = next(ws)
    ws.send('{"type":"chat","text":"ping"}')
    expect((await reply).data.toString()).toBe('{"type":"chat","text":"ping"}')
    expect(server.stats.jsonPings).toBe(1)
  })

  it('answers RFC 6455 pings with the same payload', async () => {
    server = await startReferenceServer()
    const ws = await client()
    const pong = new Promise<Buffer>((resolve) => ws.once('pong', resolve))
    ws.ping(Buffer.from([1, 2, 3, 4]))
    expect([...(await pong)]).toEqual([1, 2, 3, 4])
  })

  it('sends a connection_established banner only when asked', async () => {
    server = await startReferenceServer({ banner: true })
    const ws = new WebSocket(server.url)
    clients.push(ws)
    const first = await next(ws)
    expect(JSON.parse(first.data.toString())).toMatchObject({ type: 'connection_established' })
  })

  it('selects the first offered subprotocol', async () => {
    server = await startReferenceServer()
    const ws = await client('/ws', ['v2', 'v1'])
    expect(ws.protocol).toBe('v2')
  })

  it('acknowledges a client close with 1000', async () => {
    server = await startReferenceServer()
    const ws = await client()
    const closed = new Promise<number>((resolve) => ws.once('close', resolve))
    ws.close(1000)
    expect(await closed).toBe(1000)
  })

  it('answers plain HTTP with 426', async () => {
    server = await startReferenceServer()
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: server!.port, path: '/' }, (res) => {
        res.resume()
        resolve(res.statusCode ?? 0)
      })
      req.on('error', reject)
      req.end()
    })
    expect(status).toBe(426)
  })

  it('close() terminates clients and releases the port', async () => {
    server = await startReferenceServer()
    const ws = await client()
    const closed = new Promise<number>((resolve) => ws.once('close', resolve))
    const port = server.port
    await server.close()
    server = undefined
    expect(await closed).toBe(1006)
    // The port is free again: a plain TCP server can bind it.
    const probe = createServer()
    await new Promise<void>((resolve, reject) => {
      probe.once('error', reject)
      probe.listen(port, '127.0.0.1', () => resolve())
    })
    await new Promise<void>((resolve) => probe.close(() => resolve()))
  })

  it('rejects bad options with a RangeError naming the option', async () => {
    await expect(startReferenceServer({ port: 70000 })).rejects.toThrow(/port: got 70000/)
    await expect(startReferenceServer({ maxPayload: 0 })).rejects.toThrow(/maxPayload: got 0/)
  })
})

describe('reference server on a busy port', () => {
  it('rejects with WSH_ERR_SERVER_START naming the port', async () => {
    const first = await startReferenceServer()
    try {
      await expect(startReferenceServer({ port: first.port })).rejects.toMatchObject({
        code: 'WSH_ERR_SERVER_START',
        message: `port ${first.port} is in use (choose another --port, or 0 for any free port)`
      })
    } finally {
      await first.close()
    }
  })
})
