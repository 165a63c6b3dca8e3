/** Quotes an SQL identifier. Only ever called with names from a fixed catalogue; quoting is the second fence. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`
}
