/** Public API of discovery (the CLI's `discover` command and the run use these). */
export { findCandidates, mergeFindings, MAX_DISCOVERED_PATHS } from './candidates.js'
export type { FindCandidatesOptions, FoundCandidates } from './candidates.js'
export { discoverEndpoint } from './discover.js'
export type { DiscoverOptions } from './discover.js'
export {
  describeAttempt,
  describeCandidate,
  describeDiscovery,
  describeDiscoveryFailure,
  describeWarning,
  discoveryError,
  requireDiscoveredUrl
} from './describe.js'
export type { DiscoveryError } from './describe.js'
export { ENV_PORT_VARIABLES } from './env.js'
export { PROBE_LIMITS, probeCandidates } from './probe.js'
export type { ProbeOptions, ProbeResult } from './probe.js'
export { DEFAULT_SCAN_LIMITS } from './scan.js'
export type { ScanLimits } from './scan.js'
export { SOURCE_PRIORITY } from './types.js'
export type {
  Candidate,
  DiscoveryResult,
  DiscoveryWarning,
  ProbeAttempt,
  ProbeOutcome
} from './types.js'
