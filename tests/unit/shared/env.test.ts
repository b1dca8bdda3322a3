import { ConfigurationError, requireEnv } from '../../../functions/shared/env';

describe('env helper', () => {
  it('returns the requested variables', () => {
    expect(requireEnv(['A', 'B'], { A: '1', B: 'two' })).toEqual({ A: '1', B: 'two' });
  });

  it('names every missing or empty variable in one error', () => {
    expect(() => requireEnv(['A', 'B', 'C'], { B: '' })).toThrow(
      new ConfigurationError('Missing required environment variables: A, B, C'),
    );
  });
});
