import { z } from 'koa-swagger-decorator'

const MAX_PRICE = 9_999_999_999.99 // numeric(12, 2)
const TWO_DECIMALS = /^\d+(\.\d{1,2})?$/

// The digits the client sent must be the digits stored: a float such as 0.1 + 0.2 or 19.999999999 is
// refused rather than rounded. For a number, String() gives its shortest round-trip decimal form,
// which is exactly what the client wrote for any value of up to 15 significant digits (12 here).
const Price = z
  .union([z.number(), z.string().regex(/^\d+(\.\d+)?$/, 'must be a decimal number')])
  .superRefine((v, ctx) => {
    const n = Number(v)
    if (!(n > 0)) ctx.addIssue({ code: 'custom', message: 'must be greater than 0' })
    else if (n > MAX_PRICE) ctx.addIssue({ code: 'custom', message: `must be at most ${MAX_PRICE}` })
    else if (!TWO_DECIMALS.test(typeof v === 'number' ? String(v) : v)) ctx.addIssue({ code: 'custom', message: 'must have at most two decimals' })
  })
  .transform((v) => Number(v).toFixed(2))

const Text = (max: number) => z.string().trim().min(1).max(max)

export const ProductBody = z.object({
  name: Text(200),
  description: z.string().max(5000).nullable().optional(),
  price: Price,
  category: Text(100),
  stock: z.number().int().min(0).max(2_147_483_647).default(0),
})
export type ProductBody = z.infer<typeof ProductBody>

export const ProductPatchBody = ProductBody.partial()
export type ProductPatchBody = z.infer<typeof ProductPatchBody>

export const ProductIdParams = z.object({ id: z.string().uuid('must be a UUID') })

export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
})
export type PageQuery = z.infer<typeof PageQuery>

export const CategoryParams = z.object({ category: Text(100) })
export const SearchQuery = PageQuery.extend({ name: z.string().min(1).max(200) })
export type SearchQuery = z.infer<typeof SearchQuery>

export const ProductResponse = z.object({
  id: z.string().uuid(),
  name: z.string(),
  description: z.string().nullable(),
  price: z.number(),
  category: z.string(),
  stock: z.number().int(),
  owner_id: z.string().uuid(),
  created_at: z.string().datetime({ offset: true }),
  updated_at: z.string().datetime({ offset: true }),
}).openapi('Product')
export type ProductResponse = z.infer<typeof ProductResponse>

export const ProductPage = z.object({
  items: z.array(ProductResponse),
  total: z.number().int(),
  limit: z.number().int(),
  offset: z.number().int(),
}).openapi('ProductPage')
