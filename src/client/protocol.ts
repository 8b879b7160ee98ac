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
/**
 * `match` result: a probe of ours in shape, but carrying another
 * connection's nonce: a reply delivered to the wrong connection (cross-talk).
 */
export const FOREIGN = -3

/** Default payload sizes in bytes per kind (large comes from config). */
export const DEFAULT_PAYLOAD_BYTES = { text: 64, json: 64, binary: 256 } as const

/**
 * One encoded probe; `data` is sent as is. The intact check needs only its
 * id, kind and length (see ProbeProtocol.intact), so nothing of it has to
 * be kept while the probe is in flight.
 */
export interface EncodedProbe {
  data: Buffer
  /** Sent as a binary frame (otherwise text). */
  binary: boolean
  kind: PayloadKind
}

export interface ProbeProtocol {
  readonly name: 'echo' | 'json'
  readonly canCarry: CanCarry
  /**
   * Encodes probe `id` (a non-negative integer below 2^32) of `kind`; `bytes`
   * is the payload size where the kind has one. `nonce` (uint32, default 0)
   * is the sending connection's, carried where the protocol can (echo).
   */
  encode(id: number, kind: PayloadKind, bytes?: number, nonce?: number): EncodedProbe
  /**
   * The probe id a message answers, MATCH_FIFO, NO_MATCH, or FOREIGN when it
   * is a probe carrying a nonce other than `nonce` (the receiving
   * connection's, default 0). Cheap byte checks run before any parse.
   */
  match(data: Buffer, isBinary: boolean, nonce?: number): number
  /**
   * Whether a matched reply carries what probe `id` expects, for the probe
   * encode(id, kind, …, nonce) made `sentBytes` long: encoding is
   * deterministic, so the protocol rebuilds what was sent instead of the
   * connection keeping every probe's bytes until its reply.
   */
  intact(
    data: Buffer,
    isBinary: boolean,
    id: number,
    kind: PayloadKind,
    sentBytes: number,
    nonce?: number
  ): boolean
  /** Whether probes carry the connection's nonce, so a misrouted reply can be told (FOREIGN). */
  readonly carriesNonce: boolean
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

// Text probes start with `wsh:<id>:<nonce>:`, JSON probes with
// `{"wshId":<id>,"wshNonce":"<nonce>",`, the nonce as 8 lower-case hex digits.
// Binary probes start with 0xff 'W' 'S' 'H', the id and the nonce as uint32
// BE: 0xff can never start valid UTF-8, so a binary probe can't pass for text.
// The nonce is the sending connection's (random per connection): a reply
// that reaches another connection carries a nonce that is not its own.
const TEXT_PREFIX = Buffer.from('wsh:')
const JSON_PREFIX = Buffer.from('{"wshId":')
const JSON_NONCE = Buffer.from(',"wshNonce":"')
const JSON_BODY = Buffer.from('","kind":"json","payload":"')
const JSON_END = Buffer.from('"}')
const BINARY_MAGIC = 0xff575348
const BINARY_HEADER_BYTES = 12
const NONCE_HEX_DIGITS = 8
const CHAR_0 = 0x30
const CHAR_9 = 0x39
const CHAR_A_LOWER = 0x61
const CHAR_F_LOWER = 0x66
const COLON = 0x3a
/** What fills a text probe after its head: 'a'. */
const TEXT_FILLER = 0x61

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

/** Writes `nonce` as 8 lower-case hex digits at `from`. */
function writeHex(data: Buffer, from: number, nonce: number): void {
  for (let i = 0; i < NONCE_HEX_DIGITS; i++) {
    const nibble = (nonce >>> (28 - 4 * i)) & 0xf
    data[from + i] = nibble < 10 ? CHAR_0 + nibble : CHAR_A_LOWER + nibble - 10
  }
}

/** Reads 8 lower-case hex digits at `from`; -1 when they are not there. */
function readHex(data: Buffer, from: number): number {
  if (data.length < from + NONCE_HEX_DIGITS) return -1
  let value = 0
  for (let i = from; i < from + NONCE_HEX_DIGITS; i++) {
    const c = data[i]
    const nibble =
      c >= CHAR_0 && c <= CHAR_9
        ? c - CHAR_0
        : c >= CHAR_A_LOWER && c <= CHAR_F_LOWER
          ? c - CHAR_A_LOWER + 10
          : -1
    if (nibble < 0) return -1
    value = value * 16 + nibble
  }
  return value
}

/**
 * Whether `data` holds `part` at `at`. The parts are a few bytes long:
 * Buffer#compare validates its four offsets in JS before its native call,
 * which cost more per message than comparing the bytes here.
 */
function holdsAt(data: Buffer, part: Buffer, at: number): boolean {
  if (data.length < at + part.length) return false
  for (let i = 0; i < part.length; i++) {
    if (data[at + i] !== part[i]) return false
  }
  return true
}

function checkNonce(nonce: number): number {
  if (!Number.isInteger(nonce) || nonce < 0 || nonce > 0xffffffff) {
    throw new RangeError(`nonce: got ${nonce}; expected an integer from 0 to 4294967295`)
  }
  return nonce
}

/** The id when `nonce` is the expected one, FOREIGN for another, NO_MATCH when unreadable. */
function byNonce(id: number, found: number, nonce: number): number {
  if (id < 0 || found < 0) return NO_MATCH
  return found === nonce ? id : FOREIGN
}

function startsWith(data: Buffer, prefix: Buffer): boolean {
  return holdsAt(data, prefix, 0)
}

function fillFromPool(target: Buffer, from: number, end: number, seed: number): void {
  const source = pool()
  let offset = (seed * 7919) % source.length
  let at = from
  while (at < end) {
    const n = source.copy(target, at, offset, offset + Math.min(end - at, source.length - offset))
    at += n
    offset = 0
  }
}

/** Bytes before a text probe's filler: `wsh:<id>:<nonce>:`. */
function textHeadBytes(id: number): number {
  return TEXT_PREFIX.length + digitCount(id) + 1 + NONCE_HEX_DIGITS + 1
}

/** Bytes of a JSON probe's fixed parts (everything but the filler) for `id`. */
function jsonFixedBytes(id: number): number {
  return (
    JSON_PREFIX.length +
    digitCount(id) +
    JSON_NONCE.length +
    NONCE_HEX_DIGITS +
    JSON_BODY.length +
    JSON_END.length
  )
}

/** The size of an echo probe of `kind`: `bytes` (checked) or the kind's default. */
function echoSize(id: number, kind: PayloadKind, bytes: number | undefined, large: number): number {
  switch (kind) {
    case 'text':
      return checkBytes(bytes ?? DEFAULT_PAYLOAD_BYTES.text, textHeadBytes(id), 'text')
    case 'json':
      return Math.max(bytes ?? DEFAULT_PAYLOAD_BYTES.json, jsonFixedBytes(id))
    case 'binary':
    case 'large': {
      const fallback = kind === 'large' ? large : DEFAULT_PAYLOAD_BYTES.binary
      return checkBytes(bytes ?? fallback, BINARY_HEADER_BYTES, kind)
    }
  }
}

/**
 * Writes echo probe `id` of `kind` into target[0, size). The head is
 * written byte by byte and the rest filled: no string is built per probe.
 */
function writeEcho(target: Buffer, size: number, id: number, kind: PayloadKind, nonce: number) {
  switch (kind) {
    case 'text':
      return writeText(target, size, id, nonce)
    case 'json':
      return writeJson(target, size, id, nonce)
    case 'binary':
    case 'large':
      target.writeUInt32BE(BINARY_MAGIC, 0)
      target.writeUInt32BE(id, 4)
      target.writeUInt32BE(nonce, 8)
      return fillFromPool(target, BINARY_HEADER_BYTES, size, id)
  }
}

function writeText(data: Buffer, size: number, id: number, nonce: number): void {
  const idEnd = TEXT_PREFIX.length + digitCount(id)
  const headBytes = textHeadBytes(id)
  TEXT_PREFIX.copy(data, 0)
  writeDigits(data, TEXT_PREFIX.length, id, idEnd)
  data[idEnd] = COLON
  writeHex(data, idEnd + 1, nonce)
  data[headBytes - 1] = COLON
  data.fill(TEXT_FILLER, headBytes, size)
}

function writeJson(data: Buffer, size: number, id: number, nonce: number): void {
  const idEnd = JSON_PREFIX.length + digitCount(id)
  const nonceAt = idEnd + JSON_NONCE.length
  const bodyAt = nonceAt + NONCE_HEX_DIGITS
  const payloadAt = bodyAt + JSON_BODY.length
  // The payload is plain 'x's, so the bytes are valid JSON by construction.
  JSON_PREFIX.copy(data, 0)
  writeDigits(data, JSON_PREFIX.length, id, idEnd)
  JSON_NONCE.copy(data, idEnd)
  writeHex(data, nonceAt, nonce)
  JSON_BODY.copy(data, bodyAt)
  data.fill(0x78, payloadAt, size - JSON_END.length)
  JSON_END.copy(data, size - JSON_END.length)
}

/**
 * Text probes up to this size are checked in place (textIntact): for the
 * default 64-byte probe, rebuilding it into the scratch buffer and
 * comparing cost more than reading its bytes once. Longer ones are rebuilt,
 * where the native compare outruns a byte loop.
 */
const TEXT_IN_PLACE_MAX_BYTES = 1024

/**
 * Whether `data` (`size` bytes, checked by the caller) is byte for byte
 * the text probe writeText(…, size, id, nonce) writes, read in place.
 */
function textIntact(data: Buffer, size: number, id: number, nonce: number): boolean {
  const idEnd = TEXT_PREFIX.length + digitCount(id)
  const headBytes = textHeadBytes(id)
  // The id's digits end exactly at idEnd (no leading zeros), and the hex reader takes lower case only.
  if (!startsWith(data, TEXT_PREFIX) || readDigits(data, TEXT_PREFIX.length, COLON) !== id) {
    return false
  }
  if (data[idEnd] !== COLON || readHex(data, idEnd + 1) !== nonce) return false
  if (data[headBytes - 1] !== COLON) return false
  for (let i = headBytes; i < size; i++) {
    if (data[i] !== TEXT_FILLER) return false
  }
  return true
}

/**
 * Where intact() rebuilds the expected probe: one buffer shared by every
 * connection (the check is synchronous), kept up to SCRATCH_BYTES; a larger
 * probe gets a buffer of its own for the one check.
 */
const SCRATCH_BYTES = 64 * 1024
let scratch: Buffer | undefined
function expectedBuffer(size: number): Buffer {
  if (size > SCRATCH_BYTES) return Buffer.allocUnsafe(size)
  scratch ??= Buffer.allocUnsafeSlow(SCRATCH_BYTES)
  return scratch
}

function matchEcho(data: Buffer, nonce: number): number {
  // Echo servers may flip the frame type, so the bytes decide, not isBinary.
  if (data.length >= BINARY_HEADER_BYTES && data.readUInt32BE(0) === BINARY_MAGIC) {
    return byNonce(data.readUInt32BE(4), data.readUInt32BE(8), nonce)
  }
  if (startsWith(data, TEXT_PREFIX)) {
    const id = readDigits(data, TEXT_PREFIX.length, COLON)
    if (id < 0) return NO_MATCH
    const nonceAt = TEXT_PREFIX.length + digitCount(id) + 1
    const found = data[nonceAt + NONCE_HEX_DIGITS] === COLON ? readHex(data, nonceAt) : -1
    return byNonce(id, found, nonce)
  }
  if (startsWith(data, JSON_PREFIX)) {
    const id = readDigits(data, JSON_PREFIX.length, 0x2c /* ',' */)
    if (id < 0) return NO_MATCH
    const idEnd = JSON_PREFIX.length + digitCount(id)
    const found = holdsAt(data, JSON_NONCE, idEnd) ? readHex(data, idEnd + JSON_NONCE.length) : -1
    return byNonce(id, found, nonce)
  }
  return NO_MATCH
}

function createEchoProtocol(largePayloadBytes: number): ProbeProtocol {
  const echoCanCarry: CanCarry = () => true
  return {
    name: 'echo',
    canCarry: echoCanCarry,
    carriesNonce: true,
    encode(id, kind, bytes, nonce = 0) {
      checkId(id)
      checkNonce(nonce)
      const size = echoSize(id, kind, bytes, largePayloadBytes)
      // allocUnsafe slices Node's shared pool for small sizes; Buffer.alloc
      // would create an ArrayBuffer (and GC work) per probe.
      const data = Buffer.allocUnsafe(size)
      writeEcho(data, size, id, kind, nonce)
      return { data, binary: kind === 'binary' || kind === 'large', kind }
    },
    match(data, _isBinary, nonce = 0) {
      return matchEcho(data, nonce)
    },
    intact(data, _isBinary, id, kind, sentBytes, nonce = 0) {
      // Byte for byte what encode() sent: rebuilt, since the same id, kind, size and nonce give the same bytes.
      if (data.length !== sentBytes) return false
      if (kind === 'text' && sentBytes <= TEXT_IN_PLACE_MAX_BYTES) {
        return textIntact(data, sentBytes, id, nonce)
      }
      const expected = expectedBuffer(sentBytes)
      writeEcho(expected, sentBytes, id, kind, nonce)
      return data.compare(expected, 0, sentBytes) === 0
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
    // The template is the user's and the service answers with its own
    // message: there is nowhere to carry a nonce that would come back.
    carriesNonce: false,
    encode(id, kind, bytes) {
      checkId(id)
      if (kind !== 'text' && kind !== 'json') throw new RangeError(`kind: ${reason(kind)}`)
      let text = parts.join(String(id))
      if (text.includes('{{payload}}')) {
        const size = Math.max(0, (bytes ?? DEFAULT_PAYLOAD_BYTES.text) - text.length)
        text = text.split('{{payload}}').join('x'.repeat(size))
      }
      return { data: Buffer.from(text), binary: false, kind }
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
      // A reply that passed `match` satisfied the reply rule and, when the
      // service echoes ids, named this probe's id (pending-probes.ts checks
      // that): json services do not echo payloads, so nothing more compares.
      // A reply matched first in first out is flagged by RoundTrip.matchedById.
      return true
    }
  }
}
