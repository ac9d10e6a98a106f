import 'reflect-metadata';
import { runCli } from './cli/run-cli';

const code = await runCli(process.argv.slice(2), process.env);
process.exitCode = code;
// pending handles (pools, timers of libraries) must not keep a finished command alive
setTimeout(() => process.exit(code), 200).unref();
