import pg from 'pg'

/**
 * Watches the PostgreSQL server for write transactions in other databases. The live stream reads
 * the log only below the snapshot's xmin, and xids are server-wide: a transaction open anywhere on
 * the server holds back delivery of everything committed after it began. When other work shares
 * the server, this says how long such a transaction stayed open while the bench measured.
 */
export class ClusterWatch {
  private longestMs = 0
  private timer?: NodeJS.Timeout
  private polling?: Promise<void>

  private constructor(
    private readonly client: pg.Client,
    private readonly ownDatabase: string,
  ) {}

  static async open(url: string): Promise<ClusterWatch> {
    const client = new pg.Client({ connectionString: url, application_name: 'bench:sse cluster watch' })
    await client.connect()
    return new ClusterWatch(client, new URL(url).pathname.slice(1))
  }

  /** Starts polling every `everyMs`, from zero. */
  start(everyMs = 50): void {
    this.longestMs = 0
    this.timer = setInterval(() => {
      // A failed reading only leaves a gap in the watch.
      this.polling ??= this.poll().catch(() => undefined).finally(() => (this.polling = undefined))
    }, everyMs)
  }

  /** Stops polling; the longest write transaction seen in another database since start, in ms. */
  async stop(): Promise<number> {
    clearInterval(this.timer)
    await this.polling
    return this.longestMs
  }

  close(): Promise<void> {
    clearInterval(this.timer)
    return this.client.end()
  }

  private async poll(): Promise<void> {
    const result = await this.client.query<{ ms: number | null }>(
      `select max(extract(epoch from clock_timestamp() - xact_start) * 1000)::float8 as ms
         from pg_stat_activity where backend_xid is not null and datname is distinct from $1`,
      [this.ownDatabase],
    )
    this.longestMs = Math.max(this.longestMs, result.rows[0]?.ms ?? 0)
  }
}
