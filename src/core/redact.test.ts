import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { REDACTED, redactSecrets, redactText, redactUrl, secretsOfUrl } from './redact.ts'

describe('redactText', () => {
  for (const [input, expected] of [
    ['postgres://u:p%40ss@h:5432/d', 'postgres://u:***@h:5432/d'],
    ['postgres://u@h/d', 'postgres://u@h/d'],
    ['not a url //user:pw@host', 'not a url //user:***@host'],
    [
      'postgres://etl@h/db?password=hunter2&sslmode=require',
      'postgres://etl@h/db?password=***&sslmode=require',
    ],
    ['postgres://h/db?sslpassword=k%20ey&password=x', 'postgres://h/db?sslpassword=***&password=***'],
    ['postgres://u:p/a?s#s@h:5432/db', 'postgres://u:***@h:5432/db'],
    [
      'postgres://u:p@ss@h/db (database "db" does not exist)',
      'postgres://u:***@h/db (database "db" does not exist)',
    ],
    ['postgres://:only@h/db', 'postgres://:***@h/db'],
    ['host=h user=u password=abc dbname=x', 'host=h user=u password=*** dbname=x'],
    ["host=h password='a \\' b' dbname=x", 'host=h password=*** dbname=x'],
    ['{"password":"x\\"y","sslmode":"require"}', '{"password":"***","sslmode":"require"}'],
    [
      'https://b.s3.amazonaws.com/k?X-Amz-Signature=abc&X-Amz-Security-Token=t',
      'https://b.s3.amazonaws.com/k?X-Amz-Signature=***&X-Amz-Security-Token=***',
    ],
    ['s3://bucket/a@b/c', 's3://bucket/a@b/c'],
    ['no credentials at all: /tmp/x, 127.0.0.1:5432', 'no credentials at all: /tmp/x, 127.0.0.1:5432'],
  ] as const) {
    it(`redacts ${input}`, () => assert.equal(redactText(input), expected))
  }

  it('replaces known secrets verbatim, percent-encoded and JSON-escaped', () => {
    assert.equal(
      redactSecrets('password "pw1" rejected for pw1', ['pw1', '']),
      'password "***" rejected for ***',
    )
    assert.equal(redactText('got "a b\\"c" and a%20b%22c', ['a b"c']), 'got "***" and ***')
    assert.equal(redactText('tiny pw abc stays', ['abc']), 'tiny pw abc stays', 'below the verbatim minimum')
  })

  it("hides a libpq quoted password with an escaped quote when the text is JSON-escaped (a\\'b printed no b)", () => {
    const libpq = String.raw`host=db user=etl password='a\'bc' dbname=totesys`
    const out = redactText(JSON.stringify({ error: `bad ${libpq}` }))
    assert.ok(!out.includes('bc'), out)
    assert.match(out, /password=\*\*\*/)
  })

  it('finds the secrets a URL carries', () => {
    assert.deepEqual(secretsOfUrl('postgres://u:p%40ss@h/db?sslpassword=z&sslmode=x'), [
      'p%40ss',
      'p@ss',
      'z',
    ])
    assert.deepEqual(secretsOfUrl('postgres://u@h/db'), [])
    assert.deepEqual(secretsOfUrl('postgres://u:a b@h:x/db'), ['a b'])
  })
})

// Passwords of every kind: printable ASCII with the URL delimiters, any Unicode, and runs of the
// characters that confuse parsers.
const password = fc.oneof(
  fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 20 }),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }),
  fc.string({ unit: fc.constantFrom(...'@:/?#&=%\'" \\+;,.*aZ9'), minLength: 1, maxLength: 16 }),
)
const noWhitespace = (s: string) => !/\s/.test(s)

