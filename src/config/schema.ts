/**
 * The one home of configuration shape, defaults and cross-field rules.
 * Every source (inputs, flags, env, config file) is gathered into a partial
 * object by src/config/load.ts and parsed here once.
 */
import { z } from 'zod'
import { SUITE_IDS, type SuiteId } from '../engine/model.js'

export const SuiteIdSchema = z.enum(SUITE_IDS)

const positiveMs = z.number().int().positive()
const ratio = z.number().min(0).max(1)

/** Per-suite settings, the seed's `test_suites.<id>` block. */
export const SuiteSettingsSchema = z
  .object({
    /** Hard limit for the suite in seconds (it is also cut by the run deadline). */
    timeout: z.number().positive().optional(),
    /** Extra attempts for a suite whose verdict is failed (0 = run once). */
    retryAttempts: z.number().int().min(0).max(5).default(0),
    /** Seconds between heartbeat pings. */
    pingInterval: z.number().positive().optional(),
    /** Seconds to wait for a pong. */
    pongTimeout: z.number().positive().optional(),
    /** A failed critical suite fails the run; a failed non-critical one degrades it. */
    critical: z.boolean().optional()
  })
  .strict()

export type SuiteSettings = z.infer<typeof SuiteSettingsSchema>

/** Suites whose failure fails the run by default (the rest degrade it). */
export const DEFAULT_CRITICAL: Record<SuiteId, boolean> = {
  'connection-lifecycle': true,
  'self-healing': true,
  'message-delivery': true,
  'heartbeat-monitoring': true,
  'concurrent-connections': false,
  'latency-performance': false
}

export const ThresholdsSchema = z
  .object({
    /** Handshake must complete within this (seed: < 10 s). */
    connectTimeMs: positiveMs.default(10_000),
    p50LatencyMs: z.number().positive().default(100),
    p95LatencyMs: z.number().positive().default(500),
    p99LatencyMs: z.number().positive().default(1000),
    /** Share of probes that must succeed (seed SUCCESS_THRESHOLD). */
    successRate: ratio.default(0.95),
    /** Share of messages that must be delivered (seed: 100 %). */
    deliveryRate: ratio.default(1),
    /** A reply must arrive within this (seed: < 30 s). */
    messageTimeoutMs: positiveMs.default(30_000),
    /** RFC 6455 pong must arrive within this (seed: < 5 s). */
    pongTimeoutMs: positiveMs.default(5_000),
    heartbeatP99Ms: z.number().positive().default(1000),
    heartbeatSuccessRate: ratio.default(0.95),
    /** Minimum health score (seed: > 80). */
    healthScore: z.number().min(0).max(100).default(80),
    /** Reconnect must complete within this (seed: < 10 s). */
    reconnectTimeMs: positiveMs.default(10_000),
    /** Latency may grow by at most this share from the first to the last window. */
    maxDegradation: z.number().min(0).default(0.5),
    /** Minimum Jain's fairness index across concurrent connections (1 = perfectly fair). */
    minFairness: ratio.default(0.8),
    /**
     * A critical check missed by less than this share of its limit is
     * `degraded`, not `failed` (0 = any miss fails).
     */
    degradedMargin: z.number().min(0).max(1).default(0.1)
  })
  .strict()

export type Thresholds = z.infer<typeof ThresholdsSchema>

export const JsonProtocolSchema = z
  .object({
    /** Message sent per probe; `{{id}}` is replaced by the probe id, `{{payload}}` by a payload string. */
    template: z.string().min(1).default('{"type":"ping","id":"{{id}}"}'),
    /** Reply field that marks a reply (dot path). */
    matchField: z.string().min(1).default('type'),
    matchValue: z.string().default('pong'),
    /** Field that correlates a reply with its probe; replies without it are matched first in first out. */
    idField: z.string().min(1).default('id')
  })
  .strict()

export const ConfigSchema = z
  .object({
    /** ws:// or wss:// URL of the service under test. */
    url: z
      .string()
      .refine((value) => /^wss?:\/\/[^\s/]+/i.test(value), {
        message: 'expected a ws:// or wss:// URL'
      })
      .optional(),
    suites: z
      .array(SuiteIdSchema)
      .min(1)
      .default([...SUITE_IDS]),
    /** Seconds the run spends sampling (latency, heartbeat, concurrency). */
    duration: z.number().int().min(1).max(86_400).default(60),
    connectionCount: z.number().int().min(1).max(100_000).default(10),
    chaosMode: z.boolean().default(false),
    chaosSeed: z.number().int().min(0).max(0xffffffff).optional(),
    stressTest: z.boolean().default(false),
    protocol: z.enum(['echo', 'json']).default('echo'),
    json: JsonProtocolSchema.default(JsonProtocolSchema.parse({})),
    /** Subprotocols offered in the handshake. */
    subprotocols: z.array(z.string().min(1)).default([]),
    /** Extra request headers for the handshake (values are treated as secrets in reports). */
    headers: z.record(z.string(), z.string()).default({}),
    handshakeTimeoutMs: positiveMs.default(10_000),
    /** Bytes in the large-message probe (seed: > 1 MiB). */
    largePayloadBytes: z
      .number()
      .int()
      .min(1)
      .max(64 * 1024 * 1024)
      .default(1_100_000),
    failOn: z.enum(['failed', 'degraded', 'never']).default('failed'),
    reportPath: z.string().min(1).optional(),
    environment: z.string().min(1).optional(),
    configFile: z.string().min(1).optional(),
    thresholds: ThresholdsSchema.default(ThresholdsSchema.parse({})),
    testSuites: z.partialRecord(SuiteIdSchema, SuiteSettingsSchema).default({})
  })
  .strict()

export type Config = z.infer<typeof ConfigSchema>
/** What sources provide before defaults apply. */
export type ConfigInput = z.input<typeof ConfigSchema>

/** Effective settings for one suite, defaults resolved. */
export function suiteSettings(config: Config, id: SuiteId): SuiteSettings & { critical: boolean } {
  const own = config.testSuites[id]
  return {
    retryAttempts: own?.retryAttempts ?? 0,
    ...own,
    critical: own?.critical ?? DEFAULT_CRITICAL[id]
  }
}
