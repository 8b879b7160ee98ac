/**
 * The client's front door: `createConnection` opens one instrumented
 * connection (src/client/instrumented-connection.ts), `createConnector`
 * binds a run's defaults into the `Connect` factory suites receive.
 */
import type { Config } from '../config/schema.js'
import { createBufferBudget } from './buffer-budget.js'
import { createConnection, type CreateConnectionOptions } from './instrumented-connection.js'
import { bufferBudgetBytes, messageCapBytes } from './message-cap.js'
import type { Connect, ConnectionOptions } from './types.js'

export { createConnection, type CreateConnectionOptions } from './instrumented-connection.js'
export { toConnectFailure, type ConnectError } from './connect-errors.js'

/** What the engine binds once per run; suites then pass only per-connection options. */
export interface ConnectorDefaults extends Omit<CreateConnectionOptions, 'label' | 'record'> {
  /** Labels are `<prefix><n>` when a caller gives none (default `conn_`). */
  labelPrefix?: string
}

/** The user-settable connection timeouts, from config (their defaults live in the schema only). */
export function connectionTimeouts(
  config: Pick<Config, 'handshakeTimeoutMs' | 'thresholds'>
): Pick<CreateConnectionOptions, 'handshakeTimeoutMs' | 'messageTimeoutMs' | 'pongTimeoutMs'> {
  return {
    handshakeTimeoutMs: config.handshakeTimeoutMs,
    messageTimeoutMs: config.thresholds.messageTimeoutMs,
    pongTimeoutMs: config.thresholds.pongTimeoutMs
  }
}

/**
 * The connection options a run's config implies (timeouts, subprotocols,
 * headers, the message cap and compression), with a fresh buffer budget that
 * every connection of the connector built from them shares.
 */
export function connectionOptionsFromConfig(
  config: Pick<
    Config,
    | 'subprotocols'
    | 'headers'
    | 'handshakeTimeoutMs'
    | 'thresholds'
    | 'maxMessageBytes'
    | 'largePayloadBytes'
    | 'minMessageBytes'
    | 'compression'
  >
): Pick<
  CreateConnectionOptions,
  | 'subprotocols'
  | 'headers'
  | 'handshakeTimeoutMs'
  | 'messageTimeoutMs'
  | 'pongTimeoutMs'
  | 'maxPayload'
  | 'compression'
  | 'bufferBudget'
> {
  const capBytes = messageCapBytes(config)
  return {
    subprotocols: config.subprotocols,
    headers: config.headers,
    ...connectionTimeouts(config),
    maxPayload: capBytes,
    compression: config.compression,
    bufferBudget: createBufferBudget(bufferBudgetBytes(capBytes))
  }
}

/**
 * Binds url, clock, protocol, recorder and timeouts into a `Connect` the
 * engine hands to suites; per-call options override the defaults.
 */
export function createConnector(defaults: ConnectorDefaults): Connect {
  const prefix = defaults.labelPrefix ?? 'conn_'
  let count = 0
  return (options: ConnectionOptions = {}) =>
    createConnection({
      ...defaults,
      url: options.url ?? defaults.url,
      subprotocols: options.subprotocols ?? defaults.subprotocols,
      headers: options.headers ?? defaults.headers,
      handshakeTimeoutMs: options.handshakeTimeoutMs ?? defaults.handshakeTimeoutMs,
      maxPayload: options.maxPayload ?? defaults.maxPayload,
      label: options.label ?? `${prefix}${++count}`,
      record: options.record,
      signal: options.signal
    })
}
