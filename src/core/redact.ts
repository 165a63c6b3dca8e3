/** Replaces the password of a connection URL with `***`, so a URL can be logged or put in an error. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password) parsed.password = '***'
    return parsed.toString()
  } catch {
    // Not a URL we can parse: hide everything between `//` and `@`.
    return url.replace(/\/\/[^@/]*@/, '//***@')
  }
}

/** Removes every occurrence of the given secrets from a text (an error message from a driver, say). */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text
  for (const secret of secrets) if (secret.length > 0) out = out.split(secret).join('***')
  return out
}
