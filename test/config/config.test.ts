import { expect } from 'chai'
import { ConfigError, loadConfig } from '../../config'

const STRONG = 'a-production-secret-of-at-least-32-bytes!'

function production(env: Record<string, string> = {}) {
  return loadConfig({ ENV: 'production', JWT_SECRET_KEY: STRONG, CORS_ORIGINS: 'https://app.example.com', ...env })
}

function configError(load: () => unknown): ConfigError {
  try {
    load()
  } catch (error) {
    expect(error).to.be.instanceOf(ConfigError)
    return error as ConfigError
  }
  throw new Error('expected loadConfig to throw a ConfigError')
}

describe('loadConfig', () => {
  it('reads config/<ENV>.env', () => {
    const config = loadConfig({ ENV: 'test' })
    expect(config.ENV).to.equal('test')
    expect(config.BCRYPT_ROUNDS).to.equal(4)
    expect(config.LOGIN_RATE_LIMIT).to.equal(5)
    expect(config.CORS_ORIGINS).to.deep.equal(['http://localhost:3000'])
  })

  it('defaults to the local environment when ENV is unset or empty', () => {
    expect(loadConfig({}).ENV).to.equal('local')
    expect(loadConfig({}).JWT_SECRET_KEY).to.equal('local-development-secret-change-me')
    expect(loadConfig({ ENV: '' }).ENV).to.equal('local')
  })

  it('lets the real environment override the file', () => {
    const config = loadConfig({ ENV: 'test', BCRYPT_ROUNDS: '6', CORS_ORIGINS: 'https://a.example, https://b.example', LOG_LEVEL: 'WARNING' })
    expect(config.BCRYPT_ROUNDS).to.equal(6)
    expect(config.CORS_ORIGINS).to.deep.equal(['https://a.example', 'https://b.example'])
    expect(config.LOG_LEVEL).to.equal('warn')
  })

  it('applies the defaults the issue names: BODY_LIMIT_KB 100', () => {
    expect(loadConfig({ ENV: 'test' }).BODY_LIMIT_KB).to.equal(100)
  })

  for (const [name, value] of [['PORT', 'abc'], ['PORT', '70000'], ['BCRYPT_ROUNDS', '3'], ['DATABASE_URL', 'not a url'], ['LOG_LEVEL', 'loud'], ['ENV', 'staging']]) {
    it(`throws a ConfigError naming ${name} for ${name}=${value}`, () => {
      const error = configError(() => loadConfig({ ENV: 'test', [name as string]: value as string }))
      expect(error.message).to.match(new RegExp(`^\\s+${name}: `, 'm'))
    })
  }

  it('names every invalid variable at once', () => {
    const error = configError(() => loadConfig({ ENV: 'test', PORT: 'abc', JWT_EXPIRE_MINUTES: '0' }))
    expect(error.message).to.include('PORT').and.to.include('JWT_EXPIRE_MINUTES')
  })
})

describe('loadConfig in production', () => {
  it('accepts a strong secret and explicit CORS origins', () => {
    const config = production()
    expect(config.ENV).to.equal('production')
    expect(config.JWT_SECRET_KEY).to.equal(STRONG)
  })

  it('refuses a missing JWT_SECRET_KEY', () => {
    expect(configError(() => loadConfig({ ENV: 'production' })).message).to.include('JWT_SECRET_KEY')
    expect(configError(() => production({ JWT_SECRET_KEY: '' })).message).to.include('JWT_SECRET_KEY')
  })

  for (const secret of ['local-development-secret-change-me', 'test-secret-that-is-at-least-32-bytes-long', 'change-me']) {
    it(`refuses the default secret "${secret}"`, () => {
      expect(configError(() => production({ JWT_SECRET_KEY: secret })).message).to.include('JWT_SECRET_KEY')
    })
  }

  it('refuses a secret shorter than 32 bytes, counting bytes rather than characters', () => {
    expect(configError(() => production({ JWT_SECRET_KEY: 'x'.repeat(31) })).message).to.include('JWT_SECRET_KEY')
    expect(production({ JWT_SECRET_KEY: 'x'.repeat(32) }).JWT_SECRET_KEY).to.have.length(32)
    expect(production({ JWT_SECRET_KEY: 'é'.repeat(16) }).JWT_SECRET_KEY).to.have.length(16)
  })

  it('refuses CORS_ORIGINS=*, alone or in a list', () => {
    expect(configError(() => production({ CORS_ORIGINS: '*' })).message).to.include('CORS_ORIGINS')
    expect(configError(() => production({ CORS_ORIGINS: 'https://app.example.com, *' })).message).to.include('CORS_ORIGINS')
  })

  it('allows CORS_ORIGINS=* and a default secret outside production', () => {
    const config = loadConfig({ ENV: 'local', CORS_ORIGINS: '*' })
    expect(config.CORS_ORIGINS).to.deep.equal(['*'])
  })
})
