/**
 * Probe protocols: how a probe is encoded, how a reply is recognised and
 * correlated, and whether it came back intact. Real services are not echo
 * servers, so `json` probes with a template and matches replies by a field;
 * anything that matches no probe is unsolicited and ignored by the caller.
 */
import { randomBytes } from 'node:crypto'
import type { Config } from '../config/schema.js'
import type { CanCarry, PayloadKind } from './types.js'

/** `match` result: the reply carries no id, correlate it first in first out. */
export const MATCH_FIFO = -1
/** `match` result: the message answers no probe (banner, broadcast, noise). */
export const NO_MATCH = -2

/** Default payload sizes in bytes per kind (large comes from config). */
export const DEFAULT_PAYLOAD_BYTES = { text: 64, json: 64, binary: 256 } as const

/** One encoded probe; `data` is sent as is and kept for the intact check. */
export interface EncodedProbe {
  data: Buffer
  /** Sent as a binary frame (otherwise text). */
  binary: boolean
}

export interface ProbeProtocol {
  readonly name: 'echo' | 'json'
  readonly canCarry: CanCarry
  /** Encodes probe `id` (a non-negative integer below 2^32) of `kind`; `bytes` is the payload size where the kind has one. */
  encode(id: number, kind: PayloadKind, bytes?: number): EncodedProbe
  /** The probe id a message answers, MATCH_FIFO, or NO_MATCH. Cheap byte checks run before any parse. */
  match(data: Buffer, isBinary: boolean): number
  /** Whether a matched reply carries what the probe expects. */
  intact(data: Buffer, isBinary: boolean, sent: EncodedProbe): boolean
}

/** Builds the run's probe protocol from `config.protocol` and its settings. */
export function createProbeProtocol(
  config: Pick<Config, 'protocol' | 'json' | 'largePayloadBytes'>
): ProbeProtocol {
  return config.protocol === 'json'
    ? createJsonProtocol(config.json)
    : createEchoProtocol(config.largePayloadBytes)
}

// ---------------------------------------------------------------- echo

// Text probes start with `wsh:<id>:`, JSON probes with `{"wshId":<id>,`.
// Binary probes start with 0xff 'W' 'S' 'H' then the id as uint32 BE: 0xff
// can never start valid UTF-8, so a binary probe can't pass for text.
const TEXT_PREFIX = Buffer.from('wsh:')
const JSON_PREFIX = Buffer.from('{"wshId":')
const BINARY_MAGIC = 0xff575348
const BINARY_HEADER_BYTES = 8
const CHAR_0 = 0x30
const CHAR_9 = 0x39

// Randomness is drawn once into a pool and reused: drawing per probe would
// cost a syscall per message for no benefit to the intact check.
let randomPool: Buffer | undefined
const RANDOM_POOL_BYTES = 64 * 1024
function pool(): Buffer {
  randomPool ??= randomBytes(RANDOM_POOL_BYTES)
  return randomPool
}

function checkBytes(bytes: number, min: number, kind: PayloadKind): number {
  if (!Number.isInteger(bytes) || bytes < min || bytes > 64 * 1024 * 1024) {
    throw new RangeError(
      `bytes: got ${bytes} for a ${kind} probe; expected an integer from ${min} to ${64 * 1024 * 1024}`
    )
  }
  return bytes
}

function checkId(id: number): void {
  if (!Number.isInteger(id) || id < 0 || id > 0xffffffff) {
    throw new RangeError(`id: got ${id}; expected an integer from 0 to 4294967295`)
  }
}

/** Reads ASCII digits at `from` up to `stop`; -1 when there are none or the terminator is missing. */
function readDigits(data: Buffer, from: number, stop: number): number {
  let value = 0
  let i = from
  const end = Math.min(data.length, from + 11)
  for (; i < end; i++) {
    const c = data[i]
    if (c === stop) break
    if (c < CHAR_0 || c > CHAR_9) return -1
    value = value * 10 + (c - CHAR_0)
  }
  if (i === from || i === end || value > 0xffffffff) return -1
  return value
}

function digitCount(id: number): number {
  let n = 1
  for (let v = id; v >= 10; v = Math.floor(v / 10)) n++
  return n
}

/** Writes `id` in decimal ASCII into data[from, end). */
function writeDigits(data: Buffer, from: number, id: number, end: number): void {
  let v = id
  for (let i = end - 1; i >= from; i--) {
    data[i] = CHAR_0 + (v % 10)
    v = Math.floor(v / 10)
  }
}

function startsWith(data: Buffer, prefix: Buffer): boolean {
  return (
    data.length >= prefix.length && data.compare(prefix, 0, prefix.length, 0, prefix.length) === 0
  )
}

function fillFromPool(target: Buffer, from: number, seed: number): void {
  const source = pool()
  let offset = (seed * 7919) % source.length
  let at = from
  while (at < target.length) {
    const n = source.copy(target, at, offset)
    at += n
    offset = 0
  }
}

