#!/usr/bin/env node
// `ledgerflow` as npm links it (node_modules/.bin, `npx ledgerflow`): a committed, executable entry point,
// since the compiled dist/main.js neither exists at install time nor keeps an executable bit.
try {
  await import('../dist/main.js');
} catch (error) {
  if (error?.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('tools/cli/dist/main.js')) {
    process.stderr.write(
      'ledgerflow is not built yet: run `npx tsc -b tsconfig.build.json` (or `make build`) in the repository first\n',
    );
    process.exit(1);
  }
  throw error;
}
