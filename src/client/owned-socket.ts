/**
 * The ws socket of an instrumented connection, which hands its events to
 * the connection. ws reports every event through the socket's emit(), so
 * the subclass dispatches them there, to methods of its `owner`, instead
 * of registering listeners: like ws's own module-level `socketOnData` and
 * friends, nothing is built per connection. A run holds thousands of idle
 * connections at once (benchmark (c) counts the heap each costs): eight
 * listeners cost each connection ~12 closures and contexts and turned the
 * emitter's listener table into a ~450-byte dictionary, and
 * EventEmitter.emit builds an arguments array per message, which the
 * dispatch here does not.
 */
import WebSocket from 'ws'
import type { IncomingMessage } from 'node:http'
import type { Socket } from 'node:net'

/** What a connection does with each socket event (ws events, then the TCP socket's). */
export interface SocketOwner {
  socketUpgraded(response: IncomingMessage): void
  /** The service answered the upgrade request with another status. */
  socketRefused(response: IncomingMessage): void
  socketOpened(): void
  socketErrored(error: Error): void
  socketClosed(code: number, reason: Buffer): void
  socketMessage(data: Buffer, isBinary: boolean): void
  socketPing(): void
  socketPong(payload: Buffer): void
  /** A chunk arrived on the upgraded TCP socket (counted against the buffer budget). */
  tcpData(chunk: Buffer): void
}

/** A ws socket whose events go to one owner. */
export class OwnedSocket extends WebSocket {
  /** Set right after construction: ws emits nothing before the next tick. */
  owner!: SocketOwner

  /**
   * Every event ws emits on this socket, with at most two arguments. The
   * return value is ws's "someone listened": 'unexpected-response' must
   * say true, or ws aborts the handshake with its own error instead.
   */
  override emit(event: string | symbol, first?: unknown, second?: unknown): boolean {
    const owner = this.owner
    switch (event) {
      case 'message':
        owner.socketMessage(first as Buffer, second as boolean)
        return true
      case 'pong':
        owner.socketPong(first as Buffer)
        return true
      case 'ping':
        owner.socketPing()
        return true
      case 'upgrade':
        owner.socketUpgraded(first as IncomingMessage)
        return true
      case 'unexpected-response':
        owner.socketRefused(second as IncomingMessage)
        return true
      case 'open':
        owner.socketOpened()
        return true
      case 'error':
        owner.socketErrored(first as Error)
        return true
      case 'close':
        owner.socketClosed(first as number, second as Buffer)
        return true
      default:
        // Events the connection does not handle ('redirect' is off): plain EventEmitter.
        return super.emit(event, first, second)
    }
  }
}

/** Our back-reference on the upgraded TCP socket (ws keeps its own under a symbol too). */
const kOwner = Symbol('ws-health-owner')
type OwnedTcp = Socket & { [kOwner]?: SocketOwner }

/**
 * Sends the chunks the upgraded TCP socket `tcp` reads to `owner.tcpData`,
 * through one listener function shared by every connection. Attach only
 * once OPEN: a 'data' listener added before ws's own would make the socket
 * flow and hand ws's first bytes (those read with the upgrade) to this
 * listener alone.
 */
export function watchTcpData(tcp: Socket, owner: SocketOwner): void {
  ;(tcp as OwnedTcp)[kOwner] = owner
  tcp.on('data', tcpOnData)
}

function tcpOnData(this: OwnedTcp, chunk: Buffer): void {
  this[kOwner]!.tcpData(chunk)
}
