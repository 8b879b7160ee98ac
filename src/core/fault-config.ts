/**
 * The shape of the chaos relay's fault settings: the lowest layer, because
 * configuration validates them and the relay (src/chaos/faults.ts) applies
 * them. Their defaults (the seed's scenarios) live in the config schema
 * (src/config/schema.ts ChaosFaultsSchema) only.
 */

/** Which way a message travels through the relay. */
export type Direction = 'client-to-server' | 'server-to-client'

export interface FaultConfig {
  /**
   * Abrupt disconnect (TCP destroyed on both legs, no close frame), drawn per
   * data message. After one, the relay refuses every new connection with HTTP
   * 503 for `reconnectDelayMs`: the relay cannot tell clients apart (all come
   * from 127.0.0.1), so the window is relay-wide and models a service that
   * needs a moment before it accepts again.
   */
  randomDisconnect: { probability: number; reconnectDelayMs: number }
  /** Added latency, uniform in [minMs, maxMs], drawn per data message (both directions). */
  networkDelay: { probability: number; minMs: number; maxMs: number }
  /** Message silently dropped; `direction` limits which way (default both). */
  messageLoss: { probability: number; direction: Direction | 'both' }
  /** Extra delay on server-to-client data messages only (a slow service). */
  slowResponse: { probability: number; delayMs: number }
  /** Per connection and direction token bucket; 0 = unlimited. Burst = one second's worth. */
  bandwidth: { bytesPerSecond: number }
}

/** Partial overrides, section by section. */
export type FaultOverrides = { [K in keyof FaultConfig]?: Partial<FaultConfig[K]> }
