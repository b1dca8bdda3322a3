import { csvField } from '../../../functions/shared/csv';

describe('csv field', () => {
  it.each([
    ['plain', 'plain'],
    ['Acme, Inc.', '"Acme, Inc."'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['cr\rhere', '"cr\rhere"'],
    ['', ''],
  ])('writes %j as %j', (value, expected) => {
    expect(csvField(value)).toBe(expected);
  });
});
