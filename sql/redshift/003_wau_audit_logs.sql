-- Per-customer WAU audit logs, merged on event_id.
CREATE TABLE IF NOT EXISTS audit.wau_audit_logs (
  event_id    VARCHAR(64)   NOT NULL,
  customer    VARCHAR(128)  NOT NULL,
  event_time  TIMESTAMP     NOT NULL,
  event_date  DATE          NOT NULL,
  user_name   VARCHAR(256),
  action      VARCHAR(128)  NOT NULL,
  resource    VARCHAR(1024),
  source_ip   VARCHAR(64),
  status      VARCHAR(32)
);
