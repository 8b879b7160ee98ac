/**
 * The one home of configuration shape, defaults and cross-field rules.
 * Every source (inputs, flags, env, config file) is gathered into a partial
 * object by src/config/load.ts and parsed here once.
 */
import * as z from 'zod/mini'
import { SUITE_IDS, type SuiteId } from '../core/suite-ids.js'
import {
  headerNameProblem,
  headerValueProblem,
  subprotocolsProblem,
  wsUrlProblem
} from './handshake-values.js'

// zod/mini (the functional API; the method-chaining one costs a start-up about twice the code to
// compile and evaluate: BENCHMARKS.md, (e)) sets no locale of its own: its issues carry the
// English messages the chaining API would give them.
z.config(z.locales.en())

export const SuiteIdSchema = z.enum(SUITE_IDS)

/**
 * Parse options for schemas parsed once or a few times per process (the
 * config and its defaults). On an object schema's first parse zod compiles a
 * fast path with `new Function`, which costs more than it saves for one
 * parse; a start-up pays it on its way to the first connection (BENCHMARKS.md, (e)).
 */
export const PARSE_ONCE = { jitless: true } as const

/** A zod refinement from a rule that returns its problem in words (src/config/handshake-values.ts). */
function problemIn<T>(rule: (value: T) => string | undefined) {
  return (value: T, ctx: z.core.$RefinementCtx<T>): void => {
    const problem = rule(value)
    if (problem !== undefined) ctx.addIssue({ code: 'custom', input: value, message: problem })
  }
}

/**
 * Upper bounds on times. Node timers take a 32-bit delay: 2^31 ms or more
 * fires after 1 ms, so an unbounded timeout would silently become none.
 * Ten minutes is far above any sane handshake, reply or pong timeout; a day
 * bounds durations and suite timeouts (a health check is not a soak test).
 */
export const MAX_TIMEOUT_MS = 600_000
export const MAX_TIMEOUT_S = MAX_TIMEOUT_MS / 1000
export const MAX_DURATION_S = 86_400

const positiveMs = z.number().check(z.int(), z.positive(), z.maximum(MAX_TIMEOUT_MS))
/** A latency limit in ms (not a timer, but a limit above the longest timeout could never be hit). */
const latencyLimitMs = z.number().check(z.positive(), z.maximum(MAX_TIMEOUT_MS))
const ratio = z.number().check(z.minimum(0), z.maximum(1))

/** Per-suite settings every suite reads (src/run/runner.ts): the seed's `test_suites.<id>` block. */
const commonSuiteSettings = {
  /** Hard limit for the suite in seconds (it is also cut by the run deadline). */
  timeout: z.optional(z.number().check(z.positive(), z.maximum(MAX_DURATION_S))),
  /** Extra attempts for a suite whose verdict is failed (0 = run once). */
  retryAttempts: z._default(z.number().check(z.int(), z.minimum(0), z.maximum(5)), 0),
  /** A failed critical suite fails the run; a failed non-critical one degrades it. */
  critical: z.optional(z.boolean())
}

export const SuiteSettingsSchema = z.strictObject(commonSuiteSettings)

/**
 * heartbeat-monitoring alone pings, so it alone takes a ping interval. Its
 * pong timeout is thresholds.pongTimeoutMs (one setting, in ms).
 */
export const HeartbeatSuiteSettingsSchema = z.strictObject({
  ...commonSuiteSettings,
  /** Seconds between heartbeat pings. */
  pingInterval: z.optional(z.number().check(z.positive(), z.maximum(MAX_TIMEOUT_S)))
})

/**
 * `test_suites`: each suite takes only the keys it reads, so a key written
 * under a suite that ignores it is an error instead of a silent no-op.
 */
export const SuiteSettingsBySuiteSchema = z.strictObject({
  'connection-lifecycle': z.optional(SuiteSettingsSchema),
  'self-healing': z.optional(SuiteSettingsSchema),
  'message-delivery': z.optional(SuiteSettingsSchema),
  'heartbeat-monitoring': z.optional(HeartbeatSuiteSettingsSchema),
  'concurrent-connections': z.optional(SuiteSettingsSchema),
  'latency-performance': z.optional(SuiteSettingsSchema)
} satisfies Record<SuiteId, z.ZodMiniOptional<z.ZodMiniObject>>)

export type SuiteSettings = z.infer<typeof SuiteSettingsSchema>

