import assert from 'node:assert/strict'
import { execFile, execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { type AddressInfo, createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { TLSSocket } from 'node:tls'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager'
import fc from 'fast-check'
import { parse as parseConnectionString } from 'pg-connection-string'
import { ConfigError, UnavailableError } from '../core/errors.ts'
import { secretsManagerReader, toDatabaseUrl } from './secrets.ts'

const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url))

const ARN = 'arn:aws:secretsmanager:eu-west-2:123456789012:secret:totesys-etl/warehouse-db-AbCdEf'

describe('toDatabaseUrl', () => {
  const cases: [string, object, string][] = [
    [
      'a url, verified TLS added',
      { url: 'postgres://etl:pw@db.example:5432/warehouse' },
      'postgres://etl:pw@db.example:5432/warehouse?sslmode=verify-full',
    ],
    [
      "a url's own sslmode, kept",
      { url: 'postgres://etl:pw@db.example:5432/warehouse?sslmode=no-verify' },
      'postgres://etl:pw@db.example:5432/warehouse?sslmode=no-verify',
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
      'postgres://etl:p%40ss%3Aw%2Frd@db.abc.eu-west-2.rds.amazonaws.com:5432/warehouse?sslmode=verify-full',
    ],
    [
      'RDS fields, port as text, no dbname',
      { host: 'h', port: '6543', username: 'u', password: 'p' },
      'postgres://u:p@h:6543/postgres?sslmode=verify-full',
    ],
    [
      'sslmode',
      { host: 'h', username: 'u', password: 'p', dbname: 'd', sslmode: 'no-verify' },
      'postgres://u:p@h:5432/d?sslmode=no-verify',
    ],
    [
      'an IPv4 host',
      { host: '10.0.3.7', username: 'u', password: 'p' },
      'postgres://u:p@10.0.3.7:5432/postgres?sslmode=verify-full',
    ],
    [
      'a bracketed IPv6 host',
      { host: '[fd00::7]', username: 'u', password: 'p' },
      'postgres://u:p@[fd00::7]:5432/postgres?sslmode=verify-full',
    ],
    [
      'an upper-case host',
      { host: 'DB.Example.COM', username: 'u', password: 'p' },
      'postgres://u:p@DB.Example.COM:5432/postgres?sslmode=verify-full',
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

  it('hands pg a URL it reads back as the same host, port, user, password, database and verify-full', () => {
    const secret = { host: 'db.example', port: 6432, username: 'u s', password: 'p@:/ %', dbname: 'w h' }
    const config = parseConnectionString(toDatabaseUrl(JSON.stringify(secret), ARN))
    assert.deepEqual(
      [config.host, config.port, config.user, config.password, config.database],
      ['db.example', '6432', 'u s', 'p@:/ %', 'w h'],
    )
    // verify-full: TLS on, certificate and host checked (pg-connection-string leaves Node's defaults on).
    assert.deepEqual(config.ssl, {})
  })

  const bad: [string, string, RegExp][] = [
    ['not JSON', 'postgres://u:p@h/d', /is not JSON/],
    ['no fields', '{}', /needs "url"/],
    ['a url of another scheme', '{"url":"mysql://u:p@h/d"}', /needs "url".*host/],
    ['a url without a host', '{"url":"postgres:///d"}', /names no host/],
    ['a port that is not a number', '{"host":"h","username":"u","password":"p","port":"x"}', /port/],
    ['a port out of range', '{"host":"h","username":"u","password":"p","port":70000}', /port/],
    ['an unknown sslmode', '{"host":"h","username":"u","password":"p","sslmode":"maybe"}', /sslmode/],
    // Issue 12: these became postgres://…@localhost, silently, and dialled the wrong server.
    [
      'a host holding a port',
      '{"host":"db.example:5432","username":"u","password":"p"}',
      /"host" holds a port.*"port"/,
    ],
    ['a host with a space', '{"host":"db example","username":"u","password":"p"}', /"host" contains a space/],
    [
      'a host with a trailing newline',
      '{"host":"db.example\\n","username":"u","password":"p"}',
      /"host" contains a space/,
    ],
    [
      'a host that is a URL',
      '{"host":"postgres://db.example","username":"u","password":"p"}',
      /"host" looks like a URL/,
    ],
    [
      'a host with credentials',
      '{"host":"u:p@db.example","username":"u","password":"p"}',
      /"host" contains "@"/,
    ],
    [
      'a host with a percent sign',
      '{"host":"db%20x","username":"u","password":"p"}',
      /"host" is not a host name/,
    ],
  ]
  for (const [name, text, message] of bad) {
    it(`rejects ${name} without echoing the password`, () => {
      assert.throws(
        () => toDatabaseUrl(text.replaceAll('"password":"p"', '"password":"hunter2"'), ARN),
        (error: Error) =>
          error instanceof ConfigError &&
          message.test(error.message) &&
          !error.message.includes('hunter2') &&
          !error.message.includes('u:p'),
      )
    })
  }

  it('never yields a URL pointing anywhere but the host it was given (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 40 }),
        fc.string({ maxLength: 20 }),
        (host, password) => {
          const text = JSON.stringify({ host, username: 'u', password })
          let url: string
          try {
            url = toDatabaseUrl(text, ARN)
          } catch (error) {
            assert.ok(error instanceof ConfigError, String(error))
            if (password.length >= 8) assert.ok(!(error as Error).message.includes(password))
            return
          }
          assert.equal(new URL(url).hostname.toLowerCase(), host.toLowerCase())
        },
      ),
      { numRuns: 500 },
    )
  })
})

