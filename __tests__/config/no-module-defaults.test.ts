/**
 * Defaults live in the config schema only (CONTRIBUTING.md): a module that
 * uses a user-settable value takes it from its caller. Each case leaves the
 * settings out, as a JavaScript caller could; a module that quietly filled
 * in its own default again would go ahead instead of naming the setting.
 */
import { afterEach, describe, expect, it } from '@jest/globals'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { resolveFaults, type FaultConfig } from '../../src/chaos/faults.js'
import { startChaosRelay } from '../../src/chaos/relay.js'
import type { ChaosRelayOptions } from '../../src/chaos/relay-types.js'
import { createBackoff, type BackoffOptions } from '../../src/client/backoff.js'
import { createBreaker, type BreakerOptions } from '../../src/client/breaker.js'
import { createConnection, type CreateConnectionOptions } from '../../src/client/connection.js'
import { createProbeProtocol } from '../../src/client/protocol.js'
import { createReconnectingClient } from '../../src/client/reconnecting-client.js'
import type { ReconnectingClientOptions } from '../../src/client/reconnect-types.js'
import { probeCandidates, type ProbeOptions } from '../../src/discovery/probe.js'
import { startService, type ServiceOptions } from '../../src/engine/service.js'
import { syncFailureIssue, type SyncFailureIssueOptions } from '../../src/github/issue-lifecycle.js'
import { findRegressions, type RegressionOptions } from '../../src/history/baseline.js'
import { appendRecordToBranch, type BranchAppendOptions } from '../../src/history/branch-store.js'
import { appendRecord, type AppendOptions } from '../../src/history/file-store.js'
import { analyzeTrend } from '../../src/history/trend.js'
import { systemClock } from '../../src/metrics/clock.js'
import {
  trendMarkdown,
  trendTextLines,
  type TrendViewOptions
} from '../../src/report/trend-section.js'
import { makeConfig } from '../fixtures/builders.js'
import { startFakeGitHub, type FakeGitHub } from '../fixtures/fake-github.js'
import { DEFAULT_REGRESSION } from '../fixtures/schema-defaults.js'
import { failingReport } from '../github/report-builder.js'
import { makeRecord, makeSeries } from '../history/make-record.js'

/** A port nothing listens on: a module that dialled anyway would fail with a connect error instead. */
const NOWHERE = 'ws://127.0.0.1:1/ws'

describe('modules keep no copy of a schema default', () => {
  it('backoff and breaker name the first policy value left out', () => {
    expect(() => createBackoff({} as BackoffOptions)).toThrow(/^initialDelayMs: got undefined/)
    expect(() => createBreaker({} as BreakerOptions)).toThrow(/^failureThreshold: got undefined/)
  })

  it('the reconnecting client needs its policy from the caller', () => {
    const options = { url: NOWHERE } as ReconnectingClientOptions
    expect(() => createReconnectingClient(options)).toThrow(RangeError)
  })

  it('a connection names each timeout left out, before dialling', () => {
    const base = {
      url: NOWHERE,
      clock: systemClock,
      protocol: createProbeProtocol(makeConfig())
    }
    const timeouts = { handshakeTimeoutMs: 1_000, messageTimeoutMs: 1_000, pongTimeoutMs: 1_000 }
    for (const left of Object.keys(timeouts) as Array<keyof typeof timeouts>) {
      const options = { ...base, ...timeouts, [left]: undefined } as CreateConnectionOptions
      expect(() => createConnection(options)).toThrow(new RegExp(`^${left}: got undefined`))
    }
  })

  it('server_command needs its ready timeout from the caller, before anything is spawned', async () => {
    const options = { command: 'node --version', url: NOWHERE } as ServiceOptions
    await expect(startService(options)).rejects.toThrow(/^readyTimeoutMs: got undefined/)
  })

  it('the chaos relay names its fault settings left out, before it listens', async () => {
    await expect(startChaosRelay({ target: NOWHERE } as ChaosRelayOptions)).rejects.toThrow(
      /^base: got undefined; expected the complete fault settings/
    )
    expect(() => resolveFaults({}, undefined as unknown as FaultConfig)).toThrow(
      /^base: got undefined/
    )
  })

  it('discovery needs its per-attempt timeout from the caller', async () => {
    await expect(probeCandidates([], {} as ProbeOptions)).rejects.toThrow(
      /^timeoutMs: got undefined/
    )
  })

  describe('the failure issue', () => {
    let fake: FakeGitHub | undefined
    afterEach(async () => {
      await fake?.close()
      fake = undefined
    })

    it('names issue_on and issue_labels when they are left out, and calls no API', async () => {
      fake = await startFakeGitHub()
      const warnings: string[] = []
      const options = {
        report: failingReport(),
        token: 'test-token',
        apiUrl: fake.url,
        repo: { owner: 'octo-org', repo: 'octo-repo' },
        workflow: 'ci',
        log: { info: () => undefined, warning: (m: string) => warnings.push(m) }
      } as unknown as SyncFailureIssueOptions
      const result = await syncFailureIssue(options)
      expect(result.action).toBe('none')
      expect(result.warning).toContain('issue_on')
      expect(fake.requests).toEqual([])
      const labelsOnly = await syncFailureIssue({ ...options, issueOn: 'failed' })
      expect(labelsOnly.warning).toContain(
        'issue_labels: got undefined; expected at least one label'
      )
      expect(fake.requests).toEqual([])
      expect(warnings).toHaveLength(2)
    })
  })

  describe('the run history', () => {
    let dir: string | undefined
    let fake: FakeGitHub | undefined
    afterEach(async () => {
      if (dir !== undefined) await rm(dir, { recursive: true, force: true })
      await fake?.close()
      dir = undefined
      fake = undefined
    })

    it('a history file names history_keep left out (keep), and writes nothing', async () => {
      dir = await mkdtemp(join(tmpdir(), 'wsh-no-default-'))
      const file = join(dir, 'history.jsonl')
      await expect(appendRecord(file, makeRecord(0), {} as AppendOptions)).rejects.toThrow(
        /^keep: got undefined/
      )
      expect(await readdir(dir)).toEqual([])
    })

    it('a history branch names keep left out, and calls no API', async () => {
      fake = await startFakeGitHub()
      const options = {
        token: 'test-token',
        apiUrl: fake.url,
        owner: 'octo-org',
        repo: 'octo-repo',
        branch: 'ws-health-history',
        path: 'history.jsonl',
        record: makeRecord(0)
      } as BranchAppendOptions
      await expect(appendRecordToBranch(options)).rejects.toThrow(/^keep: got undefined/)
      expect(fake.requests).toEqual([])
    })

    it('regressions name regression_k and regression_min_change left out', () => {
      const history = makeSeries(6, () => ({ p95LatencyMs: 200 }))
      const current = makeRecord(6, { p95LatencyMs: 400 })
      expect(() => findRegressions(history, current, {} as RegressionOptions)).toThrow(
        /^k: got undefined/
      )
      const kOnly = { k: DEFAULT_REGRESSION.k } as RegressionOptions
      expect(() => findRegressions(history, current, kOnly)).toThrow(
        /^minRelativeChange: got undefined/
      )
    })

    it('the trend section names the band width left out instead of printing it', () => {
      const trend = analyzeTrend([], makeRecord(0), makeConfig(), {
        regression: DEFAULT_REGRESSION
      })
      const options = {} as TrendViewOptions
      expect(() => trendMarkdown(trend, options)).toThrow(/^k: got undefined/)
      expect(() => trendTextLines(trend, options)).toThrow(/^k: got undefined/)
    })
  })
})