/** Whether suite `id` reads the per-suite setting `key` (camelCase, e.g. `pingInterval`). */
export function suiteReadsSetting(id: SuiteId, key: string): boolean {
  return Object.hasOwn(SuiteSettingsBySuiteSchema.shape[id]._zod.def.innerType.shape, key)
}

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
  .strictObject({
    /** Handshake must complete within this (seed: < 10 s). */
    connectTimeMs: z._default(positiveMs, 10_000),
    p50LatencyMs: z._default(latencyLimitMs, 100),
    p95LatencyMs: z._default(latencyLimitMs, 500),
    p99LatencyMs: z._default(latencyLimitMs, 1000),
    /**
     * Share of probes that must succeed (seed SUCCESS_THRESHOLD): the run-wide
     * floor on every success rate a suite measures. latency-performance's
     * probe-success-rate must reach it; heartbeat-monitoring's success rates
     * must reach the higher of it and heartbeatSuccessRate.
     */
    successRate: z._default(ratio, 0.95),
    /** Share of messages that must be delivered (seed: 100 %). */
    deliveryRate: z._default(ratio, 1),
    /** A reply must arrive within this (seed: < 30 s). */
    messageTimeoutMs: z._default(positiveMs, 30_000),
    /** RFC 6455 pong must arrive within this (seed: < 5 s). */
    pongTimeoutMs: z._default(positiveMs, 5_000),
    heartbeatP99Ms: z._default(latencyLimitMs, 1000),
    heartbeatSuccessRate: z._default(ratio, 0.95),
    /** Minimum health score (seed: > 80). */
    healthScore: z._default(z.number().check(z.minimum(0), z.maximum(100)), 80),
    /** Reconnect must complete within this (seed: < 10 s). */
    reconnectTimeMs: z._default(positiveMs, 10_000),
    /** Latency may grow by at most this share from the first to the last window. */
    maxDegradation: z._default(z.number().check(z.minimum(0)), 0.5),
    /** Minimum Jain's fairness index across concurrent connections (1 = perfectly fair). */
    minFairness: z._default(ratio, 0.8),
    /**
     * A critical check missed by less than this share of its limit is
     * `degraded`, not `failed` (0 = any miss fails).
     */
    degradedMargin: z._default(z.number().check(z.minimum(0), z.maximum(1)), 0.1)
  })
  .check(
    z.superRefine((t, ctx) => {
      // Percentile limits out of order would let a run pass p99 while failing p50, which reads as a bug.
      // A limit that failed its own rule is already reported once. Unset limits were already
      // fitted around the set ones (fitUnsetLatencyLimits), so a conflict here is the user's own.
      if (!(t.p50LatencyMs > 0 && t.p95LatencyMs > 0 && t.p99LatencyMs > 0)) return
      const atLeast = (key: LatencyKey, lower: LatencyKey, name: string): void =>
        ctx.addIssue({
          code: 'custom',
          path: [key],
          input: t[key],
          message: `at least the ${name} limit (${t[lower]} ms)`
        })
      if (t.p50LatencyMs > t.p99LatencyMs) {
        atLeast('p99LatencyMs', 'p50LatencyMs', 'p50')
        return
      }
      if (t.p50LatencyMs > t.p95LatencyMs) atLeast('p95LatencyMs', 'p50LatencyMs', 'p50')
      if (t.p95LatencyMs > t.p99LatencyMs) atLeast('p99LatencyMs', 'p95LatencyMs', 'p95')
    })
  )

export type Thresholds = z.infer<typeof ThresholdsSchema>

/** Names of the settings under `thresholds` (what Config.explicitThresholds lists). */
export type ThresholdKey = keyof Thresholds

export const THRESHOLD_KEYS = Object.keys(ThresholdsSchema.shape) as ThresholdKey[]

const LATENCY_KEYS = ['p50LatencyMs', 'p95LatencyMs', 'p99LatencyMs'] as const
type LatencyKey = (typeof LATENCY_KEYS)[number]

/**
 * Independent latency limits: the percentile limits the user left unset are
 * moved to fit the ones they set (k6 users set one percentile and expect the
 * others to follow), so `p99 300` alone lowers the p50 and p95 defaults to at
 * most 300 ms instead of failing the p95 <= p99 rule. Each unset limit is its
 * default clamped between the nearest set limit below and above it; set
 * limits are never changed, so a conflict between two set ones is still an error.
 * Takes and returns raw (pre-validation) values; anything not a positive
 * number counts as unset here and is left to the schema to report.
 */
