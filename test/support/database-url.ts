/** The PostgreSQL server tests run against (`DATABASE_URL`, default the local trust-auth server). */
export const DATABASE_URL = process.env.DATABASE_URL ?? "postgres://root@127.0.0.1:5432/test";
