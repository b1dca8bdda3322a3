-- One row per load the RedshiftLoadStateMachine committed: what was loaded, from where, how many rows.
CREATE TABLE IF NOT EXISTS loglake.load_audit (
  load_id        VARCHAR(128)  NOT NULL,
  table_name     VARCHAR(256)  NOT NULL,
  source         VARCHAR(1024) NOT NULL,
  format         VARCHAR(16)   NOT NULL,
  rows_in_batch  BIGINT        NOT NULL,
  rows_updated   BIGINT        NOT NULL,
  rows_inserted  BIGINT        NOT NULL,
  status         VARCHAR(16)   NOT NULL,
  execution      VARCHAR(256)  NOT NULL,
  loaded_at      TIMESTAMP     NOT NULL DEFAULT GETDATE()
);
