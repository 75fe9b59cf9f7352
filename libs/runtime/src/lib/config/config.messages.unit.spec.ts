import { Type } from '@sinclair/typebox';
import { messageFor } from './config.messages';

describe('config messages', () => {
  it.each([
    [Type.Integer({ minimum: 1, maximum: 65535 }), 'must be an integer from 1 to 65535'],
    [Type.Integer({ minimum: 1 }), 'must be an integer of at least 1'],
    [Type.Number({ exclusiveMinimum: 0 }), 'must be a number greater than 0'],
    [Type.Number({ maximum: 1, multipleOf: 0.25 }), 'must be a number of at most 1 and a multiple of 0.25'],
    [Type.Boolean(), 'must be true or false'],
    [Type.String({ minLength: 1 }), 'must be a non-empty string'],
    [Type.String({ minLength: 2, maxLength: 8 }), 'must be a string of 2 to 8 characters'],
    [Type.String({ pattern: '^[A-Z]+$' }), 'must be a string matching /^[A-Z]+$/'],
    [Type.Union([Type.Literal('a'), Type.Literal(2)]), 'must be one of a, 2'],
    [
      Type.Union([Type.Integer({ minimum: 0 }), Type.Literal('auto')]),
      'must be an integer of at least 0 or auto',
    ],
    [Type.Array(Type.String()), 'must be an array'],
    [Type.String({ errorMessage: 'must be a venue code like BINANCE' }), 'must be a venue code like BINANCE'],
  ])('%#: %s', (schema, message) => expect(messageFor(schema)).toBe(message));
});
