-- The warehouse roles of the functions that are not the load (docs/DEPLOY.md, "Warehouse roles"). The load
-- keeps the owner's credentials (it creates and merges the contract's tables); every other function gets a
-- role that reaches only what it needs:
--   totesys_api       SELECT on the tables the payments API reads, nothing else (no INSERT, no CREATE);
--   totesys_fx        its own table fact_fx_rate (owns it), reads dim_currency, appends to etl.stream_ledger;
--   totesys_datasets  its own dataset_* tables (owns them), appends to etl.stream_ledger.
-- FX and datasets create their tables and the stream ledger when missing (`CREATE … IF NOT EXISTS`, every
-- load), which PostgreSQL checks against CREATE on the database and the schemas even when they exist: they
-- get those, which lets them create new tables and schemas but read or change no table of the contract.
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

-- FX and datasets: CREATE SCHEMA IF NOT EXISTS etl and CREATE TABLE IF NOT EXISTS need these rights.
DO $$
BEGIN
  EXECUTE format('GRANT CREATE ON DATABASE %I TO totesys_fx, totesys_datasets', current_database());
END
$$;
GRANT USAGE, CREATE ON SCHEMA public, etl TO totesys_fx, totesys_datasets;
GRANT SELECT, REFERENCES ON dim_currency TO totesys_fx;

-- The stream ledger is shared: whichever role creates it (and owns it), the other may read and append to it.
ALTER DEFAULT PRIVILEGES FOR ROLE totesys_fx IN SCHEMA etl GRANT SELECT, INSERT ON TABLES TO totesys_datasets;
ALTER DEFAULT PRIVILEGES FOR ROLE totesys_datasets IN SCHEMA etl GRANT SELECT, INSERT ON TABLES TO totesys_fx;

-- Tables an earlier run made as the owner (the CLI, a deploy before these roles): hand them over. Changing an
-- owner needs membership of the new owner's role (PostgreSQL 16 no longer implies it for the role's creator).
GRANT totesys_fx, totesys_datasets TO CURRENT_USER;
DO $$
DECLARE
  t record;
BEGIN
  IF to_regclass('etl.stream_ledger') IS NOT NULL THEN
    GRANT SELECT, INSERT ON etl.stream_ledger TO totesys_fx, totesys_datasets;
  END IF;
  IF to_regclass('public.fact_fx_rate') IS NOT NULL THEN
    ALTER TABLE public.fact_fx_rate OWNER TO totesys_fx;
  END IF;
  FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename LIKE 'dataset\_%' LOOP
    EXECUTE format('ALTER TABLE public.%I OWNER TO totesys_datasets', t.tablename);
  END LOOP;
END
$$;
