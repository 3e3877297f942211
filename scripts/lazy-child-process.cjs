// commander requires node:child_process when it loads, for executable subcommands chdr never declares:
// the CLI build hands commander this stand-in, which loads the module on first use only (~2.5 ms of every
// CLI start, measured). scripts/build-cli.mjs
module.exports = new Proxy({}, { get: (_, name) => process.getBuiltinModule('node:child_process')[name] });
