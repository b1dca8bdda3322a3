/**
 * Reads required configuration from environment variables once, at cold start.
 * A missing variable is a deployment mistake: failing the init phase with every
 * missing name is clearer than failing later on the first record.
 */
export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
}

export function requireEnv<const Name extends string>(
  names: readonly Name[],
  source: NodeJS.ProcessEnv = process.env,
): Readonly<Record<Name, string>> {
  const missing = names.filter((name) => !source[name]);
  if (missing.length > 0) {
    throw new ConfigurationError(`Missing required environment variables: ${missing.join(', ')}`);
  }
  return Object.freeze(Object.fromEntries(names.map((name) => [name, source[name] as string]))) as Readonly<
    Record<Name, string>
  >;
}
