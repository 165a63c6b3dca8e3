/** dim_design: the current design of every design this batch touched. */
import { defineModel } from './model.ts'

export const dimDesign = defineModel(
  'dim_design',
  () => `
SELECT d.design_id, d.design_name, d.file_location, d.file_name
FROM cur_design d
WHERE d.design_id IN (SELECT design_id FROM src_design)`,
)
