// Lets `node -r ./bench/register.js bench/x.ts` run TypeScript benches without a build step.
require('ts-node/register/transpile-only');
