import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import prettier from 'eslint-config-prettier'

// Layers, top to bottom (CONTRIBUTING.md, "Layout"): a folder of src/ imports only from the
// folders below it, so no two folders import each other and a lower layer never learns
// about the one that drives it. The entry points (src/*.ts but the shared files below)
// sit above every folder.
const LAYERS = [
  'commands',
  'report',
  'github',
  'history',
  'format',
  'discovery',
  'run',
  'suites',
  'engine',
  'chaos',
  'server',
  'client',
  'metrics',
  'config',
  'core'
]
const ENTRY_POINTS = [
  'main',
  'cli',
  'index',
  'action-extras',
  'action-report',
  'cli-commands',
  'cli-help',
  'bundle'
]
// Top-level files every layer may import: the error codes and two leaf helpers.
const SHARED_FILES = ['src/errors.ts', 'src/stop-signal.ts', 'src/make-dirs.ts']

// Below a folder's own layer, still forbidden: measuring never formats, reporting never
// measures, and only the entry points and src/config/ speak to the Actions runtime.
const ALSO_BANNED = {
  // report/ formats what it is given: reading reports, history or the GitHub API is for
  // src/commands/ and the entry points.
  report: [
    'ws',
    '**/client/**',
    '**/chaos/**',
    '**/server/**',
    '@actions/github',
    'node:child_process',
    '**/history/file-store.js',
    '**/history/branch-store.js'
  ],
  github: ['ws', '**/client/**', '**/suites/**'],
  history: ['ws', '**/client/**', '**/suites/**'],
  // format/ turns figures and text into words and Markdown: nothing that measures or talks.
  format: ['ws', '@actions/*', '**/client/**', '**/suites/**', '**/run/**'],
  run: ['@actions/*'],
  suites: ['ws', '@actions/*'],
  engine: ['@actions/*'],
  client: ['@actions/*'],
  metrics: ['@actions/*']
}

const LAYER_MESSAGE =
  'Layering: a folder imports only from the layers below it (CONTRIBUTING.md, Layout).'

function layerRule(folder) {
  const above = LAYERS.slice(0, LAYERS.indexOf(folder)).map((name) => `**/${name}/**`)
  const entryPoints = ENTRY_POINTS.map((name) => `../${name}.js`)
  return {
    files: [`src/${folder}/**`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [...above, ...entryPoints, ...(ALSO_BANNED[folder] ?? [])],
              message: LAYER_MESSAGE
            }
          ]
        }
      ]
    }
  }
}

export default tseslint.config(
  {
    ignores: [
      'dist/',
      'node_modules/',
      'coverage/',
      'bench/results.json',
      'bench/.build/',
      'bench/.artillery/',
      '.package-build/'
    ]
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        setImmediate: 'readonly',
        URL: 'readonly',
        performance: 'readonly'
      }
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }
      ]
    }
  },
  ...LAYERS.map(layerRule),
  {
    files: SHARED_FILES,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['./*/**', ...ENTRY_POINTS.map((name) => `./${name}.js`)],
              message: LAYER_MESSAGE
            }
          ]
        }
      ]
    }
  },
  {
    // The environment is configuration: only src/config/ reads it (config/environment.ts),
    // and the entry points, which hand process.env to it.
    files: ['src/**/*.ts'],
    ignores: ['src/config/**', 'src/main.ts', 'src/cli.ts', 'src/index.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        {
          object: 'process',
          property: 'env',
          message: 'Read the environment through src/config/environment.ts (runEnvironment).'
        }
      ]
    }
  },
  {
    files: ['src/cli.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: ['@actions/*'] }] }
  },
  prettier
)
