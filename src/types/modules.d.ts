declare module 'swagger-ui-dist' {
  const swaggerUi: { getAbsoluteFSPath(): string }
  export default swaggerUi
}

declare module 'koa-swagger-decorator/dist/lib/swagger-builder.js' {
  export function prepareDocs(prefix?: string): unknown
}
