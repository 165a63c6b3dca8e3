/** dim_date: every day of date_span (lo..hi inclusive); ISO day of week (1 = Monday), English names. */
import { defineModel } from './model.ts'

export const dimDate = defineModel(
  'dim_date',
  () => `
SELECT CAST(d AS DATE) AS date_id, year(d) AS year, month(d) AS month, day(d) AS day,
       isodow(d) AS day_of_week, dayname(d) AS day_name, monthname(d) AS month_name, quarter(d) AS quarter
FROM (
  SELECT unnest(generate_series(CAST(lo AS TIMESTAMP), CAST(hi AS TIMESTAMP), INTERVAL 1 DAY)) AS d
  FROM date_span
  WHERE lo IS NOT NULL AND hi IS NOT NULL
)`,
)
