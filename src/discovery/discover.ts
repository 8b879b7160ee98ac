/**
 * Discovery end to end: candidates from the project, then real handshakes on
 * this machine. Never throws for "nothing found": the result says url null,
 * and requireDiscoveredUrl (describe.ts) turns that into WSH_ERR_DISCOVERY.
 */
import path from 'node:path'
import { findCandidates, type FindCandidatesOptions } from './candidates.js'
import { probeCandidates, type ProbeOptions } from './probe.js'
import type { DiscoveryResult } from './types.js'

export interface DiscoverOptions extends FindCandidatesOptions, ProbeOptions {
  /**
   * Paths tried on every port after the candidate's own path (config
   * discovery_paths). Paths found in the project are tried before these.
   */
  paths: string[]
  /** Set false to ignore paths found in the project (default true). */
  projectPaths?: boolean
}

/**
 * Finds candidate ports in `dir` and `env`, probes them on loopback and
 * resolves with the chosen ws:// URL (or null), every candidate, attempt and
 * warning. Rejects only for bad options (RangeError) or a missing `dir`
 * (HealthError WSH_ERR_CONFIG).
 */
export async function discoverEndpoint(options: DiscoverOptions): Promise<DiscoveryResult> {
  const found = await findCandidates(options)
  const project = options.projectPaths === false ? [] : found.paths
  const paths = [...new Set([...project, ...options.paths])]
  const probe = await probeCandidates(found.candidates, { ...options, paths })
  return {
    url: probe.chosen,
    dir: path.resolve(options.dir),
    candidates: found.candidates,
    paths,
    attempts: probe.attempts,
    warnings: found.warnings
  }
}
