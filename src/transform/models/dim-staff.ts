/** dim_staff: staff ⋈ department, for every staff member who changed or whose department did. */
import { defineModel } from './model.ts'

export const dimStaff = defineModel(
  'dim_staff',
  () => `
SELECT s.staff_id, s.first_name, s.last_name, d.department_name, d.location, s.email_address
FROM cur_staff s
JOIN cur_department d ON d.department_id = s.department_id
WHERE s.staff_id IN (SELECT staff_id FROM src_staff)
   OR s.department_id IN (SELECT department_id FROM src_department)`,
)
