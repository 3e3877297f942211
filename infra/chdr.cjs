// Serverless variable source for serverless.yml: `${file(./infra/chdr.cjs):<path>}` resolves to a property of
// what infra/stack.ts builds from the topology file (--param config) for one site (--param site).
// osls loads .cjs files with require(), so the TypeScript is bundled in memory with esbuild (already a
// dependency of serverless-esbuild) and compiled as a CommonJS module: no generated file, no network.
'use strict';
/* global require, module, __dirname */
/* eslint-disable @typescript-eslint/no-require-imports -- osls loads this file with require() */

const Module = require('node:module');
const path = require('node:path');
const { buildSync } = require('esbuild');

let stackModule;
const loadStackModule = () => {
  if (!stackModule) {
    const entry = path.join(__dirname, 'stack.ts');
    const out = buildSync({
      entryPoints: [entry],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node22',
      write: false,
      logLevel: 'silent',
    });
    const compiled = new Module(entry, module);
    compiled.filename = entry;
    compiled.paths = Module._nodeModulePaths(__dirname);
    compiled._compile(out.outputFiles[0].text, entry);
    stackModule = compiled.exports;
  }
  return stackModule;
};

const cache = new Map();

module.exports = async ({ options, resolveVariable }) => {
  const site = await resolveVariable('param:site');
  const config = await resolveVariable('param:config');
  const subnetIds = await resolveVariable('param:subnetIds, null');
  const securityGroupIds = await resolveVariable('param:securityGroupIds, null');
  const runbookBase = await resolveVariable('param:runbookBase, null');
  const service = await resolveVariable('self:service');
  const stage = await resolveVariable('self:provider.stage');
  const region = options.region || (await resolveVariable('self:provider.region'));
  const input = {
    config,
    site,
    region,
    service,
    stage,
    serviceDir: path.resolve(__dirname, '..'),
    subnetIds,
    securityGroupIds,
    runbookBase,
  };
  const key = JSON.stringify(input);
  if (!cache.has(key)) cache.set(key, loadStackModule().buildStack(input));
  return cache.get(key);
};