function createEchoProtocol(largePayloadBytes: number): ProbeProtocol {
  const echoCanCarry: CanCarry = () => true
  return {
    name: 'echo',
    canCarry: echoCanCarry,
    encode(id, kind, bytes) {
      checkId(id)
      switch (kind) {
        case 'text': {
          const headBytes = TEXT_PREFIX.length + digitCount(id) + 1
          const size = checkBytes(bytes ?? DEFAULT_PAYLOAD_BYTES.text, headBytes, kind)
          // allocUnsafe slices Node's shared pool for small sizes; Buffer.alloc
          // would create an ArrayBuffer (and GC work) per probe. The head is
          // written byte by byte: no string is built per probe.
          const data = Buffer.allocUnsafe(size)
          TEXT_PREFIX.copy(data, 0)
          writeDigits(data, TEXT_PREFIX.length, id, headBytes - 1)
          data[headBytes - 1] = 0x3a // ':'
          data.fill(0x61, headBytes)
          return { data, binary: false }
        }
        case 'json': {
          const head = `{"wshId":${id},"kind":"json","payload":"`
          const size = Math.max(bytes ?? DEFAULT_PAYLOAD_BYTES.json, head.length + 2)
          const body = { wshId: id, kind: 'json', payload: 'x'.repeat(size - head.length - 2) }
          return { data: Buffer.from(JSON.stringify(body)), binary: false }
        }
        case 'binary':
        case 'large': {
          const fallback = kind === 'large' ? largePayloadBytes : DEFAULT_PAYLOAD_BYTES.binary
          const size = checkBytes(bytes ?? fallback, BINARY_HEADER_BYTES, kind)
          const data = Buffer.allocUnsafe(size)
          data.writeUInt32BE(BINARY_MAGIC, 0)
          data.writeUInt32BE(id, 4)
          fillFromPool(data, BINARY_HEADER_BYTES, id)
          return { data, binary: true }
        }
      }
    },
    match(data) {
      // Echo servers may flip the frame type, so the bytes decide, not isBinary.
      if (data.length >= BINARY_HEADER_BYTES && data.readUInt32BE(0) === BINARY_MAGIC) {
        return data.readUInt32BE(4)
      }
      if (startsWith(data, TEXT_PREFIX)) {
        const id = readDigits(data, TEXT_PREFIX.length, 0x3a /* ':' */)
        return id < 0 ? NO_MATCH : id
      }
      if (startsWith(data, JSON_PREFIX)) {
        const id = readDigits(data, JSON_PREFIX.length, 0x2c /* ',' */)
        return id < 0 ? NO_MATCH : id
      }
      return NO_MATCH
    },
    intact(data, _isBinary, sent) {
      return data.equals(sent.data)
    }
  }
}

// ---------------------------------------------------------------- json

type JsonSettings = Config['json']

/** Reads a dot path (`a.b.c`) from a parsed JSON value; undefined when absent. */
export function readPath(value: unknown, path: readonly string[]): unknown {
  let current = value
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined
    current = (current as Record<string, unknown>)[key]
  }
  return current
}

function createJsonProtocol(settings: JsonSettings): ProbeProtocol {
  const parts = settings.template.split('{{id}}')
  const matchPath = settings.matchField.split('.')
  const idPath = settings.idField.split('.')
  const matchValue = settings.matchValue
  // A reply must contain the match value's bytes somewhere; checking that
  // first skips JSON.parse for most unrelated traffic.
  const matchBytes = matchValue === '' ? undefined : Buffer.from(matchValue)
  const reason = (kind: PayloadKind): string =>
    `protocol json carries only its JSON template; ${kind} payloads cannot be echoed`
  const canCarry: CanCarry = (kind) => (kind === 'text' || kind === 'json' ? true : reason(kind))

  return {
    name: 'json',
    canCarry,
    encode(id, kind, bytes) {
      checkId(id)
      if (kind !== 'text' && kind !== 'json') throw new RangeError(`kind: ${reason(kind)}`)
      let text = parts.join(String(id))
      if (text.includes('{{payload}}')) {
        const size = Math.max(0, (bytes ?? DEFAULT_PAYLOAD_BYTES.text) - text.length)
        text = text.split('{{payload}}').join('x'.repeat(size))
      }
      return { data: Buffer.from(text), binary: false }
    },
    match(data, isBinary) {
      if (isBinary || data.length < 2) return NO_MATCH
      const first = data[0]
      if (first !== 0x7b /* { */ && first !== 0x5b /* [ */ && first !== 0x20 && first !== 0x0a) {
        return NO_MATCH
      }
      if (matchBytes !== undefined && data.indexOf(matchBytes) === -1) return NO_MATCH
      let parsed: unknown
      try {
        parsed = JSON.parse(data.toString('utf8'))
      } catch {
        return NO_MATCH
      }
      const field = readPath(parsed, matchPath)
      if (field === undefined || field === null || String(field) !== matchValue) return NO_MATCH
      const idValue = readPath(parsed, idPath)
      if (typeof idValue === 'number' && Number.isInteger(idValue) && idValue >= 0) return idValue
      if (typeof idValue === 'string' && /^\d{1,10}$/.test(idValue)) return Number(idValue)
      return MATCH_FIFO
    },
    intact() {
      // A reply that passed `match` satisfied the reply rule; json services
      // do not echo payloads, so there is nothing more to compare.
      return true
    }
  }
}
