import module from 'node:module';

// Node 22+ keeps V8's compiled code between runs (os.tmpdir()); Node 20 has no such cache. Turned on before
// anything else is imported, so that it covers the whole CLI, the modules the program imports statically too.
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();
// The bundle is minified: stack traces printed for CHDR_DEBUG point into the sources through the maps beside it.
if (process.env.CHDR_DEBUG) process.setSourceMapsEnabled(true);

await import('./program.js');
