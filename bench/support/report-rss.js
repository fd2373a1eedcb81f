// Preloaded into a measured child (`node -r ./bench/support/report-rss.js …`): at exit, its peak RSS on stderr,
// so a bench can measure a real command (bin/seatledger.js) without code of its own inside it.
const fs = require('node:fs');

process.on('exit', () => {
  fs.writeSync(2, `\nbench:maxRssKb=${process.resourceUsage().maxRSS}\n`);
});