/** Every URL form a password can take, built the way a user writes it. */
const urlWith = (pw: string) => {
  const enc = encodeURIComponent(pw)
  return [
    `postgres://etl:${enc}@db.example.com:5432/totesys`,
    `postgresql://etl:${enc}@db.example.com/totesys?sslmode=require`,
    `postgres://etl@db.example.com/totesys?password=${enc}`,
    `postgres://db.example.com:5432/totesys?sslmode=verify-full&sslpassword=${enc}`,
    `postgres://etl:${enc}@db.example.com/totesys?sslpassword=${enc}&application_name=etl`,
    `postgres://:${enc}@db.example.com/totesys`,
    `host=db.example.com user=etl password='${pw.replace(/['\\]/g, (c) => `\\${c}`)}' dbname=totesys`,
    ...(noWhitespace(pw) ? [`postgres://etl:${pw}@db.example.com:5432/totesys`] : []),
    ...(noWhitespace(pw) && !/['"&#;,]/.test(pw) ? [`host=db user=etl password=${pw} dbname=totesys`] : []),
  ]
}
/** The messages a URL ends up in. */
const messagesOf = (url: string) => [
  url,
  `cannot connect to ${url}: connect ECONNREFUSED 127.0.0.1:5432`,
  `TOTESYS_DB_URL must be a postgres:// URL, pglite:<dir> or pglite:memory; got '${url}'`,
  `(${url})`,
  JSON.stringify({ error: `bad ${url}` }),
]
/** The forms a password may leak in. */
const formsOf = (pw: string) => {
  const url = new URL('x://u@h')
  url.password = pw
  return [...new Set([pw, encodeURIComponent(pw), url.password, JSON.stringify(pw).slice(1, -1)])].filter(
    (f) => f.length > 0,
  )
}
/** A leak: a form of the password in the output that the same output for another password lacks. */
function leaks(output: (pw: string) => string, pw: string): string[] {
  const out = output(pw)
  const baseline = output('Qz9Qz9')
  return formsOf(pw).filter((f) => out.includes(f) && !baseline.includes(f))
}

describe('no generated password survives redaction (property)', () => {
  it('in any URL form, in any message, with no secret known in advance', () => {
    fc.assert(
      fc.property(password, fc.nat(8), fc.nat(4), (pw, form, message) => {
        // The same form for the baseline password (a password's list of forms may be shorter).
        const pick = (p: string) => {
          const forms = urlWith(p)
          return forms[Math.min(form % urlWith(pw).length, forms.length - 1)] ?? ''
        }
        const output = (p: string) => redactText(messagesOf(pick(p))[message % 5] ?? '')
        const found = leaks(output, pw)
        assert.deepEqual(found, [], `leaked ${JSON.stringify(found)} from ${JSON.stringify(pick(pw))}`)
      }),
      { numRuns: 2000 },
    )
  })

  it('with the secrets of the configured URL known, also the driver echoing the password alone', () => {
    fc.assert(
      fc.property(
        password.filter((pw) => pw.length >= 4),
        fc.nat(8),
        fc.nat(6),
        (pw, form, message) => {
          const output = (p: string) => {
            const forms = urlWith(p)
            const url = forms[Math.min(form % urlWith(pw).length, forms.length - 1)] ?? ''
            const texts = [
              ...messagesOf(url),
              `password authentication failed: "${p}" is wrong`,
              `postgres://etl:${p}@db:5432/x`,
            ]
            return redactText(texts[message % texts.length] ?? '', [...secretsOfUrl(url), p])
          }
          const found = leaks(output, pw)
          assert.deepEqual(found, [], `leaked ${JSON.stringify(found)}`)
        },
      ),
      { numRuns: 1000 },
    )
  })

  it('redactUrl never grows a password back and always marks what it hid', () => {
    fc.assert(
      fc.property(password, (pw) => {
        const url = `postgres://etl:${encodeURIComponent(pw)}@h:5432/db`
        assert.equal(redactUrl(url), `postgres://etl:${REDACTED}@h:5432/db`)
      }),
      { numRuns: 500 },
    )
  })
})
