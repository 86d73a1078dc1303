// vader_npm.js - the npm vader-sentiment port on the texts of bench_analyze --dump-texts
// (for bench/vader_compare.sh): one warm-up pass and R timed passes.
//
// Usage: node vader_npm.js MODULE_DIR TEXTS OUT [REPEATS]
//   MODULE_DIR: where `npm install vader-sentiment` put the package
//   (bench/out/npm/node_modules/vader-sentiment). The port uses its bundled lexicon.
// Prints "npm texts N cpu min S median S wall min S texts/cpu-s X" (CPU time of the
// process: node's GC helper threads included) and writes each compound ("%.4f") to OUT.
'use strict';
const fs = require('fs');
const path = require('path');

const [moduleDir, textsPath, outPath, repsArg] = process.argv.slice(2);
const reps = repsArg ? parseInt(repsArg, 10) : 3;
const vader = require(path.resolve(moduleDir));
const sia = vader.SentimentIntensityAnalyzer;

const unesc = {n: '\n', r: '\r', t: '\t'};
const raw = fs.readFileSync(textsPath, 'utf8');
const lines = raw.endsWith('\n') ? raw.slice(0, -1).split('\n') : raw.split('\n');
const texts = lines.map((l) => l.replace(/\\(.)/gs, (m, e) => unesc[e] || e));

const cpu = [];
const wall = [];
let comp = [];
for (let r = 0; r <= reps; r++) {
  const c0 = process.cpuUsage();
  const w0 = process.hrtime.bigint();
  comp = texts.map((t) => sia.polarity_scores(t).compound);
  const w1 = process.hrtime.bigint();
  const c1 = process.cpuUsage(c0);
  if (r > 0) {
    cpu.push((c1.user + c1.system) / 1e6);
    wall.push(Number(w1 - w0) / 1e9);
  }
}
cpu.sort((a, b) => a - b);
wall.sort((a, b) => a - b);
console.log(
  `npm texts ${texts.length}  cpu min ${cpu[0].toFixed(4)} s  median ${cpu[cpu.length >> 1].toFixed(4)} s  ` +
    `wall min ${wall[0].toFixed(4)} s  texts/cpu-s ${(texts.length / cpu[0]).toFixed(0)}`,
);
fs.writeFileSync(outPath, comp.map((c) => c.toFixed(4)).join('\n') + '\n');