describe('the URL toDatabaseUrl makes, through pg against a TLS server', () => {
  // A fake PostgreSQL server that accepts the SSLRequest, completes the TLS handshake with a certificate
  // for "localhost" from a private CA, then refuses the login with a marker error: reaching the marker
  // means the client verified the certificate. openssl makes the CA and certificate.
  let dir: string
  let server: Server
  let port: number
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'secrets-tls-'))
    const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' })
    ssl(
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
      '-days',
      '2',
      '-subj',
      '/CN=test RDS CA',
    )
    ssl(
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'server.key',
      '-out',
      'server.csr',
      '-subj',
      '/CN=localhost',
    )
    writeFileSync(join(dir, 'san.ext'), 'subjectAltName=DNS:localhost\n')
    ssl(
      'x509',
      '-req',
      '-in',
      'server.csr',
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      'server.pem',
      '-days',
      '2',
      '-extfile',
      'san.ext',
    )
    const key = readFileSync(join(dir, 'server.key'))
    const cert = readFileSync(join(dir, 'server.pem'))
    server = createServer((socket) => {
      socket.once('data', () => {
        socket.write('S')
        const secure = new TLSSocket(socket, { isServer: true, key, cert })
        secure.once('data', () => {
          const fields = Buffer.from('SFATAL\0C28000\0Mtls verified\0\0')
          const head = Buffer.alloc(5)
          head.write('E')
          head.writeInt32BE(fields.length + 4, 1)
          secure.end(Buffer.concat([head, fields]))
        })
        secure.on('error', () => socket.destroy())
      })
      socket.on('error', () => {})
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    port = (server.address() as AddressInfo).port
  })
  after(() => {
    server?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  /** Connects in a child node (NODE_EXTRA_CA_CERTS is read at start-up) and returns the error message. */
  const connect = async (host: string, env: Record<string, string>) => {
    const url = toDatabaseUrl(JSON.stringify({ host, port, username: 'u', password: 'p', dbname: 'd' }), ARN)
    // Asynchronously: the fake server answers from this process's event loop.
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import pg from 'pg'
         const client = new pg.Client({ connectionString: ${JSON.stringify(url)} })
         client.on('error', () => {})
         await client.connect().then(() => console.log('connected'), (e) => console.log(e.message))
         process.exit(0)`,
      ],
      { encoding: 'utf8', cwd: PROJECT_ROOT, env: { PATH: process.env.PATH, ...env }, timeout: 20_000 },
    )
    return stdout.trim()
  }

  it('refuses a certificate from a CA the process does not trust', async () => {
    assert.match(await connect('localhost', {}), /self[- ]signed|unable to (get|verify)/i)
  })

  it('accepts it once NODE_EXTRA_CA_CERTS names the CA bundle (what the functions set)', async () => {
    assert.equal(await connect('localhost', { NODE_EXTRA_CA_CERTS: join(dir, 'ca.pem') }), 'tls verified')
  })

  it('checks the host name too (verify-full, not only the chain)', async () => {
    assert.match(
      await connect('127.0.0.1', { NODE_EXTRA_CA_CERTS: join(dir, 'ca.pem') }),
      /does not match|altnames/i,
    )
  })
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