export function fitUnsetLatencyLimits(raw: Record<string, unknown>): Record<string, unknown> {
  const defaults = ThresholdsSchema.parse({}, PARSE_ONCE)
  const set = LATENCY_KEYS.map((key) => {
    const value = raw[key]
    return typeof value === 'number' && value > 0 ? value : undefined
  })
  if (set.every((value) => value === undefined)) return raw
  const fitted: Record<string, unknown> = { ...raw }
  LATENCY_KEYS.forEach((key, index) => {
    if (raw[key] !== undefined) return
    const below = set.slice(0, index).filter((v): v is number => v !== undefined)
    const above = set.slice(index + 1).filter((v): v is number => v !== undefined)
    let value = defaults[key]
    if (below.length > 0) value = Math.max(value, ...below)
    if (above.length > 0) value = Math.min(value, ...above)
    fitted[key] = value
  })
  return fitted
}

export const JsonProtocolSchema = z.strictObject({
  /** Message sent per probe; `{{id}}` is replaced by the probe id, `{{payload}}` by a payload string. */
  template: z._default(z.string().check(z.minLength(1)), '{"type":"ping","id":"{{id}}"}'),
  /** Reply field that marks a reply (dot path). */
  matchField: z._default(z.string().check(z.minLength(1)), 'type'),
  matchValue: z._default(z.string(), 'pong'),
  /** Field that correlates a reply with its probe; replies without it are matched first in first out. */
  idField: z._default(z.string().check(z.minLength(1)), 'id')
})

/** Matches the relay's own bound on any added delay (src/chaos/faults.ts MAX_FAULT_DELAY_MS). */
const chaosDelayMs = z.number().check(z.minimum(0), z.maximum(60_000))

/**
 * Chaos faults from the config file (`chaos.<fault>.<field>`); the defaults
 * are the seed's scenarios, and this is their only home, so a parsed config
 * carries the complete fault settings the relay applies. `prefault({})` runs
 * an absent fault block through its fields' defaults.
 */
export const ChaosFaultsSchema = z
  .strictObject({
    randomDisconnect: z.prefault(
      z.strictObject({
        probability: z._default(ratio, 0.1),
        reconnectDelayMs: z._default(chaosDelayMs, 1000)
      }),
      {}
    ),
    networkDelay: z.prefault(
      z.strictObject({
        probability: z._default(ratio, 0.2),
        minMs: z._default(chaosDelayMs, 100),
        maxMs: z._default(chaosDelayMs, 500)
      }),
      {}
    ),
    messageLoss: z.prefault(
      z.strictObject({
        probability: z._default(ratio, 0.05),
        direction: z._default(z.enum(['both', 'client-to-server', 'server-to-client']), 'both')
      }),
      {}
    ),
    slowResponse: z.prefault(
      z.strictObject({
        probability: z._default(ratio, 0.15),
        delayMs: z._default(chaosDelayMs, 2000)
      }),
      {}
    ),
    bandwidth: z.prefault(
      z.strictObject({ bytesPerSecond: z._default(z.number().check(z.minimum(0)), 0) }),
      {}
    ),
    /**
     * Outage window (off unless given; not one of the seed's scenarios):
     * `startMs` after the suites start, the relay drops every open connection
     * and refuses new ones with HTTP 503 for `durationMs` (src/engine/chaos-mode.ts).
     */
    outage: z.optional(
      z.strictObject({
        startMs: z._default(z.number().check(z.int(), z.minimum(0), z.maximum(3_600_000)), 0),
        durationMs: z.number().check(z.int(), z.minimum(1), z.maximum(60_000))
      })
    )
  })
  .check(
    z.superRefine((chaos, ctx) => {
      // Checked at load time even without chaos mode, so a bad file never passes
      // silently. Both bounds are resolved here (an unset one is its default).
      const { minMs, maxMs } = chaos.networkDelay
      if (maxMs < minMs) {
        ctx.addIssue({
          code: 'custom',
          path: ['networkDelay', 'maxMs'],
          input: maxMs,
          message: `at least chaos.network_delay.min_ms (${minMs} ms)`
        })
      }
    })
  )

/**
 * Default of self_healing.resume_name, which depends on the carrier (the
 * names the reference server's resume protocol reads).
 */
export const RESUME_NAME_DEFAULTS = { query: 'resume', header: 'x-resume-token' } as const

