import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import prettier from 'eslint-config-prettier'

// Dependencies point one way: measuring never formats, reporting never measures.
const layering = {
  'src/metrics/**': ['**/report/**', '**/github/**', '@actions/*'],
  'src/client/**': ['**/report/**', '**/github/**', '**/suites/**', '@actions/*'],
  'src/suites/**': ['ws', '@actions/*', '**/report/**', '**/github/**'],
  'src/report/**': ['ws', '**/client/**', '**/chaos/**', '**/server/**'],
  'src/engine/**': ['@actions/*', '**/report/**', '**/github/**'],
  'src/github/**': ['ws', '**/client/**', '**/suites/**', '**/report/**'],
  'src/history/**': ['ws', '**/client/**', '**/suites/**', '**/report/**'],
  'src/format/**': [
    'ws',
    '@actions/*',
    '**/client/**',
    '**/suites/**',
    '**/report/**',
    '**/github/**',
    '**/history/**'
  ],
  'src/cli.ts': ['@actions/*']
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
  ...Object.entries(layering).map(([files, patterns]) => ({
    files: [files],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: patterns.map((group) => ({
            group: [group],
            message: 'Layering: see STYLE.md (measuring never formats, reporting never measures).'
          }))
        }
      ]
    }
  })),
  prettier
)
