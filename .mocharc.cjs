module.exports = {
  'node-option': ['import=tsx'],
  require: ['test/support/hooks.ts'],
  spec: ['test/**/*.test.ts'],
  extension: ['ts'],
  timeout: 20000,
  forbidOnly: Boolean(process.env.CI),
  exit: true,
}
