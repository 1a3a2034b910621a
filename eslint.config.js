import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import globals from 'globals'

export default tseslint.config(
  { ignores: ['node_modules', 'data', 'test/artifacts', 'public/vendor'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': ['error', { selector: "MemberExpression[object.name='process'][property.name='env']", message: 'Only config/ reads process.env.' }],
    },
  },
  { files: ['config/**', 'bench/**', 'test/**', '.ci/**', '.mocharc.cjs'], rules: { 'no-restricted-syntax': 'off' } },
  { files: ['test/**'], rules: { '@typescript-eslint/no-unused-expressions': 'off', '@typescript-eslint/no-explicit-any': 'off' } },
  // Migrations take Kysely<any> on purpose: they must not depend on today's table types.
  { files: ['migrations/**', 'src/db/migrate.ts'], rules: { '@typescript-eslint/no-explicit-any': 'off' } },
  { files: ['**/*.cjs', '**/*.js'], languageOptions: { globals: globals.node } },
  // The /demo page's script runs in the browser.
  { files: ['src/rtc/demo/**/*.js', 'test/rtc/pipecat/**/*.js'], languageOptions: { globals: globals.browser } },
  // The visualizer page's scripts run in the browser, as plain ES modules (ELK is a global from its own script).
  { files: ['src/visualizer/public/**/*.js'], languageOptions: { globals: { ...globals.browser, ELK: 'readonly' } } },
)
