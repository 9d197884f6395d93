#!/usr/bin/env node
// Starts the compiled CLI. `npm install` compiles it through the `prepare` script.
try {
  await import('../dist/cli/index.js');
} catch (err) {
  if (err?.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/cli/index.js')) {
    console.error('error VL_NOT_BUILT: the compiled CLI is missing\n  fix: run `npm install` (or `npm run build`) in the voice-load folder');
    process.exit(2);
  }
  throw err;
}
