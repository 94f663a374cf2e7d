// Driver choice for the PostgreSQL store (issue 14): the same two workloads on `pg` and
// `postgres`, against PORTCULLIS_TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres).
// 1. audit-shaped batch inserts (1000 rows per statement through unnest), 2. point reads
// (one row by primary key, sequential, then 16 concurrent). Each run uses its own schema.
import pg from 'pg';
import postgres from 'postgres';

const url =
  process.env.PORTCULLIS_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const BATCHES = 60;
const ROWS = 1000;
const READS = 3000;
const DDL = (
  s,
) => `CREATE SCHEMA ${s}; CREATE TABLE ${s}.ev (id bigserial primary key, time bigint, path text,
  status int, outcome text, ua text); CREATE TABLE ${s}.kv (k text primary key, v text);
  INSERT INTO ${s}.kv SELECT 'k' || g, 'v' || g FROM generate_series(1, 100) g;`;
const INS = (s) => `INSERT INTO ${s}.ev (time, path, status, outcome, ua)
  SELECT * FROM unnest($1::bigint[], $2::text[], $3::int[], $4::text[], $5::text[])`;
const cols = () => {
  const t = [],
    p = [],
    st = [],
    o = [],
    u = [];
  for (let i = 0; i < ROWS; i++) {
    t.push(Date.now() + i);
    p.push(`/apps/a${i % 50}.ipa`);
    st.push(200);
    o.push('OK');
    u.push('Jamf/11');
  }
  return [t, p, st, o, u];
};
const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;

async function benchPg() {
  const s = `bench_pg_${process.pid}`;
  const pool = new pg.Pool({ connectionString: url, max: 16 });
  await pool.query(DDL(s));
  const c = cols();
  let t0 = process.hrtime.bigint();
  for (let i = 0; i < BATCHES; i++) await pool.query(INS(s), c);
  const ins = (BATCHES * ROWS) / (ms(t0) / 1000);
  t0 = process.hrtime.bigint();
  for (let i = 0; i < READS; i++)
    await pool.query(`SELECT v FROM ${s}.kv WHERE k = $1`, [`k${i % 100}`]);
  const seq = READS / (ms(t0) / 1000);
  t0 = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: 16 }, async (_, w) => {
      for (let i = 0; i < READS / 16; i++)
        await pool.query(`SELECT v FROM ${s}.kv WHERE k = $1`, [`k${(i + w) % 100}`]);
    }),
  );
  const par = READS / (ms(t0) / 1000);
  await pool.query(`DROP SCHEMA ${s} CASCADE`);
  await pool.end();
  return {
    driver: 'pg@8.23.1',
    insertRowsPerSec: Math.round(ins),
    seqReadsPerSec: Math.round(seq),
    parReadsPerSec: Math.round(par),
  };
}

async function benchPostgres() {
  const s = `bench_postgres_${process.pid}`;
  const sql = postgres(url, { max: 16, onnotice: () => {} });
  await sql.unsafe(DDL(s));
  const c = cols();
  let t0 = process.hrtime.bigint();
  for (let i = 0; i < BATCHES; i++) await sql.unsafe(INS(s), c);
  const ins = (BATCHES * ROWS) / (ms(t0) / 1000);
  t0 = process.hrtime.bigint();
  for (let i = 0; i < READS; i++)
    await sql.unsafe(`SELECT v FROM ${s}.kv WHERE k = $1`, [`k${i % 100}`], { prepare: true });
  const seq = READS / (ms(t0) / 1000);
  t0 = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: 16 }, async (_, w) => {
      for (let i = 0; i < READS / 16; i++)
        await sql.unsafe(`SELECT v FROM ${s}.kv WHERE k = $1`, [`k${(i + w) % 100}`], {
          prepare: true,
        });
    }),
  );
  const par = READS / (ms(t0) / 1000);
  await sql.unsafe(`DROP SCHEMA ${s} CASCADE`);
  await sql.end();
  return {
    driver: 'postgres@4.2.0',
    insertRowsPerSec: Math.round(ins),
    seqReadsPerSec: Math.round(seq),
    parReadsPerSec: Math.round(par),
  };
}

const rounds = Number(process.env.ROUNDS ?? 3);
for (let r = 0; r < rounds; r++) {
  console.log(JSON.stringify(await benchPg()));
  console.log(JSON.stringify(await benchPostgres()));
}
