/**
 * The one table that maps user-facing names (action inputs, CLI flags, seed
 * environment variables, config-file keys) to camelCase schema paths. Every
 * other module in src/config/ looks names up here; nothing else spells them.
 */
import { SUITE_IDS, type SuiteId } from '../core/suite-ids.js'
import { suiteReadsSetting } from './schema.js'

/** How a raw string (input, flag, env) is turned into the value the schema expects. */
export type FieldKind = 'string' | 'number' | 'boolean' | 'list' | 'suites' | 'headers'

export interface FieldSpec {
  /** Dotted camelCase path in ConfigSchema, e.g. `thresholds.p99LatencyMs`. */
  path: string
  kind: FieldKind
  /** Action input name (snake_case). */
  input?: string
  /** CLI flag name without the leading dashes. */
  flag?: string
  /** Seed environment variable. */
  env?: string
  /**
   * Accepted config-file keys (dotted, snake_case), relative to the file's top
   * level or to one `environments.<name>` block. Several keys = aliases.
   */
  file?: readonly string[]
  /** Values never appear in messages or reports. */
  secret?: boolean
  /**
   * `coming`: declared in action.yml for a later release; setting it is an error.
   * `reserved`: declared in action.yml, never read yet (it always has a value, e.g. the token).
   */
  stage?: 'coming' | 'reserved'
  /**
   * Action inputs this setting had before it moved to the config file: a
   * workflow that still passes one gets an error naming `file[0]`.
   */
  formerInputs?: readonly string[]
  /**
   * Config-file keys that gave this setting in seconds: naming one is an
   * error pointing at `file[0]`, in milliseconds (one unit per setting).
   */
  formerSecondsKeys?: readonly string[]
}

const SUITE_FIELDS = [
  { key: 'timeout', file: 'timeout', kind: 'number' },
  { key: 'retryAttempts', file: 'retry_attempts', kind: 'number' },
  { key: 'pingInterval', file: 'ping_interval', kind: 'number' },
  { key: 'critical', file: 'critical', kind: 'boolean' }
] as const

/** Chaos fault overrides in the config file: `chaos.<fault>.<field>`. */
const CHAOS_FIELDS = [
  { path: 'randomDisconnect.probability', file: 'random_disconnect.probability', kind: 'number' },
  {
    path: 'randomDisconnect.reconnectDelayMs',
    file: 'random_disconnect.reconnect_delay_ms',
    kind: 'number'
  },
  { path: 'networkDelay.probability', file: 'network_delay.probability', kind: 'number' },
  { path: 'networkDelay.minMs', file: 'network_delay.min_ms', kind: 'number' },
  { path: 'networkDelay.maxMs', file: 'network_delay.max_ms', kind: 'number' },
  { path: 'messageLoss.probability', file: 'message_loss.probability', kind: 'number' },
  { path: 'messageLoss.direction', file: 'message_loss.direction', kind: 'string' },
  { path: 'slowResponse.probability', file: 'slow_response.probability', kind: 'number' },
  { path: 'slowResponse.delayMs', file: 'slow_response.delay_ms', kind: 'number' },
  { path: 'bandwidth.bytesPerSecond', file: 'bandwidth.bytes_per_second', kind: 'number' },
  { path: 'outage.startMs', file: 'outage.start_ms', kind: 'number' },
  { path: 'outage.durationMs', file: 'outage.duration_ms', kind: 'number' }
] as const

/** The self-healing suite's policy in the config file: `self_healing.<field>`. */
const SELF_HEALING_FIELDS = [
  { path: 'initialDelayMs', file: 'initial_delay_ms', kind: 'number' },
  { path: 'backoffFactor', file: 'backoff_factor', kind: 'number' },
  { path: 'maxDelayMs', file: 'max_delay_ms', kind: 'number' },
  { path: 'jitter', file: 'jitter', kind: 'number' },
  { path: 'kills', file: 'kills', kind: 'number' },
  { path: 'messages', file: 'messages', kind: 'number' },
  { path: 'breakerThreshold', file: 'breaker_threshold', kind: 'number' },
  { path: 'breakerResetMs', file: 'breaker_reset_ms', kind: 'number' },
  { path: 'resume', file: 'resume', kind: 'string' },
  { path: 'resumeName', file: 'resume_name', kind: 'string' },
  { path: 'resumeTokenField', file: 'resume_token_field', kind: 'string' }
] as const

