import { main } from './main.js';

const output = {
  out: (text: string) => void process.stdout.write(text),
  err: (text: string) => void process.stderr.write(text),
  interactive: process.stderr.isTTY === true,
};

process.exitCode = await main(process.argv.slice(2), output);
