import net from 'node:net'

/**
 * A TCP proxy the test controls, standing between a service and PostgreSQL: `cut()` drops every
 * proxied connection and refuses new ones (as a stopped or unreachable server would), `restore()`
 * accepts again on the same port. `freeze()` keeps every connection open but passes nothing on (a
 * server or network gone silent: no reset, packets dropped), `thaw()` passes data on again.
 */
export class TcpProxy {
  private server?: net.Server
  private readonly pairs = new Set<[net.Socket, net.Socket]>()
  /** Connections accepted since the proxy started. */
  accepted = 0
  private frozen = false

  private constructor(
    private readonly target: { host: string; port: number },
    public port: number,
  ) {}

  /** A proxy to the PostgreSQL server of the connection string `url` (its host and port). */
  static async start(url: string): Promise<TcpProxy> {
    const server = new URL(url)
    const proxy = new TcpProxy({ host: server.hostname, port: Number(server.port || 5432) }, 0)
    await proxy.listen()
    return proxy
  }

  /** `url` with its host and port replaced by the proxy's. */
  via(url: string): string {
    const parsed = new URL(url)
    parsed.hostname = '127.0.0.1'
    parsed.port = String(this.port)
    return parsed.toString()
  }

  get open(): number {
    return this.pairs.size
  }

  /** The proxy's local ports towards PostgreSQL: what pg_stat_activity shows as client_port. */
  upstreamPorts(): number[] {
    return [...this.pairs].map(([, upstream]) => upstream.localPort).filter((p): p is number => p !== undefined)
  }

  async cut(): Promise<void> {
    const server = this.server
    this.server = undefined
    const closed = server ? new Promise<void>((resolve) => server.close(() => resolve())) : Promise.resolve()
    for (const [client, upstream] of this.pairs) {
      client.destroy()
      upstream.destroy()
    }
    this.pairs.clear()
    await closed
  }

  async restore(): Promise<void> {
    if (!this.server) await this.listen()
  }

  close(): Promise<void> {
    return this.cut()
  }

  freeze(): void {
    this.frozen = true
    for (const [client, upstream] of this.pairs) {
      client.unpipe(upstream).pause()
      upstream.unpipe(client).pause()
    }
  }

  thaw(): void {
    this.frozen = false
    for (const pair of this.pairs) this.flow(pair)
  }

  private flow([client, upstream]: [net.Socket, net.Socket]): void {
    client.pipe(upstream)
    upstream.pipe(client)
  }

  private listen(): Promise<void> {
    const server = net.createServer((client) => this.accept(client))
    this.server = server
    return new Promise((resolve, reject) => {
      server.once('error', reject)
      server.listen(this.port, '127.0.0.1', () => {
        this.port = (server.address() as net.AddressInfo).port
        resolve()
      })
    })
  }

  private accept(client: net.Socket): void {
    this.accepted++
    const upstream = net.connect(this.target.port, this.target.host)
    const pair: [net.Socket, net.Socket] = [client, upstream]
    this.pairs.add(pair)
    const drop = () => {
      this.pairs.delete(pair)
      client.destroy()
      upstream.destroy()
    }
    client.on('error', drop).on('close', drop)
    upstream.on('error', drop).on('close', drop)
    if (!this.frozen) this.flow(pair)
  }
}
