import packageJson from '../package.json' with { type: 'json' };

/** The version both bins print with --version: the package's own. */
export const VERSION: string = packageJson.version;
