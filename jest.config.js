// ESM jest as actions/typescript-action runs it (ts-jest-resolver so `.js` import
// specifiers resolve to the `.ts` sources), with esbuild stripping the types instead of
// ts-jest: see __tests__/setup/esbuild-transform.mjs.
const shared = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  resolver: 'ts-jest-resolver',
  transform: {
    '^.+\\.ts$': '<rootDir>/__tests__/setup/esbuild-transform.mjs'
  },
  // Fixture repositories hold package.json files (some malformed on purpose) that jest's
  // module map must not read as packages.
  modulePathIgnorePatterns: ['<rootDir>/__tests__/fixtures/discovery/']
}

// Chaos tests run faults through the relay for seconds each; dist tests run the
// bundles as child processes. Each is its own project so it can be run alone
// (npm run test:chaos, npm run test:dist) and the unit project stays quick.
const CHAOS = ['<rootDir>/__tests__/chaos/', '<rootDir>/__tests__/chaos-mode/']
const DIST = ['<rootDir>/__tests__/e2e/dist.test.ts', '<rootDir>/__tests__/e2e/issue-dist.test.ts']

export default {
  projects: [
    {
      ...shared,
      displayName: 'unit',
      testMatch: ['<rootDir>/__tests__/**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', '/dist/', ...CHAOS, ...DIST]
    },
    {
      ...shared,
      displayName: 'chaos',
      testMatch: CHAOS.map((dir) => `${dir}**/*.test.ts`)
    },
    {
      ...shared,
      displayName: 'dist',
      testMatch: DIST,
      // Builds the bundles once per run into a temp directory, never into dist/
      // (see __tests__/fixtures/temp-dist.mjs), in the background while other
      // tests run; only when a dist test is selected.
      globalSetup: '<rootDir>/__tests__/setup/build-dist.mjs',
      globalTeardown: '<rootDir>/__tests__/setup/await-dist-build.mjs'
    }
  ],
  // No test may write the committed dist/: recorded before the run, compared after.
  globalSetup: '<rootDir>/__tests__/setup/record-dist.mjs',
  globalTeardown: '<rootDir>/__tests__/setup/verify-dist.mjs',
  // Real sockets: a test that waits on a network event gets a generous, bounded limit.
  testTimeout: 30000,
  // Most of a test's time is spent waiting on sockets and timers, not on the CPU: four
  // workers per core of the 2-core CI machine keep both cores busy (fresh clones: 234 s
  // with 2 workers, 138-145 s with 6, 92-99 s with 8). Tests assert behaviour, never
  // wall-clock limits, so the extra contention slows them without changing what they check.
  maxWorkers: 8,
  testSequencer: '<rootDir>/__tests__/setup/slow-first-sequencer.mjs',
  collectCoverageFrom: ['src/**/*.ts', '!src/index.ts']
}