/**
 * The self-healing suite's client policy, and the only defaults of the
 * reconnect modules (src/client/backoff.ts, breaker.ts take every value from
 * their caller). Short delays (100 ms initial, 2 s cap) keep the suite's
 * outage, which must outlast the whole retry budget, a few seconds long.
 */
export const SelfHealingSchema = z.strictObject({
  /** Delay before the first reconnect attempt, ms. */
  initialDelayMs: z._default(z.number().check(z.int(), z.minimum(1), z.maximum(60_000)), 100),
  /** Growth of the delay per attempt. */
  backoffFactor: z._default(z.number().check(z.minimum(1), z.maximum(10)), 2),
  /** Cap on any single delay, ms. */
  maxDelayMs: z._default(z.number().check(z.int(), z.minimum(1), z.maximum(60_000)), 2_000),
  /** Jitter as a ratio of the base delay (0.2 = +/- 20 %). */
  jitter: z._default(ratio, 0.2),
  /** Connections killed mid-stream through the relay. */
  kills: z._default(z.number().check(z.int(), z.minimum(1), z.maximum(20)), 3),
  /** Acknowledged messages sent across the kills (messages-lost check). */
  messages: z._default(z.number().check(z.int(), z.minimum(1), z.maximum(10_000)), 30),
  /** Consecutive failures that open the circuit breaker. */
  breakerThreshold: z._default(z.number().check(z.int(), z.minimum(1), z.maximum(100)), 2),
  /** Time the breaker stays open before its half-open trial, ms. */
  breakerResetMs: z._default(z.number().check(z.int(), z.minimum(1), z.maximum(60_000)), 500),
  /**
   * Session resume: `auto` detects a `{"type":"session","token":...}`
   * greeting and resumes by query parameter; `query`, `header` and
   * `message` force that carrier; `off` skips the state check.
   */
  resume: z._default(z.enum(['auto', 'off', 'query', 'header', 'message']), 'auto'),
  /** Query parameter or header carrying the token back (unset: RESUME_NAME_DEFAULTS for the carrier). */
  resumeName: z.optional(z.string().check(z.minLength(1))),
  /** Reply field holding the token. */
  resumeTokenField: z._default(z.string().check(z.minLength(1)), 'token')
})

