import { expect } from 'chai'
import { api } from '../support/http'

const attributes = (html: string, tag: string, attr: string): string[] =>
  [...html.matchAll(new RegExp(`<${tag}\\b[^>]*\\b${attr}\\s*=\\s*["']([^"']+)["']`, 'gi'))].map((m) => m[1]!)

describe('GET /docs', () => {
  it('returns an HTML page that loads Swagger UI', async () => {
    const reply = await api('GET', '/docs')
    expect(reply.status).to.equal(200)
    expect(reply.headers.get('content-type')).to.match(/^text\/html/)
    expect(reply.text).to.include('id="swagger-ui"')
  })

  it('loads every script and stylesheet from this server, each answering 200 with real content', async () => {
    const html = (await api('GET', '/docs')).text
    const assets = [...attributes(html, 'script', 'src'), ...attributes(html, 'link', 'href')]
    expect(attributes(html, 'script', 'src')).to.have.length.greaterThan(0)
    expect(attributes(html, 'link', 'href')).to.have.length.greaterThan(0)
    for (const src of assets) {
      expect(src, `${src} must be a path on this server`).to.match(/^\/(?!\/)/)
      const asset = await api('GET', src)
      expect(asset.status, src).to.equal(200)
      expect(asset.text.length, `${src} body`).to.be.greaterThan(50)
    }
  })

  it('serves the Swagger UI bundle and stylesheet from the installed package', async () => {
    const html = (await api('GET', '/docs')).text
    const bundle = attributes(html, 'script', 'src').find((s) => s.includes('swagger-ui-bundle'))
    const css = attributes(html, 'link', 'href').find((s) => s.endsWith('.css'))
    const js = await api('GET', bundle!)
    expect(js.headers.get('content-type')).to.match(/javascript/)
    expect(js.text.length).to.be.greaterThan(100_000)
    expect(js.text).to.include('SwaggerUIBundle')
    const style = await api('GET', css!)
    expect(style.headers.get('content-type')).to.match(/^text\/css/)
    expect(style.text).to.include('.swagger-ui')
  })

  it('runs its page script only from this origin (CSP script-src self, no inline script)', async () => {
    const reply = await api('GET', '/docs')
    expect(reply.headers.get('content-security-policy')).to.match(/script-src 'self'(;|$)/)
    expect(reply.text).not.to.match(/<script(?![^>]*\bsrc=)[^>]*>/i)
  })

  it('answers 404 for an asset it does not serve, and never reads outside the package', async () => {
    expect((await api('GET', '/docs/assets/package.json')).status).to.equal(404)
    expect((await api('GET', '/docs/assets/..%2F..%2Fpackage.json')).status).to.equal(404)
  })
})

describe('GET /openapi.json', () => {
  it('lists the auth and product paths', async () => {
    const reply = await api('GET', '/openapi.json')
    expect(reply.status).to.equal(200)
    expect(reply.body.openapi).to.match(/^3\./)
    expect(reply.body.paths).to.include.all.keys(
      '/api/v1/auth/register', '/api/v1/auth/login', '/api/v1/auth/me', '/api/v1/auth/validate', '/api/v1/auth/logout',
      '/api/v1/products', '/api/v1/products/{id}', '/api/v1/products/search', '/api/v1/products/my-products', '/api/v1/products/category/{category}',
    )
    const products = reply.body.paths['/api/v1/products/{id}']
    expect(products).to.include.all.keys('get', 'put', 'patch', 'delete')
  })

  it('describes the request bodies with the schemas the routes validate', async () => {
    const doc = (await api('GET', '/openapi.json')).body
    const bodySchema = (path: string, method: string) => {
      const ref: string = doc.paths[path][method].requestBody.content['application/json'].schema.$ref
      return doc.components.schemas[ref.replace('#/components/schemas/', '')]
    }
    const register = bodySchema('/api/v1/auth/register', 'post')
    expect(register.required).to.have.members(['email', 'username', 'password'])
    expect(register.properties.username.pattern).to.equal('^[A-Za-z0-9_.-]{3,50}$')
    expect(bodySchema('/api/v1/auth/login', 'post').required).to.have.members(['email', 'password'])
    const create = bodySchema('/api/v1/products', 'post')
    expect(create.required).to.include.members(['name', 'price', 'category'])
    expect(create.properties.stock).to.include({ type: 'integer', minimum: 0 })
    expect(bodySchema('/api/v1/products/{id}', 'patch').required ?? []).to.deep.equal([])
  })

  it('describes query and path parameters, with the pagination bounds', async () => {
    const doc = (await api('GET', '/openapi.json')).body
    const params = (path: string) => doc.paths[path].get.parameters as Array<{ name: string; in: string; schema: Record<string, unknown> }>
    const limit = params('/api/v1/products').find((p) => p.name === 'limit')!
    expect(limit.in).to.equal('query')
    expect(limit.schema).to.include({ minimum: 1, maximum: 100 })
    expect(params('/api/v1/products/search').map((p) => p.name)).to.include('name')
    expect(params('/api/v1/products/{id}').find((p) => p.name === 'id')?.in).to.equal('path')
    expect(doc.components.securitySchemes.bearerAuth).to.include({ type: 'http', scheme: 'bearer' })
  })
})
