-- Clickstream report, per request hour of the run's range, with a total row first (the
-- checks analysts ran by hand: 200 vs 500 responses, page views, sign-ups, sign-ins, usernames).
-- Parameters, in order: sign-up path prefix, sign-in path prefix, sign-up path prefix again,
-- first dt, last dt (these two prune partitions), first dt||hour, last dt||hour.
-- Every SUM is COALESCEd: an empty range's total row would otherwise hold NULLs, which Athena
-- sends without a VarCharValue, and the workflow's "Read headline numbers" reads that member.
SELECT
  CASE WHEN dt IS NULL THEN 'total' ELSE dt || 'T' || hour END AS period,
  COUNT(*) AS requests,
  COALESCE(SUM(CASE WHEN status BETWEEN 200 AND 299 THEN 1 ELSE 0 END), 0) AS status_2xx,
  COALESCE(SUM(CASE WHEN status BETWEEN 300 AND 399 THEN 1 ELSE 0 END), 0) AS status_3xx,
  COALESCE(SUM(CASE WHEN status BETWEEN 400 AND 499 THEN 1 ELSE 0 END), 0) AS status_4xx,
  COALESCE(SUM(CASE WHEN status BETWEEN 500 AND 599 THEN 1 ELSE 0 END), 0) AS status_5xx,
  -- A page view: a successful GET of a page, not of a static asset.
  COALESCE(SUM(
    CASE
      WHEN verb = 'GET' AND status BETWEEN 200 AND 299
        AND lower(path) NOT LIKE '%.css%' AND lower(path) NOT LIKE '%.js%'
        AND lower(path) NOT LIKE '%.png%' AND lower(path) NOT LIKE '%.jpg%'
        AND lower(path) NOT LIKE '%.gif%' AND lower(path) NOT LIKE '%.svg%'
        AND lower(path) NOT LIKE '%.ico%' AND lower(path) NOT LIKE '%.woff%'
      THEN 1 ELSE 0
    END
  ), 0) AS page_views,
  COALESCE(SUM(CASE WHEN verb = 'POST' AND path LIKE ? || '%' THEN 1 ELSE 0 END), 0) AS sign_ups,
  COALESCE(SUM(CASE WHEN verb = 'POST' AND path LIKE ? || '%' AND path NOT LIKE ? || '%' THEN 1 ELSE 0 END), 0) AS sign_ins,
  COUNT(DISTINCT username) AS distinct_users
FROM clickstream
WHERE dt BETWEEN ? AND ?
  AND dt || hour BETWEEN ? AND ?
GROUP BY GROUPING SETS ((dt, hour), ())
ORDER BY CASE WHEN dt IS NULL THEN 0 ELSE 1 END, dt, hour
