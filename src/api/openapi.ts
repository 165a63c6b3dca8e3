/** The payments API's OpenAPI 3.1 document, served at GET /openapi.json. */

const day = { type: 'string', format: 'date', pattern: '^\\d{4}-\\d{2}-\\d{2}$', example: '2023-11-03' }

const asOf = {
  name: 'as_of',
  in: 'query',
  required: false,
  description: 'The day the report is for (YYYY-MM-DD, 0001-01-01 to 9999-12-31); default today (UTC).',
  schema: day,
}

const error = {
  type: 'object',
  required: ['error', 'message'],
  properties: {
    error: { type: 'string', enum: ['bad_request', 'not_found', 'unavailable', 'internal_error'] },
    message: { type: 'string' },
    issues: {
      type: 'array',
      items: {
        type: 'object',
        required: ['parameter', 'message'],
        properties: { parameter: { type: 'string' }, message: { type: 'string' } },
      },
    },
  },
}

const report = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/PaymentsReport' } } },
})

const errors = {
  '400': {
    description: 'Invalid query (the message and issues say which parameter and why)',
    content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
  },
  '503': {
    description: 'The warehouse cannot be reached or is not initialised yet',
    content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
  },
}

export const OPENAPI_DOCUMENT = {
  openapi: '3.1.0',
  info: {
    title: 'totesys payments',
    version: '1.0.0',
    description:
      "Payments from the warehouse's current fact versions, for the finance department. Every report says how fresh the warehouse is.",
  },
  paths: {
    '/payments/last5': {
      get: {
        operationId: 'lastPayments',
        summary: 'The five most recent payments dated on or before as_of, newest first (ties: id descending)',
        parameters: [asOf],
        responses: { '200': report('The payments'), ...errors },
      },
    },
    '/payments/next5': {
      get: {
        operationId: 'nextPayments',
        summary:
          'The five unpaid payments with the earliest date after as_of, soonest first (ties: id ascending)',
        parameters: [asOf],
        responses: { '200': report('The payments'), ...errors },
      },
    },
    '/health': {
      get: {
        operationId: 'health',
        summary: 'Whether the API can reach the warehouse',
        responses: {
          '200': {
            description: 'Healthy',
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  properties: { status: { const: 'ok' }, warehouse: { type: 'string' } },
                },
              },
            },
          },
          '503': errors['503'],
        },
      },
    },
    '/openapi.json': {
      get: {
        operationId: 'openapi',
        summary: 'This document',
        responses: { '200': { description: 'The OpenAPI document' } },
      },
    },
  },
  components: {
    schemas: {
      Payment: {
        type: 'object',
        required: [
          'payment_id',
          'payment_date',
          'amount',
          'currency_code',
          'counterparty_legal_name',
          'payment_type',
          'paid',
        ],
        properties: {
          payment_id: { type: 'integer' },
          payment_date: day,
          amount: {
            type: 'string',
            pattern: '^-?\\d+(\\.\\d+)?$',
            description: 'Exact decimal, as text (never a float)',
            example: '1234.50',
          },
          currency_code: { type: 'string', example: 'GBP' },
          counterparty_legal_name: { type: 'string' },
          payment_type: { type: 'string', example: 'SALES_RECEIPT' },
          paid: { type: 'boolean' },
        },
      },
      Freshness: {
        type: 'object',
        required: ['as_of', 'lag_seconds'],
        properties: {
          as_of: {
            type: ['string', 'null'],
            description: 'The newest source change the warehouse holds (UTC, YYYY-MM-DD HH:MM:SS.mmm)',
          },
          lag_seconds: { type: ['number', 'null'], description: 'Seconds from that change to now' },
        },
      },
      PaymentsReport: {
        type: 'object',
        required: ['as_of', 'payments', 'freshness'],
        properties: {
          as_of: { ...day, description: 'The day the report is for' },
          payments: { type: 'array', maxItems: 5, items: { $ref: '#/components/schemas/Payment' } },
          freshness: { $ref: '#/components/schemas/Freshness' },
        },
      },
      Error: error,
    },
  },
} as const
