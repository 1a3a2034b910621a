import { z } from 'koa-swagger-decorator'

const Password = z
  .string()
  .refine((p) => Buffer.byteLength(p) >= 8, 'must be at least 8 bytes')
  .refine((p) => Buffer.byteLength(p) <= 72, 'must be at most 72 bytes (bcrypt limit)')

const Email = z.string().trim().max(254).email().transform((e) => e.toLowerCase())

export const RegisterBody = z.object({
  email: Email,
  username: z.string().regex(/^[A-Za-z0-9_.-]{3,50}$/, 'must be 3–50 of letters, digits, _ . -'),
  password: Password,
})
export type RegisterBody = z.infer<typeof RegisterBody>

export const LoginBody = z.object({
  email: Email,
  password: z.string().min(1).max(1024),
})
export type LoginBody = z.infer<typeof LoginBody>

export const UserResponse = z.object({
  id: z.string().uuid(),
  email: z.string(),
  username: z.string(),
  role: z.enum(['user', 'admin']),
  created_at: z.string().datetime({ offset: true }),
}).openapi('User')
export type UserResponse = z.infer<typeof UserResponse>

export const LoginResponse = z.object({
  access_token: z.string(),
  token_type: z.literal('bearer'),
  expires_in: z.number().int(),
  user: UserResponse,
}).openapi('Login')

export const LogoutResponse = z.object({ success: z.literal(true), message: z.string() }).openapi('Logout')