export const FIELDS: readonly FieldSpec[] = [
  { path: 'url', kind: 'string', input: 'url', flag: 'url', env: 'WS_HEALTH_URL', file: ['url'] },
  {
    path: 'suites',
    kind: 'suites',
    input: 'suites',
    flag: 'suites',
    env: 'WS_HEALTH_SUITES',
    file: ['suites']
  },
  {
    path: 'duration',
    kind: 'number',
    input: 'duration',
    flag: 'duration',
    env: 'TEST_DURATION',
    file: ['test_duration']
  },
  {
    path: 'connectionCount',
    kind: 'number',
    input: 'connection_count',
    flag: 'connections',
    env: 'CONNECTION_COUNT',
    file: ['connection_count']
  },
  {
    path: 'maxConnections',
    kind: 'number',
    formerInputs: ['max_connections'],
    flag: 'max-connections',
    file: ['max_connections']
  },
  {
    path: 'openRatePerSec',
    kind: 'number',
    formerInputs: ['open_rate'],
    flag: 'open-rate',
    file: ['open_rate']
  },
  { path: 'probeRate', kind: 'number', flag: 'probe-rate', file: ['probe_rate'] },
  {
    path: 'latencyConnections',
    kind: 'number',
    flag: 'latency-connections',
    file: ['latency_connections']
  },
  { path: 'latencyMode', kind: 'string', flag: 'latency-mode', file: ['latency_mode'] },
  { path: 'maxInFlight', kind: 'number', flag: 'max-in-flight', file: ['max_in_flight'] },
  {
    path: 'chaosMode',
    kind: 'boolean',
    input: 'chaos_mode',
    flag: 'chaos',
    env: 'CHAOS_MODE',
    file: ['chaos_mode']
  },
  { path: 'chaosSeed', kind: 'number', input: 'chaos_seed', flag: 'seed', file: ['chaos_seed'] },
  ...CHAOS_FIELDS.map((field): FieldSpec => ({
    path: `chaos.${field.path}`,
    kind: field.kind,
    file: [`chaos.${field.file}`]
  })),
  {
    path: 'maxReconnectAttempts',
    kind: 'number',
    formerInputs: ['max_reconnect_attempts'],
    flag: 'max-reconnect-attempts',
    file: ['max_reconnect_attempts']
  },
  ...SELF_HEALING_FIELDS.map((field): FieldSpec => ({
    path: `selfHealing.${field.path}`,
    kind: field.kind,
    file: [`self_healing.${field.file}`]
  })),
  {
    path: 'serverCommand',
    kind: 'string',
    input: 'server_command',
    flag: 'server-command',
    file: ['server_command']
  },
  {
    path: 'serverReadyTimeout',
    kind: 'number',
    input: 'server_ready_timeout',
    flag: 'server-ready-timeout',
    file: ['server_ready_timeout']
  },
  {
    path: 'stressTest',
    kind: 'boolean',
    input: 'stress_test',
    flag: 'stress',
    env: 'STRESS_TEST',
    file: ['stress_test']
  },
  {
    path: 'protocolViolations',
    kind: 'boolean',
    formerInputs: ['protocol_violations'],
    flag: 'protocol-violations',
    file: ['protocol_violations']
  },
  {
    path: 'protocol',
    kind: 'string',
    input: 'protocol',
    flag: 'protocol',
    env: 'WS_HEALTH_PROTOCOL',
    file: ['protocol']
  },
  {
    path: 'json.template',
    kind: 'string',
    formerInputs: ['json_template'],
    file: ['json_template']
  },
  {
    path: 'json.matchField',
    kind: 'string',
    formerInputs: ['json_match_field'],
    file: ['json_match_field']
  },
  {
    path: 'json.matchValue',
    kind: 'string',
    formerInputs: ['json_match_value'],
    file: ['json_match_value']
  },
  {
    path: 'json.idField',
    kind: 'string',
    formerInputs: ['json_id_field'],
    file: ['json_id_field']
  },
  { path: 'subprotocols', kind: 'list', formerInputs: ['subprotocols'], file: ['subprotocols'] },
  { path: 'headers', kind: 'headers', input: 'headers', file: ['headers'], secret: true },
  {
    path: 'handshakeTimeoutMs',
    kind: 'number',
    formerInputs: ['handshake_timeout_ms'],
    file: ['handshake_timeout_ms']
  },
  {
    path: 'idleMs',
    kind: 'number',
    formerInputs: ['idle_ms'],
    flag: 'idle-ms',
    file: ['idle_ms']
  },
  { path: 'largePayloadBytes', kind: 'number', file: ['large_payload_bytes'] },
  {
    path: 'minMessageBytes',
    kind: 'number',
    formerInputs: ['min_message_bytes'],
    flag: 'min-message-bytes',
    file: ['min_message_bytes']
  },
  {
    path: 'maxMessageBytes',
    kind: 'number',
    formerInputs: ['max_message_bytes'],
    flag: 'max-message-bytes',
    file: ['max_message_bytes']
  },
  {
    path: 'compression',
    kind: 'boolean',
    formerInputs: ['compression'],
    flag: 'compression',
    file: ['compression']
  },
  { path: 'failOn', kind: 'string', input: 'fail_on', flag: 'fail-on', file: ['fail_on'] },
  {
    path: 'failOnRegression',
    kind: 'boolean',
    input: 'fail_on_regression',
    flag: 'fail-on-regression',
    file: ['fail_on_regression']
  },
  {
    path: 'reportPath',
    kind: 'string',
    input: 'report_path',
    flag: 'report',
    file: ['report_path']
  },
  {
    path: 'environment',
    kind: 'string',
    input: 'environment',
    flag: 'environment',
    env: 'WS_HEALTH_ENVIRONMENT'
  },
  { path: 'configFile', kind: 'string', input: 'config', flag: 'config', env: 'WS_HEALTH_CONFIG' },
  {
    path: 'discoveryTimeoutMs',
    kind: 'number',
    formerInputs: ['discovery_timeout_ms'],
    flag: 'discovery-timeout',
    file: ['discovery_timeout_ms']
  },
  {
    path: 'discoveryPaths',
    kind: 'list',
    formerInputs: ['discovery_paths'],
    file: ['discovery_paths']
  },
  {
    path: 'historyFile',
    kind: 'string',
    input: 'history_file',
    flag: 'history',
    file: ['history_file']
  },
  {
    path: 'historyBranch',
    kind: 'string',
    input: 'history_branch',
    flag: 'history-branch',
    file: ['history_branch']
  },
  {
    path: 'historyPath',
    kind: 'string',
    formerInputs: ['history_path'],
    flag: 'history-path',
    file: ['history_path']
  },
  {
    path: 'historyKeep',
    kind: 'number',
    formerInputs: ['history_keep'],
    flag: 'history-keep',
    file: ['history_keep']
  },
  { path: 'regressionK', kind: 'number', formerInputs: ['regression_k'], file: ['regression_k'] },
  {
    path: 'regressionMinChange',
    kind: 'number',
    formerInputs: ['regression_min_change'],
    file: ['regression_min_change']
  },
  // Thresholds: the seed documents both the short and the max_/min_ forms.
  {
    path: 'thresholds.connectTimeMs',
    kind: 'number',
    formerInputs: ['connect_time_ms'],
    file: ['thresholds.connect_time_ms', 'thresholds.max_connect_time_ms']
  },
  {
    path: 'thresholds.p50LatencyMs',
    kind: 'number',
    input: 'p50_latency_ms',
    flag: 'p50',
    file: ['thresholds.p50_latency_ms', 'thresholds.max_latency_p50_ms']
  },
  {
    path: 'thresholds.p95LatencyMs',
    kind: 'number',
    input: 'p95_latency_ms',
    flag: 'p95',
    file: ['thresholds.p95_latency_ms', 'thresholds.max_latency_p95_ms']
  },
  {
    path: 'thresholds.p99LatencyMs',
    kind: 'number',
    input: 'p99_latency_ms',
    flag: 'p99',
    env: 'LATENCY_THRESHOLD_MS',
    file: ['thresholds.p99_latency_ms', 'thresholds.max_latency_p99_ms']
  },
  {
    path: 'thresholds.successRate',
    kind: 'number',
    input: 'success_rate',
    flag: 'success-rate',
    env: 'SUCCESS_THRESHOLD',
    file: ['thresholds.success_rate', 'thresholds.min_success_rate']
  },
  {
    path: 'thresholds.deliveryRate',
    kind: 'number',
    file: ['thresholds.delivery_rate', 'thresholds.min_delivery_rate']
  },
  { path: 'thresholds.messageTimeoutMs', kind: 'number', file: ['thresholds.message_timeout_ms'] },
  {
    path: 'thresholds.pongTimeoutMs',
    kind: 'number',
    formerInputs: ['pong_timeout_ms'],
    file: ['thresholds.pong_timeout_ms'],
    // The seed's per-suite pong_timeout was in seconds; two units for one timeout was one too many.
    formerSecondsKeys: SUITE_IDS.map((id) => `test_suites.${id}.pong_timeout`)
  },
  { path: 'thresholds.heartbeatP99Ms', kind: 'number', file: ['thresholds.heartbeat_p99_ms'] },
  {
    path: 'thresholds.heartbeatSuccessRate',
    kind: 'number',
    file: ['thresholds.heartbeat_success_rate']
  },
  {
    path: 'thresholds.healthScore',
    kind: 'number',
    input: 'health_score_threshold',
    file: ['thresholds.health_score', 'thresholds.min_health_score']
  },
  { path: 'thresholds.reconnectTimeMs', kind: 'number', file: ['thresholds.reconnect_time_ms'] },
  { path: 'thresholds.maxDegradation', kind: 'number', file: ['thresholds.max_degradation'] },
  { path: 'thresholds.minFairness', kind: 'number', file: ['thresholds.min_fairness'] },
  { path: 'thresholds.degradedMargin', kind: 'number', file: ['thresholds.degraded_margin'] },
  // Only the keys each suite reads (src/config/schema.ts SuiteSettingsBySuiteSchema).
  ...SUITE_IDS.flatMap((id) =>
    SUITE_FIELDS.filter((field) => suiteReadsSetting(id, field.key)).map((field): FieldSpec => ({
      path: `testSuites.${id}.${field.key}`,
      kind: field.kind,
      file: [`test_suites.${id}.${field.file}`]
    }))
  ),
  // Failure issue, merge mode and sharding (issue 7). The token is a secret:
  // masked when read, redacted in reports.
  { path: 'createIssue', kind: 'boolean', input: 'create_issue', file: ['create_issue'] },
  { path: 'alertIssue', kind: 'boolean', formerInputs: ['alert_issue'], file: ['alert_issue'] },
  {
    path: 'alertIssueLabel',
    kind: 'string',
    formerInputs: ['alert_issue_label'],
    file: ['alert_issue_label']
  },
  { path: 'issueOn', kind: 'string', input: 'issue_on', file: ['issue_on'] },
  { path: 'issueLabels', kind: 'list', input: 'issue_labels', file: ['issue_labels'] },
  { path: 'issueAssignees', kind: 'list', input: 'issue_assignees', file: ['issue_assignees'] },
  { path: 'githubToken', kind: 'string', input: 'github_token', secret: true },
  { path: 'mergeReports', kind: 'string', input: 'merge_reports' },
  { path: 'shard', kind: 'string', input: 'shard', flag: 'shard' }
]

