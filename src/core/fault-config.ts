/**
 * The chaos relay's fault settings and the seed's scenarios (the defaults):
 * the lowest layer, because configuration validates and defaults them and
 * the relay (src/chaos/faults.ts) applies them.
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

/** The seed's chaos scenarios. */
export const DEFAULT_FAULTS: Readonly<FaultConfig> = Object.freeze({
  randomDisconnect: { probability: 0.1, reconnectDelayMs: 1000 },
  networkDelay: { probability: 0.2, minMs: 100, maxMs: 500 },
  messageLoss: { probability: 0.05, direction: 'both' as const },
  slowResponse: { probability: 0.15, delayMs: 2000 },
  bandwidth: { bytesPerSecond: 0 }
})
