export * from './types'
export * from './append'
export * from './read'
