import { join, resolve } from 'node:path';

/** The package root: src/ (under tsx) and dist/ (built) both sit one level below it. */
export const packageRoot = resolve(__dirname, '..');
export const templatesDir = join(packageRoot, 'templates');
export const toolsDir = join(packageRoot, '.tools');
