import { z } from 'koa-swagger-decorator'

export const EXPORT_FORMATS = ['json', 'scxml', 'mermaid'] as const
export type ExportFormat = (typeof EXPORT_FORMATS)[number]

export const MachineParams = z.object({ machine_id: z.string().regex(/^[A-Za-z0-9_.-]{1,100}$/, 'must be a machine id from GET /api/machines') })

export const MachineExportQuery = z.object({
  format: z.enum(EXPORT_FORMATS).default('json'),
})
export type MachineExportQuery = z.infer<typeof MachineExportQuery>
