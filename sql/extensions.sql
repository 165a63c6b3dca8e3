-- The warehouse tables the extensions add, next to the data contract's 11 (sql/warehouse.sql).
-- The load creates them from their declarations (src/core/stream-catalogue.ts, and each dataset's
-- registered schema); this file documents them and is checked against those declarations by a test.

-- Daily exchange rates (ECB reference rates, through the Frankfurter API): one row per calendar day and
-- ordered pair of the currencies in dim_currency. rate = units of the quote currency for 1 unit of the
-- base currency, exact (numeric, never a float). A day without a publication (weekend, ECB holiday)
-- carries the previous business day's rate. date_id has no foreign key to dim_date: dim_date covers the
-- span of the facts (contiguous, checked by verify), while rates exist for every day fetched.
-- Rows are upserted: a re-fetched day takes the provider's latest answer.
-- To convert: JOIN fact_fx_rate r ON r.date_id = f.payment_date AND r.base_currency_id = f.currency_id.
CREATE TABLE fact_fx_rate (
  date_id           date NOT NULL,
  base_currency_id  integer NOT NULL REFERENCES dim_currency (currency_id),
  quote_currency_id integer NOT NULL REFERENCES dim_currency (currency_id),
  rate              numeric NOT NULL,
  PRIMARY KEY (date_id, base_currency_id, quote_currency_id)
);

-- Each JSON dataset (DATASETS) gets its own table, named by its configuration (default dataset_<name>):
-- the configured columns with their types (integer, bigint, text, numeric, boolean, date, timestamp;
-- NOT NULL when required), then where each row came from:
--   _source_key   text NOT NULL     the object key (or file path) in the dataset's source
--   _source_etag  text NOT NULL     its ETag (S3) or size-mtime (folder) when it was picked up
--   _record       integer NOT NULL  the record's 1-based position in that file
--   _batch_id     text NOT NULL     the dataset batch that landed it
-- With a configured key the table's primary key is that key and rows are upserted (the newest file
-- wins); without one every record is appended once and the primary key is
-- (_source_key, _source_etag, _record). Example, for the dataset of docs/OPERATIONS.md:
--
-- CREATE TABLE dataset_weather (
--   station      text NOT NULL,
--   day          date NOT NULL,
--   rain_mm      numeric,
--   _source_key  text NOT NULL,
--   _source_etag text NOT NULL,
--   _record      integer NOT NULL,
--   _batch_id    text NOT NULL,
--   PRIMARY KEY (station, day)
-- );

-- The pipeline's bookkeeping of the extension streams (fx, datasets/<name>), next to etl.load_ledger:
-- one row per loaded batch of a stream, inserted in the batch's own transaction.
-- CREATE TABLE etl.stream_ledger (
--   stream            text NOT NULL,
--   batch_id          text NOT NULL,
--   loaded_at         timestamptz NOT NULL DEFAULT now(),
--   source_created_at timestamp NOT NULL,
--   rows              jsonb NOT NULL,
--   PRIMARY KEY (stream, batch_id)
-- );
