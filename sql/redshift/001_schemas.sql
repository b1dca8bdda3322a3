-- Schemas of the tables loglake loads itself. Idempotent: run before every load.
CREATE SCHEMA IF NOT EXISTS loglake;
CREATE SCHEMA IF NOT EXISTS audit;
