#!/usr/bin/env node
// The CLI entry: runs the compiled composition root (built by `npm ci` through the `prepare` script).
require('reflect-metadata');
require('../dist/src/cli/main.js').main(process.argv.slice(2));
