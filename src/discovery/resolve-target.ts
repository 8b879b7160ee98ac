/**
 * The run's target: `url` when the user gave one, otherwise the endpoint
 * discovery finds in the project. Used by the CLI (`run`) and the action
 * before the engine starts, so the engine only ever sees a real URL.
 */
import type { Config } from '../config/schema.js'
import type { MetricValue } from '../engine/model.js'
import { HealthError } from '../errors.js'
import { requireDiscoveredUrl } from './describe.js'
import type { DiscoveryResult } from './types.js'

export interface ResolveTargetOptions {
  /** Project root scanned when `config.url` is empty (the CLI's cwd, the action's GITHUB_WORKSPACE). */
  dir: string
  /** Environment the port variables are read from (passed in by the caller's config layer). */
  env: Readonly<Record<string, string | undefined>>
  /** Stops probing early (SIGINT). */
  signal?: AbortSignal
}

export interface ResolvedTarget {
  url: string
  /** Present when the URL was discovered. */
  discovery?: DiscoveryResult
}

/**
 * `config.url`, or the discovered URL with the discovery result.
 * @throws HealthError WSH_ERR_DISCOVERY (carrying `.discovery`) when nothing upgraded;
 *   WSH_ERR_CONFIG when `dir` does not exist or server_command is set without url
 */
export async function resolveTarget(
  config: Config,
  options: ResolveTargetOptions
): Promise<ResolvedTarget> {
  if (config.url !== undefined) return { url: config.url }
  if (config.serverCommand !== undefined) {
    // Discovery probes services that already run; server_command starts one afterwards.
    throw new HealthError(
      'WSH_ERR_CONFIG',
      'url is required with server_command: discovery only finds a service that is already running; set url to where server_command listens'
    )
  }
  const discovery = await discoverWithConfig(config, options)
  return { url: requireDiscoveredUrl(discovery), discovery }
}

/**
 * Discovery with the config's knobs (discovery_timeout_ms, discovery_paths,
 * the config file, handshake headers); resolves with url null when nothing upgraded.
 * @throws HealthError WSH_ERR_CONFIG when `dir` does not exist
 */
export async function discoverWithConfig(
  config: Config,
  options: ResolveTargetOptions
): Promise<DiscoveryResult> {
  // Loaded on first use: scanning pulls in the project-file parsers (yaml
  // among them), which a run with a url never needs at start-up.
  const { discoverEndpoint } = await import('./discover.js')
  return discoverEndpoint({
    dir: options.dir,
    env: { ...options.env },
    configFile: config.configFile,
    paths: config.discoveryPaths,
    timeoutMs: config.discoveryTimeoutMs,
    headers: config.headers,
    signal: options.signal
  })
}

/**
 * The discovery result as RunReport.discovery: chosen URL, candidates,
 * attempts and warnings, plain JSON (no undefined fields).
 */
export function toReportDiscovery(result: DiscoveryResult): { [key: string]: MetricValue } {
  return JSON.parse(
    JSON.stringify({
      chosen: result.url,
      dir: result.dir,
      candidates: result.candidates,
      paths: result.paths,
      attempts: result.attempts,
      warnings: result.warnings
    })
  ) as { [key: string]: MetricValue }
}

/** Reads RunReport.discovery back (the shape toReportDiscovery wrote); null when absent or foreign. */
export function fromReportDiscovery(
  value: { [key: string]: MetricValue } | undefined
): DiscoveryResult | null {
  if (value === undefined || !Array.isArray(value.attempts) || !Array.isArray(value.candidates)) {
    return null
  }
  const chosen = value.chosen
  return {
    url: typeof chosen === 'string' ? chosen : null,
    dir: typeof value.dir === 'string' ? value.dir : '',
    candidates: value.candidates as unknown as DiscoveryResult['candidates'],
    paths: Array.isArray(value.paths) ? (value.paths as string[]) : [],
    attempts: value.attempts as unknown as DiscoveryResult['attempts'],
    warnings: Array.isArray(value.warnings)
      ? (value.warnings as unknown as DiscoveryResult['warnings'])
      : []
  }
}
