import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager'
import { ConfigError, UnavailableError } from '../core/errors.ts'
import { secretsManagerReader, toDatabaseUrl } from './secrets.ts'

const ARN = 'arn:aws:secretsmanager:eu-west-2:123456789012:secret:totesys-etl/warehouse-db-AbCdEf'

describe('toDatabaseUrl', () => {
  const cases: [string, object, string][] = [
    [
      'a url',
      { url: 'postgres://etl:pw@db.example:5432/warehouse' },
      'postgres://etl:pw@db.example:5432/warehouse',
    ],
    [
      'RDS fields',
      {
        engine: 'postgres',
        host: 'db.abc.eu-west-2.rds.amazonaws.com',
        port: 5432,
        username: 'etl',
        password: 'p@ss:w/rd',
        dbname: 'warehouse',
      },
      'postgres://etl:p%40ss%3Aw%2Frd@db.abc.eu-west-2.rds.amazonaws.com:5432/warehouse',
    ],
    [
      'RDS fields, port as text, no dbname',
      { host: 'h', port: '6543', username: 'u', password: 'p' },
      'postgres://u:p@h:6543/postgres',
    ],
    [
      'sslmode',
      { host: 'h', username: 'u', password: 'p', dbname: 'd', sslmode: 'no-verify' },
      'postgres://u:p@h:5432/d?sslmode=no-verify',
    ],
  ]
  for (const [name, secret, url] of cases) {
    it(`reads ${name}`, () => assert.equal(toDatabaseUrl(JSON.stringify(secret), ARN), url))
  }

  it('round-trips awkward passwords through URL parsing', () => {
    const password = 'a b%c\'d"e#f?g&h=i+j'
    const url = new URL(toDatabaseUrl(JSON.stringify({ host: 'h', username: 'user name', password }), ARN))
    assert.equal(decodeURIComponent(url.password), password)
    assert.equal(decodeURIComponent(url.username), 'user name')
  })

  const bad: [string, string, RegExp][] = [
    ['not JSON', 'postgres://u:p@h/d', /is not JSON/],
    ['no fields', '{}', /needs "url"/],
    ['a url of another scheme', '{"url":"mysql://u:p@h/d"}', /needs "url".*host/],
    ['a port that is not a number', '{"host":"h","username":"u","password":"p","port":"x"}', /port/],
    ['an unknown sslmode', '{"host":"h","username":"u","password":"p","sslmode":"maybe"}', /sslmode/],
  ]
  for (const [name, text, message] of bad) {
    it(`rejects ${name} without echoing the value`, () => {
      assert.throws(
        () => toDatabaseUrl(text, ARN),
        (error: Error) =>
          error instanceof ConfigError && message.test(error.message) && !error.message.includes('u:p'),
      )
    })
  }
})

describe('secretsManagerReader', () => {
  // No Secrets Manager emulator exists here: a minimal client stands in to check the caching contract.
  const clientOf = (answers: (() => unknown)[]) => {
    let calls = 0
    const client = {
      send: async () => {
        const answer = answers[Math.min(calls, answers.length - 1)]!
        calls++
        return answer()
      },
    }
    return { client: client as unknown as SecretsManagerClient, calls: () => calls }
  }

  it('reads a secret once per process', async () => {
    const { client, calls } = clientOf([() => ({ SecretString: '{"url":"postgres://h/d"}' })])
    const read = secretsManagerReader(client)
    assert.equal(await read(ARN), '{"url":"postgres://h/d"}')
    assert.equal(await read(ARN), '{"url":"postgres://h/d"}')
    assert.equal(calls(), 1)
  })

  it('does not cache a failure, and tells missing from unreachable', async () => {
    const fail = (name: string) => () => {
      throw Object.assign(new Error('boom'), { name })
    }
    const { client, calls } = clientOf([
      fail('ThrottlingException'),
      fail('AccessDeniedException'),
      () => ({}),
    ])
    const read = secretsManagerReader(client)
    await assert.rejects(read(ARN), UnavailableError)
    await assert.rejects(read(ARN), (e: Error) => e instanceof ConfigError && /may read it/.test(e.message))
    await assert.rejects(read(ARN), /has no string value/)
    assert.equal(calls(), 3)
  })
})
