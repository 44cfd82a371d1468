#!/usr/bin/env node
// The chaos harness's agent, for the `command` provider: argv is <marker> <lines> <interval-ms>.
// It reads its prompt on stdin, prints <lines> lines <interval-ms> apart (so a kill of agentd often
// lands while a run is running), then "done <prompt>", and exits 0. <marker> is only there so the
// harness can find agents left behind by their command line.
const [, , , linesArg = '3', intervalArg = '20'] = process.argv;
const lines = Number(linesArg);
const interval = Number(intervalArg);
let prompt = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => (prompt += chunk));
process.stdin.on('end', () => {
  prompt = prompt.trim();
  let printed = 0;
  const tick = () => {
    if (printed === lines) {
      console.log(`done ${prompt}`);
      return;
    }
    console.log(`${prompt} line ${++printed}`);
    setTimeout(tick, interval);
  };
  tick();
});
