/**
 * A url or port in the seed's config file (.github/websocket-test-config.json
 * or .github/workflows/config/websocket-test-config.json, or --config).
 */
import { parseJsonFile } from './package-json.js'
import { parsePort } from './scan.js'
import { SOURCE_PRIORITY, type SourceResult } from './types.js'
import { loopbackWsUrl } from './ws-url.js'

/** Where the seed keeps its config file, relative to the project root, first found wins. */
export const SEED_CONFIG_FILES = [
  '.github/websocket-test-config.json',
  '.github/workflows/config/websocket-test-config.json'
]

const URL_KEYS = ['url', 'ws_url', 'websocket_url', 'wsUrl', 'websocketUrl']
const PORT_KEYS = ['port', 'ws_port', 'wsPort', 'ws_router_port']

/** Candidates from the config file's text. */
export function fromConfigFile(text: string, file: string): SourceResult {
  const result: SourceResult = { findings: [], warnings: [], paths: [] }
  const { value, warning } = parseJsonFile(text, file)
  if (warning !== undefined) {
    result.warnings.push(warning)
    return result
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return result
  const record = value as Record<string, unknown>
  const priority = SOURCE_PRIORITY.configFile
  for (const key of URL_KEYS) {
    const raw = record[key]
    if (typeof raw !== 'string') continue
    const url = loopbackWsUrl(raw)
    if (url === null) {
      result.warnings.push({
        file,
        message: `${key} is not a ws:// URL with a port on this machine; discovery only probes 127.0.0.1, ::1 and localhost`
      })
      continue
    }
    result.findings.push({ ...url, source: `${file} ${key}`, priority })
    if (url.path !== undefined) result.paths?.push(url.path)
  }
  for (const key of PORT_KEYS) {
    const raw = record[key]
    if (raw === undefined) continue
    const port = parsePort(raw)
    if (port === null) {
      result.warnings.push({
        file,
        message: `${key} is not a port number: got ${JSON.stringify(raw)}; expected 1-65535`
      })
      continue
    }
    result.findings.push({ port, source: `${file} ${key}`, priority })
  }
  return result
}