const byPath = new Map(FIELDS.map((spec) => [spec.path, spec]))

/** The spec for a schema path, or for the nearest enclosing field (`suites.2` -> `suites`). */
export function fieldForPath(path: readonly PropertyKey[]): FieldSpec | undefined {
  for (let length = path.length; length > 0; length--) {
    const spec = byPath.get(path.slice(0, length).map(String).join('.'))
    if (spec) return spec
  }
  return undefined
}

/** Config-file keys (dotted, relative to a settings block) -> spec. */
export const FILE_KEYS: ReadonlyMap<string, FieldSpec> = new Map(
  FIELDS.flatMap((spec) => (spec.file ?? []).map((key) => [key, spec] as const))
)

/** Per-suite config-file keys (`ping_interval`) -> the suites that read them. */
export const SUITE_KEY_READERS: ReadonlyMap<string, readonly SuiteId[]> = new Map(
  SUITE_FIELDS.map((field) => [
    field.file,
    SUITE_IDS.filter((id) => suiteReadsSetting(id, field.key))
  ])
)

/** Former action inputs -> the spec of the setting, now in the config file. */
export const FORMER_INPUTS: ReadonlyMap<string, FieldSpec> = new Map(
  FIELDS.flatMap((spec) => (spec.formerInputs ?? []).map((name) => [name, spec] as const))
)

/** Former config-file keys in seconds -> the spec of the setting they gave. */
export const FORMER_SECONDS_KEYS: ReadonlyMap<string, FieldSpec> = new Map(
  FIELDS.flatMap((spec) => (spec.formerSecondsKeys ?? []).map((key) => [key, spec] as const))
)

/** Flag name -> spec. */
export const FLAG_KEYS: ReadonlyMap<string, FieldSpec> = new Map(
  FIELDS.flatMap((spec) => (spec.flag ? [[spec.flag, spec] as const] : []))
)