export const ConfigSchema = z.strictObject({
  /** ws:// or wss:// URL of the service under test. */
  url: z.optional(z.string().check(z.superRefine(problemIn(wsUrlProblem)))),
  suites: z._default(z.array(SuiteIdSchema).check(z.minLength(1)), [...SUITE_IDS]),
  /** Seconds the run spends sampling (latency, heartbeat, concurrency). */
  duration: z._default(z.number().check(z.int(), z.minimum(1), z.maximum(86_400)), 60),
  connectionCount: z._default(z.number().check(z.int(), z.minimum(1), z.maximum(100_000)), 10),
  /** Stress mode ramps connections up to this (also capped by the process's file-descriptor limit). */
  maxConnections: z._default(z.number().check(z.int(), z.minimum(1), z.maximum(100_000)), 1000),
  /** Connections opened per second at most, so opening never floods the service's accept queue. */
  openRatePerSec: z._default(z.number().check(z.positive(), z.maximum(100_000)), 200),
  /**
   * latency-performance: probes per second sent on a fixed schedule (open
   * loop), spread over latencyConnections. Ignored by `latencyMode: closed`.
   */
  probeRate: z._default(z.number().check(z.positive(), z.maximum(100_000)), 200),
  /** latency-performance: connections the open-loop probes are spread over. */
  latencyConnections: z._default(z.number().check(z.int(), z.minimum(1), z.maximum(1_000)), 1),
  /**
   * latency-performance: `open` sends on a fixed schedule and measures each
   * round trip from its intended send time; `closed` sends the next probe
   * when the last one is answered (coordinated omission: a stall is one sample).
   */
  latencyMode: z._default(z.enum(['open', 'closed']), 'open'),
  /**
   * Open-loop probes outstanding at most (latency-performance in total;
   * concurrent-connections across its connections). A probe due beyond it
   * is not sent and counts as failed (WSH_ERR_PROBE_BACKLOG).
   */
  maxInFlight: z._default(z.number().check(z.int(), z.minimum(1), z.maximum(1_000_000)), 1_000),
  chaosMode: z._default(z.boolean(), false),
  chaosSeed: z.optional(z.number().check(z.int(), z.minimum(0), z.maximum(0xffffffff))),
  /** Fault overrides for chaos mode (config file `chaos.*`). */
  chaos: z._default(ChaosFaultsSchema, ChaosFaultsSchema.parse({}, PARSE_ONCE)),
  /** Reconnect attempts per recovery before giving up (seed: 5). */
  maxReconnectAttempts: z._default(z.number().check(z.int(), z.minimum(1), z.maximum(100)), 5),
  selfHealing: z._default(SelfHealingSchema, SelfHealingSchema.parse({}, PARSE_ONCE)),
  /** Shell command that starts the service under test (run in the working directory). */
  serverCommand: z.optional(z.string().check(z.trim(), z.minLength(1))),
  /** Seconds to wait for server_command to accept WebSocket handshakes at `url`. */
  serverReadyTimeout: z._default(z.number().check(z.positive(), z.maximum(3_600)), 30),
  stressTest: z._default(z.boolean(), false),
  /**
   * Send the deliberately invalid frame (message-delivery's protocol-error
   * probe, run last) and check the service survives it. Off for production
   * targets and services one bad client is known to crash.
   */
  protocolViolations: z._default(z.boolean(), true),
  protocol: z._default(z.enum(['echo', 'json']), 'echo'),
  json: z._default(JsonProtocolSchema, JsonProtocolSchema.parse({}, PARSE_ONCE)),
  /** Subprotocols offered in the handshake. */
  subprotocols: z._default(
    z.array(z.string().check(z.minLength(1))).check(z.superRefine(problemIn(subprotocolsProblem))),
    []
  ),
  /** Extra request headers for the handshake (values are treated as secrets in reports). */
  headers: z._default(
    z.record(
      z.string().check(z.superRefine(problemIn(headerNameProblem))),
      z.string().check(z.superRefine(problemIn(headerValueProblem)))
    ),
    {}
  ),
  handshakeTimeoutMs: z._default(positiveMs, 10_000),
  /**
   * How long heartbeat-monitoring keeps one connection fully idle, ms
   * (src/suites/heartbeat-idle.ts). Unset: the suite's share of `duration`,
   * at most DEFAULT_IDLE_MAX_MS (the default depends on the run, so it is
   * resolved there).
   */
  idleMs: z.optional(positiveMs),
  /** Bytes in the large-message probe (seed: > 1 MiB). */
  largePayloadBytes: z._default(
    z.number().check(z.int(), z.minimum(1), z.maximum(64 * 1024 * 1024)),
    1_100_000
  ),
  /**
   * Smallest message (bytes) the service must accept. Unset: no minimum, so
   * a service that refuses the large probe with 1009 passes with its limit
   * reported. Capped like largePayloadBytes: the probe cannot send more.
   */
  minMessageBytes: z.optional(z.number().check(z.int(), z.minimum(1), z.maximum(64 * 1024 * 1024))),
  /**
   * Largest message (bytes) the client accepts from the service; a larger
   * one fails its connection with WSH_ERR_MESSAGE_TOO_BIG. Unset: derived
   * from what the run sends (src/client/message-cap.ts). The floor keeps
   * the run's own control traffic and small replies possible.
   */
  maxMessageBytes: z.optional(
    z.number().check(z.int(), z.minimum(1024), z.maximum(1024 * 1024 * 1024))
  ),
  /**
   * Offer permessage-deflate (RFC 7692). Off by default: byte counts stay
   * honest and a deflate bomb cannot inflate; when on, inflated messages
   * are capped like any other (maxMessageBytes).
   */
  compression: z._default(z.boolean(), false),
  failOn: z._default(z.enum(['failed', 'degraded', 'never']), 'failed'),
  /**
   * Fail the step when the run regressed against the history baseline
   * (github-action-benchmark's fail-on-alert); needs history_file or history_branch.
   */
  failOnRegression: z._default(z.boolean(), false),
  reportPath: z.optional(z.string().check(z.minLength(1))),
  environment: z.optional(z.string().check(z.minLength(1))),
  configFile: z.optional(z.string().check(z.minLength(1))),
  /** Limit for each discovery probe (TCP check, handshake) when `url` is not given, ms. */
  discoveryTimeoutMs: z._default(z.number().check(z.int(), z.minimum(1), z.maximum(60_000)), 2_000),
  /** Paths discovery tries on each candidate port, in order (after paths found in the project). */
  discoveryPaths: z._default(
    z
      .array(z.string().check(z.regex(/^\/\S*$/, { message: 'expected paths starting with /' })))
      .check(z.minLength(1)),
    ['/ws', '/websocket', '/ws/unified', '/socket', '/api/ws', '/']
  ),
  /** JSON-lines run history (src/history/file-store.ts), read before and appended after a run. */
  historyFile: z.optional(z.string().check(z.minLength(1))),
  /** Branch holding the run history, written through the contents API (wins over historyFile). */
  historyBranch: z.optional(z.string().check(z.minLength(1))),
  /** File path of the history inside historyBranch. */
  historyPath: z._default(z.string().check(z.minLength(1)), 'ws-health/history.jsonl'),
  /** Runs the history keeps; older ones are dropped. */
  historyKeep: z._default(z.number().check(z.int(), z.minimum(1), z.maximum(10_000)), 100),
  /** Width of a baseline's noise band, in scaled MADs (src/history/baseline.ts). */
  regressionK: z._default(z.number().check(z.minimum(0), z.maximum(100)), 3),
  /** A regression must also be worse than the baseline median by this share (0.2 = 20 %). */
  regressionMinChange: z._default(z.number().check(z.minimum(0), z.maximum(100)), 0.2),
  thresholds: z._default(ThresholdsSchema, ThresholdsSchema.parse({}, PARSE_ONCE)),
  /**
   * The thresholds the user set (input, flag, environment or config file),
   * recorded by src/config/load.ts, never typed by the user: a missed
   * explicit threshold fails the step like a k6 threshold (src/engine/gate.ts).
   */
  explicitThresholds: z._default(
    z.array(z.enum(THRESHOLD_KEYS as [ThresholdKey, ...ThresholdKey[]])),
    []
  ),
  testSuites: z._default(SuiteSettingsBySuiteSchema, {}),
  // Failure issue (issue 7). Unset create_issue = on when a token is present.
  createIssue: z.optional(z.boolean()),
  /** Post predictive alerts (predictions, regressions) of a non-failing run to the failure-issue thread. */
  alertIssue: z._default(z.boolean(), false),
  /** Extra label on an issue an alert opens (alert_issue). */
  alertIssueLabel: z._default(
    z.string().check(z.trim(), z.minLength(1), z.maxLength(50)),
    'websocket-health-prediction'
  ),
  issueOn: z._default(z.enum(['failed', 'degraded']), 'failed'),
  /** Labels of the failure issue; the first one also finds the open issue. */
  issueLabels: z._default(
    z.array(z.string().check(z.trim(), z.minLength(1), z.maxLength(50))).check(z.minLength(1)),
    ['websocket-health']
  ),
  issueAssignees: z._default(
    z.array(z.string().check(z.trim(), z.minLength(1))).check(z.maxLength(10)),
    []
  ),
  /** Token for the GitHub API (issues: write); redacted in reports, masked in logs. */
  githubToken: z.optional(z.string().check(z.minLength(1))),
  /** Glob(s) of JSON reports to merge instead of running suites. */
  mergeReports: z.optional(z.string().check(z.trim(), z.minLength(1))),
  /** `K/N`: this job runs shard K of N (src/engine/shard.ts). */
  shard: z.optional(
    z.string().check(
      z.trim(),
      z.refine((value) => SHARD_PATTERN.test(value) && shardIsInRange(value), {
        message: 'expected K/N with integers 1 <= K <= N <= 1000, e.g. 2/4'
      })
    )
  )
})

/** `K/N` as typed in `shard` / `--shard`. */
export const SHARD_PATTERN = /^(\d{1,4})\/(\d{1,4})$/

function shardIsInRange(value: string): boolean {
  const [, k, n] = SHARD_PATTERN.exec(value) ?? []
  return Number(k) >= 1 && Number(k) <= Number(n) && Number(n) <= 1000
}

export type Config = z.infer<typeof ConfigSchema>
/** What sources provide before defaults apply. */
export type ConfigInput = z.input<typeof ConfigSchema>

/** Effective settings for one suite, defaults resolved. */
export function suiteSettings(config: Config, id: SuiteId): SuiteSettings & { critical: boolean } {
  const own = config.testSuites[id]
  return {
    retryAttempts: own?.retryAttempts ?? 0,
    timeout: own?.timeout,
    critical: own?.critical ?? DEFAULT_CRITICAL[id]
  }
}

/** `test_suites.heartbeat-monitoring.ping_interval` in seconds, when set. */
export function heartbeatPingIntervalS(config: Config): number | undefined {
  return config.testSuites['heartbeat-monitoring']?.pingInterval
}
