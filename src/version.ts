// imp's own version, from package.json (one level above src/ and dist/).
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const impVersion: string = (require('../package.json') as { version: string }).version;
