import { sql, type Kysely } from 'kysely'

/**
 * Every process keeps the users its tokens name in memory (src/auth/user-cache.ts). A changed or
 * deleted user row, however it is changed (the API, a migration, an operator's SQL), announces its
 * id on `mi_users` when the change commits, so every process forgets it at once.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create function users_changed_notify() returns trigger language plpgsql as $$
    begin
      perform pg_notify('mi_users', old.id::text);
      return null;
    end $$`.execute(db)
  await sql`create trigger users_changed after update or delete on users for each row execute function users_changed_notify()`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger users_changed on users`.execute(db)
  await sql`drop function users_changed_notify()`.execute(db)
}
