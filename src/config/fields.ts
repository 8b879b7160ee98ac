/**
 * The one table that maps user-facing names (action inputs, CLI flags, seed
 * environment variables, config-file keys) to camelCase schema paths. Every
 * other module in src/config/ looks names up here; nothing else spells them.
 */
import { SUITE_IDS } from '../engine/model.js'

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
}

const SUITE_FIELDS = [
  { key: 'timeout', file: 'timeout', kind: 'number' },
  { key: 'retryAttempts', file: 'retry_attempts', kind: 'number' },
  { key: 'pingInterval', file: 'ping_interval', kind: 'number' },
  { key: 'pongTimeout', file: 'pong_timeout', kind: 'number' },
  { key: 'critical', file: 'critical', kind: 'boolean' }
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
    path: 'chaosMode',
    kind: 'boolean',
    input: 'chaos_mode',
    flag: 'chaos',
    env: 'CHAOS_MODE',
    file: ['chaos_mode']
  },
  { path: 'chaosSeed', kind: 'number', input: 'chaos_seed', flag: 'seed', file: ['chaos_seed'] },
  {
    path: 'stressTest',
    kind: 'boolean',
    input: 'stress_test',
    flag: 'stress',
    env: 'STRESS_TEST',
    file: ['stress_test']
  },
  {
    path: 'protocol',
    kind: 'string',
    input: 'protocol',
    flag: 'protocol',
    env: 'WS_HEALTH_PROTOCOL',
    file: ['protocol']
  },
  { path: 'json.template', kind: 'string', input: 'json_template', file: ['json_template'] },
  {
    path: 'json.matchField',
    kind: 'string',
    input: 'json_match_field',
    file: ['json_match_field']
  },
  {
    path: 'json.matchValue',
    kind: 'string',
    input: 'json_match_value',
    file: ['json_match_value']
  },
  { path: 'json.idField', kind: 'string', input: 'json_id_field', file: ['json_id_field'] },
  { path: 'subprotocols', kind: 'list', input: 'subprotocols', file: ['subprotocols'] },
  { path: 'headers', kind: 'headers', input: 'headers', file: ['headers'], secret: true },
  {
    path: 'handshakeTimeoutMs',
    kind: 'number',
    input: 'handshake_timeout_ms',
    file: ['handshake_timeout_ms']
  },
  { path: 'largePayloadBytes', kind: 'number', file: ['large_payload_bytes'] },
  { path: 'failOn', kind: 'string', input: 'fail_on', flag: 'fail-on', file: ['fail_on'] },
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
  // Thresholds: the seed documents both the short and the max_/min_ forms.
  {
    path: 'thresholds.connectTimeMs',
    kind: 'number',
    input: 'connect_time_ms',
    file: ['thresholds.connect_time_ms', 'thresholds.max_connect_time_ms']
  },
  {
    path: 'thresholds.p50LatencyMs',
    kind: 'number',
    input: 'p50_latency_ms',
    file: ['thresholds.p50_latency_ms', 'thresholds.max_latency_p50_ms']
  },
  {
    path: 'thresholds.p95LatencyMs',
    kind: 'number',
    input: 'p95_latency_ms',
    file: ['thresholds.p95_latency_ms', 'thresholds.max_latency_p95_ms']
  },
  {
    path: 'thresholds.p99LatencyMs',
    kind: 'number',
    input: 'p99_latency_ms',
    env: 'LATENCY_THRESHOLD_MS',
    file: ['thresholds.p99_latency_ms', 'thresholds.max_latency_p99_ms']
  },
  {
    path: 'thresholds.successRate',
    kind: 'number',
    input: 'success_rate',
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
    input: 'pong_timeout_ms',
    file: ['thresholds.pong_timeout_ms']
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
  ...SUITE_IDS.flatMap((id) =>
    SUITE_FIELDS.map((field): FieldSpec => ({
      path: `testSuites.${id}.${field.key}`,
      kind: field.kind,
      file: [`test_suites.${id}.${field.file}`]
    }))
  ),
  // Declared in action.yml for later issues. Each moves into ConfigSchema (and
  // loses `stage`) when it is implemented, so nothing pretends to work before.
  { path: 'createIssue', kind: 'boolean', input: 'create_issue', stage: 'coming' },
  { path: 'issueOn', kind: 'string', input: 'issue_on', stage: 'coming' },
  { path: 'issueLabels', kind: 'list', input: 'issue_labels', stage: 'coming' },
  { path: 'issueAssignees', kind: 'list', input: 'issue_assignees', stage: 'coming' },
  { path: 'githubToken', kind: 'string', input: 'github_token', secret: true, stage: 'reserved' },
  { path: 'serverCommand', kind: 'string', input: 'server_command', stage: 'coming' },
  { path: 'serverReadyTimeout', kind: 'number', input: 'server_ready_timeout', stage: 'coming' },
  { path: 'mergeReports', kind: 'string', input: 'merge_reports', stage: 'coming' },
  { path: 'shard', kind: 'string', input: 'shard', stage: 'coming' },
  { path: 'historyFile', kind: 'string', input: 'history_file', stage: 'coming' },
  { path: 'historyBranch', kind: 'string', input: 'history_branch', stage: 'coming' },
  { path: 'maxConnections', kind: 'number', input: 'max_connections', stage: 'coming' }
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

/** Flag name -> spec. */
export const FLAG_KEYS: ReadonlyMap<string, FieldSpec> = new Map(
  FIELDS.flatMap((spec) => (spec.flag ? [[spec.flag, spec] as const] : []))
)
