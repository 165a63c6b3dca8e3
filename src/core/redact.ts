/**
 * Hides credentials in anything that may be printed: URLs (user-info, `?password=`, `sslpassword=`,
 * tokens and signatures in query strings), libpq `key=value` strings, JSON-ish `"password": "…"`, and
 * any known secret verbatim (a driver may echo a password in its own words). Redaction errs on the
 * side of hiding too much: a message that loses a host name is better than one that leaks a password.
 */

/** The mark that replaces a hidden value. */
export const REDACTED = '***'

// Names of parameters whose value is a credential: password, sslpassword, passwd, pwd, secret,
// client_secret, token, X-Amz-Security-Token, X-Amz-Signature, X-Amz-Credential, api_key …
const SECRET_KEY = String.raw`[\w.-]*(?:pass(?:word|wd)?|pwd|secret|token|signature|credential|api[_-]?key|access[_-]?key)[\w.-]*`

// `key=value` in a URL's query string: the value runs to the next `&`, `#` or whitespace.
const QUERY_PAIR = new RegExp(String.raw`([?&;])(${SECRET_KEY})=[^&#\s]*`, 'gi')
// `key=value` in a libpq keyword/value string or in prose; the value may be quoted. A run of
// backslashes escapes the character after it: in JSON-escaped text libpq's `\'` arrives as `\\'`,
// and reading that as an escaped backslash would end the value early and print the rest of the
// password (a value that really ends in a backslash then hides too much, which is the safe side).
const KEY_VALUE = new RegExp(
  String.raw`(^|[\s,(;])(${SECRET_KEY})(\s*=\s*)('(?:[^'\\]|\\+.)*'?|"(?:[^"\\]|\\+.)*"?|[^\s,;'"]*)`,
  'gi',
)
// `"password": "…"` (JSON, or an object printed by a driver).
const JSON_PAIR = new RegExp(String.raw`("${SECRET_KEY}"\s*:\s*)"(?:[^"\\]|\\.)*"`, 'gi')

/**
 * `scheme://user:password@host`, and scheme-less `//user:password@host`. The password may hold raw
 * `@`, `/`, `?` or `#` (a URL the user forgot to encode): everything from the first `:` after the
 * user name to the LAST `@` before the next whitespace is hidden.
 */
function redactUserInfo(text: string): string {
  let out = ''
  let from = 0
  for (const m of text.matchAll(/(?:[a-z][a-z0-9+.-]*:)?\/\//gi)) {
    if (m.index < from) continue
    const begin = m.index + m[0].length
    let end = begin
    while (end < text.length && !/\s/.test(text.charAt(end))) end++
    const token = text.slice(begin, end)
    const at = token.lastIndexOf('@')
    if (at < 0) continue
    const userInfo = token.slice(0, at)
    const colon = userInfo.indexOf(':')
    const name = colon < 0 ? userInfo : userInfo.slice(0, colon)
    // An '@' after a '/', '?' or '#' in the name's place is in a path or a query, not in user-info.
    if (/[/?#]/.test(name)) continue
    if (colon >= 0) {
      out += `${text.slice(from, begin)}${name}:${REDACTED}`
      from = begin + at
    } else if (!parses(`${m[0]}${token}`)) {
      // A user name alone is no secret, but in a URL that does not parse we cannot tell what it holds.
      out += `${text.slice(from, begin)}${REDACTED}`
      from = begin + at
    }
  }
  return out + text.slice(from)
}

function parses(url: string): boolean {
  try {
    new URL(url)
    return true
  } catch {
    return false
  }
}

/** The forms a secret takes in text: as is, percent-encoded, JSON-escaped. */
function formsOf(secret: string): string[] {
  const forms = new Set([secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1)])
  try {
    // The form WHATWG URL serialisation gives a password (it leaves some characters unencoded).
    const url = new URL('x://u@h')
    url.password = secret
    forms.add(url.password)
  } catch {
    // no such form
  }
  return [...forms].filter((f) => f.length > 0).sort((a, b) => b.length - a.length)
}

/**
 * The shortest known secret that redactText replaces verbatim. Shorter ones (a 3-character password)
 * would turn every message into asterisks; they are still hidden wherever they stand in a URL or a
 * `password=` pair.
 */
export const MIN_VERBATIM_SECRET = 4

/**
 * Redacts credentials in free text: user-info passwords in URLs, secret query and keyword/value
 * parameters, and every occurrence of the known secrets (in their plain, percent-encoded and
 * JSON-escaped forms).
 */
export function redactText(text: string, secrets: readonly string[] = []): string {
  let out = text
  for (const secret of secrets) {
    if (secret.length < MIN_VERBATIM_SECRET) continue
    for (const form of formsOf(secret)) out = out.split(form).join(REDACTED)
  }
  out = redactUserInfo(out)
  out = out.replace(QUERY_PAIR, (_all, lead: string, key: string) => `${lead}${key}=${REDACTED}`)
  out = out.replace(
    KEY_VALUE,
    (_all, lead: string, key: string, eq: string) => `${lead}${key}${eq}${REDACTED}`,
  )
  out = out.replace(JSON_PAIR, (_all, head: string) => `${head}"${REDACTED}"`)
  return out
}

/** Hides the password of a connection URL (user-info, `?password=`, `sslpassword=`, tokens): safe to log. */
export function redactUrl(url: string): string {
  return redactText(url)
}

/** Removes every occurrence of the given secrets from a text (an error message from a driver, say). */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text
  for (const secret of secrets) {
    if (secret.length === 0) continue
    for (const form of formsOf(secret)) out = out.split(form).join(REDACTED)
  }
  return out
}

/**
 * The credentials a URL carries (user-info password, secret query parameters), as typed and decoded:
 * for redactText, which then hides them wherever a driver echoes them.
 */
export function secretsOfUrl(url: string): string[] {
  const out: string[] = []
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s)
    } catch {
      return s
    }
  }
  const add = (s: string | undefined) => {
    if (s) out.push(s, decode(s))
  }
  try {
    const parsed = new URL(url)
    add(parsed.password)
    for (const [key, value] of parsed.searchParams) {
      if (new RegExp(`^${SECRET_KEY}$`, 'i').test(key)) out.push(value)
    }
  } catch {
    // Unparseable: the raw forms below are all there is.
  }
  // As typed: between the first ':' after '//' and the last '@' (a password the user did not encode).
  add(/\/\/[^:/?#\s@]*:(.*)@[^@]*$/.exec(url)?.[1])
  for (const m of url.matchAll(new RegExp(`[?&;]${SECRET_KEY}=([^&#]*)`, 'gi'))) add(m[1])
  return [...new Set(out)].filter((s) => s.length > 0)
}
