// ESM jest as actions/typescript-action runs it: ts-jest with useESM and
// ts-jest-resolver so `.js` import specifiers resolve to the `.ts` sources.
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  resolver: 'ts-jest-resolver',
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }]
  },
  testMatch: ['**/__tests__/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  // Fixture repositories hold package.json files (some malformed on purpose) that jest's
  // module map must not read as packages.
  modulePathIgnorePatterns: ['<rootDir>/__tests__/fixtures/discovery/'],
  // Real sockets: a test that waits on a network event gets a generous, bounded limit.
  testTimeout: 30000,
  maxWorkers: 2,
  collectCoverageFrom: ['src/**/*.ts', '!src/index.ts']
}
