import { describe, it, expect, afterEach } from '@jest/globals'
import type { IncomingMessage } from 'node:http'
import { once } from 'node:events'
import WebSocket from 'ws'
import { NO_FAULTS } from '../../src/chaos/faults.js'
import { startChaosRelay, type ChaosRelay } from '../../src/chaos/relay.js'
import { createManualClock } from '../fixtures/clock.js'
import { startWsServer, type Reply, type WsTestServer } from '../fixtures/ws-server.js'

interface Upstream extends WsTestServer {
  requests: IncomingMessage[]
  pings: string[]
  closes: Array<[number, string]>
}

let relays: ChaosRelay[] = []
let upstreams: Upstream[] = []
let sockets: WebSocket[] = []

afterEach(async () => {
  for (const ws of sockets) ws.terminate()
  await Promise.all(relays.map((r) => r.close()))
  await Promise.all(upstreams.map((u) => u.close()))
  relays = []
  upstreams = []
  sockets = []
})

/** Echo server that also records upgrades, pings and close codes; 'close-me' closes with 4001. */
async function startUpstream(): Promise<Upstream> {
  const requests: IncomingMessage[] = []
  const pings: string[] = []
  const closes: Array<[number, string]> = []
  const echoOrClose: Reply = (ws, data, isBinary) => {
    if (!isBinary && data.toString() === 'close-me') ws.close(4001, 'bye')
    else ws.send(data, { binary: isBinary })
  }
  const server = await startWsServer(
    () => echoOrClose,
    { handleProtocols: (offered) => (offered.has('chat.v2') ? 'chat.v2' : false) },
    {
      onSocket(ws, request) {
        requests.push(request)
        ws.on('ping', (data) => pings.push(data.toString()))
        ws.on('close', (code, reason) => closes.push([code, reason.toString()]))
      }
    }
  )
  const upstream: Upstream = { ...server, requests, pings, closes }
  upstreams.push(upstream)
  return upstream
}

function dial(
  url: string,
  protocols: string[] = [],
  headers: Record<string, string> = {}
): WebSocket {
  const ws = new WebSocket(url, protocols, { headers, perMessageDeflate: false })
  ws.on('error', () => undefined)
  sockets.push(ws)
  return ws
}

function nextMessage(ws: WebSocket): Promise<[Buffer, boolean]> {
  return once(ws, 'message') as Promise<[Buffer, boolean]>
}

describe('chaos relay with every fault off', () => {
  it('forwards path, query, headers, subprotocol, text, binary, pings and close codes faithfully', async () => {
    const upstream = await startUpstream()
    const relay = await startChaosRelay({ target: upstream.url, seed: 1, base: NO_FAULTS })
    relays.push(relay)
    expect(relay.url).toBe(`ws://127.0.0.1:${relay.port}/ws`)
    const ws = dial(`${relay.url}?room=7`, ['chat.v1', 'chat.v2'], { 'x-custom': 'yes' })
    await once(ws, 'open')
    expect(ws.protocol).toBe('chat.v2')
    expect(upstream.requests[0].url).toBe('/ws?room=7')
    expect(upstream.requests[0].headers['x-custom']).toBe('yes')

    const text = nextMessage(ws)
    ws.send('héllo')
    const [textData, textBinary] = await text
    expect(textBinary).toBe(false)
    expect(textData.toString('utf8')).toBe('héllo')

    const payload = Buffer.from([0, 1, 2, 255, 254])
    const binary = nextMessage(ws)
    ws.send(payload)
    const [binData, binBinary] = await binary
    expect(binBinary).toBe(true)
    expect(Buffer.compare(binData, payload)).toBe(0)

    // The pong must come from the service through the relay, not from the relay itself.
    const pong = once(ws, 'pong') as Promise<[Buffer]>
    ws.ping('beat-1')
    expect((await pong)[0].toString()).toBe('beat-1')
    expect(upstream.pings).toEqual(['beat-1'])

    const closed = once(ws, 'close') as Promise<[number, Buffer]>
    ws.send('close-me')
    const [code, reason] = await closed
    expect(code).toBe(4001)
    expect(reason.toString()).toBe('bye')
    expect(relay.injected).toEqual({
      disconnects: 0,
      delays: 0,
      losses: 0,
      slowResponses: 0,
      outages: 0
    })
    // One decision per data message: text and binary each way, then 'close-me'.
    expect(relay.decisions().map((d) => d.direction[0])).toEqual(['c', 's', 'c', 's', 'c'])
  })

  it('forwards a client close code to the service and the service banner sent on connect', async () => {
    const upstream = await startUpstream()
    upstream.wss.on('connection', (ws) => ws.send('welcome'))
    const relay = await startChaosRelay({ target: upstream.url, seed: 1, base: NO_FAULTS })
    relays.push(relay)
    const ws = dial(relay.url)
    const banner = nextMessage(ws)
    await once(ws, 'open')
    expect((await banner)[0].toString()).toBe('welcome')
    ws.close(4002, 'client done')
    await once(ws, 'close')
    await new Promise<void>((resolve) => {
      const check = (): void => (upstream.closes.length > 0 ? resolve() : void setTimeout(check, 5))
      check()
    })
    expect(upstream.closes[0]).toEqual([4002, 'client done'])
  })

  it('passes an upstream handshake refusal through with its status', async () => {
    const upstream = await startUpstream()
    const relay = await startChaosRelay({
      target: upstream.url,
      seed: 1,
      base: NO_FAULTS
    })
    relays.push(relay)
    upstream.wss.options.verifyClient = (_info, cb) => cb(false, 401, 'Unauthorized')
    const ws = dial(relay.url)
    const [, response] = (await once(ws, 'unexpected-response')) as [unknown, IncomingMessage]
    expect(response.statusCode).toBe(401)
  })

  it('refuses new connections during an outage and recovers when it ends', async () => {
    const upstream = await startUpstream()
    const clock = createManualClock()
    const relay = await startChaosRelay({ target: upstream.url, seed: 1, base: NO_FAULTS, clock })
    relays.push(relay)
    const first = dial(relay.url)
    await once(first, 'open')
    const dropped = once(first, 'close') as Promise<[number]>
    relay.setOutage(1000)
    expect((await dropped)[0]).toBe(1006) // existing connections dropped with no close frame
    const refused = dial(relay.url)
    const [, response] = (await once(refused, 'unexpected-response')) as [unknown, IncomingMessage]
    expect(response.statusCode).toBe(503)
    clock.advance(1000)
    const back = dial(relay.url)
    await once(back, 'open')
    relay.setOutage(true)
    const refusedAgain = dial(relay.url)
    expect(
      ((await once(refusedAgain, 'unexpected-response')) as [unknown, IncomingMessage])[1]
        .statusCode
    ).toBe(503)
    relay.setOutage(false)
    const backAgain = dial(relay.url)
    await once(backAgain, 'open')
    expect(relay.injected.outages).toBe(2)
    expect(relay.connections.refused).toBe(2)
    expect(() => relay.setOutage(-5)).toThrow(/^outage/)
  })
})
