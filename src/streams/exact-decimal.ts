/**
 * Exact decimals from JSON (pure). JSON numbers arrive as JS doubles; a double's shortest text equals the
 * number that was written whenever that had at most 15 significant digits, so such a value is carried as
 * that text, exactly. Longer numbers, exponents and anything DECIMAL(38,10) would round are refused:
 * exact or nothing, never a float on the way to the warehouse.
 */

const PLAIN = /^-?(\d+)(?:\.(\d+))?$/

/** The exact decimal text of a JSON value (a number, or a string in plain decimal notation), or an error. */
export function toExactDecimal(value: unknown): { ok: true; text: string } | { ok: false; reason: string } {
  let text: string
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return { ok: false, reason: 'not a finite number' }
    text = String(value)
    if (/e/i.test(text)) return { ok: false, reason: `${text} is not in plain decimal notation` }
    const digits = text.replace(/^-/, '').replace('.', '').replace(/^0+/, '')
    if (digits.length > 15) return { ok: false, reason: `${text} has more than 15 significant digits` }
  } else if (typeof value === 'string') {
    text = value.trim()
  } else {
    return { ok: false, reason: `expected a decimal, got ${value === null ? 'null' : typeof value}` }
  }
  const match = PLAIN.exec(text)
  if (!match) return { ok: false, reason: `'${text.slice(0, 40)}' is not a decimal` }
  const [, whole = '', fraction = ''] = match
  if (fraction.replace(/0+$/, '').length > 10)
    return { ok: false, reason: `${text} has more than 10 decimal places` }
  if (whole.replace(/^0+/, '').length > 28)
    return { ok: false, reason: `${text} has more than 28 integer digits` }
  return { ok: true, text }
}
