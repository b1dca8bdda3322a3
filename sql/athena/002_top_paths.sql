-- The five most requested paths of each request hour in the run's range.
-- Parameters, in order: first dt, last dt (partition pruning), first dt||hour, last dt||hour.
WITH counted AS (
  SELECT dt, hour, path, COUNT(*) AS requests
  FROM clickstream
  WHERE dt BETWEEN ? AND ?
    AND dt || hour BETWEEN ? AND ?
  GROUP BY dt, hour, path
),
ranked AS (
  SELECT dt, hour, path, requests,
    ROW_NUMBER() OVER (PARTITION BY dt, hour ORDER BY requests DESC, path) AS path_rank
  FROM counted
)
SELECT dt || 'T' || hour AS period, path_rank, path, requests
FROM ranked
WHERE path_rank <= 5
ORDER BY period, path_rank
