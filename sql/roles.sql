-- The warehouse roles of the functions that are not the load (docs/DEPLOY.md, "Warehouse roles"). The load
-- keeps the owner's credentials (it creates and merges the contract's tables); every other function gets a
-- role that reaches only what it needs:
--   totesys_api       SELECT on the tables the payments API reads, nothing else (no INSERT, no CREATE);
--   totesys_fx        its own table fact_fx_rate (owns it), reads dim_currency, appends to etl.stream_ledger;
--   totesys_datasets  its own dataset_* tables (owns them), appends to etl.stream_ledger.
-- `init` creates the stream ledger (as the owner). FX and datasets create their own tables the first time
-- they load (and a column a new dataset schema adds); once those exist the stream load runs no DDL at all.
-- So the two roles get CREATE on schema public only (for that first table), never on the database or etl:
-- they can make new tables in public, but no schema, nothing in etl, and read or change no contract table.
--
-- Run it as the warehouse's owner, after `totesys-etl init` (it grants on the tables init creates):
--   psql "$WAREHOUSE_ADMIN_URL" -v ON_ERROR_STOP=1 -f sql/roles.sql
-- then give each role a password; psql's \password sends it hashed, so it reaches no log:
--   psql "$WAREHOUSE_ADMIN_URL" -c '\password totesys_api'     (and totesys_fx, totesys_datasets)
-- Running it again changes nothing. Roles are per server (cluster): one warehouse per server, or rename them.

DO $$
DECLARE
  name text;
BEGIN
  FOREACH name IN ARRAY ARRAY['totesys_api', 'totesys_fx', 'totesys_datasets'] LOOP
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = name) THEN
      EXECUTE format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT', name);
    END IF;
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), name);
  END LOOP;
END
$$;

-- PostgreSQL 14 and older let every role create tables in public; 15 and later do not. Use 15's rule.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;

-- The payments API: what src/api/payment-queries.ts reads (payments, their dimensions, the load ledger's
-- watermarks for freshness), read only.
GRANT USAGE ON SCHEMA public, etl TO totesys_api;
GRANT SELECT ON fact_payment, dim_currency, dim_counterparty, dim_payment_type TO totesys_api;
GRANT SELECT ON etl.load_ledger TO totesys_api;

-- FX and datasets: their first load creates their own table in public; the stream ledger exists (init).
GRANT USAGE ON SCHEMA public, etl TO totesys_fx, totesys_datasets;
GRANT CREATE ON SCHEMA public TO totesys_fx, totesys_datasets;
GRANT SELECT, REFERENCES ON dim_currency TO totesys_fx;

-- Changing an owner or a role's default privileges needs membership of that role (PostgreSQL 16 no longer
-- implies it for the role's creator).
GRANT totesys_fx, totesys_datasets TO CURRENT_USER;

-- What an earlier version of this file granted, taken back (it ran CREATE … IF NOT EXISTS at every load).
DO $$
BEGIN
  EXECUTE format('REVOKE CREATE ON DATABASE %I FROM totesys_fx, totesys_datasets', current_database());
END
$$;
REVOKE CREATE ON SCHEMA etl FROM totesys_fx, totesys_datasets;
ALTER DEFAULT PRIVILEGES FOR ROLE totesys_fx IN SCHEMA etl REVOKE SELECT, INSERT ON TABLES FROM totesys_datasets;
ALTER DEFAULT PRIVILEGES FOR ROLE totesys_datasets IN SCHEMA etl REVOKE SELECT, INSERT ON TABLES FROM totesys_fx;

-- The stream ledger (init made it) for both; tables an earlier run made as the owner (the CLI, a deploy
-- before these roles): handed over.
DO $$
DECLARE
  t record;
BEGIN
  IF to_regclass('etl.stream_ledger') IS NULL THEN
    RAISE EXCEPTION 'etl.stream_ledger is missing: run totesys-etl init (this version) first';
  END IF;
  GRANT SELECT, INSERT ON etl.stream_ledger TO totesys_fx, totesys_datasets;
  IF to_regclass('public.fact_fx_rate') IS NOT NULL THEN
    ALTER TABLE public.fact_fx_rate OWNER TO totesys_fx;
  END IF;
  FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename LIKE 'dataset\_%' LOOP
    EXECUTE format('ALTER TABLE public.%I OWNER TO totesys_datasets', t.tablename);
  END LOOP;
END
$$;
