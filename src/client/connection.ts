/**
 * The client's front door: `createConnection` opens one instrumented
 * connection (src/client/instrumented-connection.ts), `createConnector`
 * binds a run's defaults into the `Connect` factory suites receive.
 */
import type { Config } from '../config/schema.js'
import { createConnection, type CreateConnectionOptions } from './instrumented-connection.js'
import type { Connect, ConnectionOptions } from './types.js'

export {
  CONNECTION_DEFAULTS,
  createConnection,
  type CreateConnectionOptions
} from './instrumented-connection.js'
export { toConnectFailure, type ConnectError } from './connect-errors.js'

/** What the engine binds once per run; suites then pass only per-connection options. */
export interface ConnectorDefaults extends Omit<CreateConnectionOptions, 'label' | 'record'> {
  /** Labels are `<prefix><n>` when a caller gives none (default `conn_`). */
  labelPrefix?: string
}

/** The connection options a run's config implies (timeouts, subprotocols, headers). */
export function connectionOptionsFromConfig(
  config: Pick<Config, 'subprotocols' | 'headers' | 'handshakeTimeoutMs' | 'thresholds'>
): Pick<
  CreateConnectionOptions,
  'subprotocols' | 'headers' | 'handshakeTimeoutMs' | 'messageTimeoutMs' | 'pongTimeoutMs'
> {
  return {
    subprotocols: config.subprotocols,
    headers: config.headers,
    handshakeTimeoutMs: config.handshakeTimeoutMs,
    messageTimeoutMs: config.thresholds.messageTimeoutMs,
    pongTimeoutMs: config.thresholds.pongTimeoutMs
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
      label: options.label ?? `${prefix}${++count}`,
      record: options.record
    })
}
