import { z } from 'koa-swagger-decorator'

const text = (max: number) => z.string().trim().min(1).max(max)

export const PhaseInput = z.object({
  sequence: z.number().int().min(0).max(10_000),
  question_id: text(200),
  question_type: z.string().trim().max(100).nullable().optional().transform((v) => v ?? null),
  question_text: z.string().max(20_000).nullable().optional().transform((v) => v ?? null),
  duration_minutes: z.number().positive('must be greater than 0').max(600, 'must be at most 600'),
  instructions: z.string().max(20_000).default(''),
})
export type PhaseInput = z.infer<typeof PhaseInput>

export const Phases = z
  .array(PhaseInput)
  .min(1, 'at least one phase is required')
  .max(200)
  .superRefine((phases, ctx) => {
    const seen = new Set<number>()
    phases.forEach((p, i) => {
      if (seen.has(p.sequence)) ctx.addIssue({ code: 'custom', path: [i, 'sequence'], message: `duplicate sequence ${p.sequence}` })
      seen.add(p.sequence)
    })
  })
  .transform((phases) => [...phases].sort((a, b) => a.sequence - b.sequence))

export const PlanBody = z.object({
  title: text(200),
  phases: Phases,
})
export type PlanBody = z.infer<typeof PlanBody>

export const PlanPatchBody = z.object({
  title: text(200).optional(),
  phases: Phases.optional(),
})
export type PlanPatchBody = z.infer<typeof PlanPatchBody>

export const PlanIdParams = z.object({ id: z.string().uuid('must be a UUID') })

/** A phase as stored and answered: every field present. */
export const PhaseResponse = z
  .object({
    sequence: z.number().int(),
    question_id: z.string(),
    question_type: z.string().nullable(),
    question_text: z.string().nullable(),
    duration_minutes: z.number(),
    instructions: z.string(),
  })
  .openapi('Phase')

export const PlanResponse = z
  .object({
    id: z.string().uuid(),
    owner_id: z.string().uuid(),
    title: z.string(),
    phases: z.array(PhaseResponse),
    created_at: z.string().datetime({ offset: true }),
    updated_at: z.string().datetime({ offset: true }),
  })
  .openapi('Plan')
export type PlanResponse = z.infer<typeof PlanResponse>

export const PlanPage = z
  .object({ items: z.array(PlanResponse), total: z.number().int(), limit: z.number().int(), offset: z.number().int() })
  .openapi('PlanPage')
