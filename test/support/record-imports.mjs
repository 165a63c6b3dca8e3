// Registered with --import: writes every module URL the process resolves to stderr as `IMPORT <url>`,
// so a test can see what a command loads (without timing anything).
import { register } from 'node:module'

register(
  `data:text/javascript,${encodeURIComponent(`
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context)
  if (!result.url.startsWith('node:')) process.stderr.write('IMPORT ' + result.url + '\\n')
  return result
}`)}`,
)
