/**
 * `npm run -s helios -- <command> [options]`. Each command lives in ./commands/<name>.ts and
 * registers itself in COMMANDS below; `helios help` lists them.
 */
import { COMMANDS } from './commands';
import { CliError } from './cli-error';

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    console.log('usage: npm run -s helios -- <command> [options]\n\ncommands:');
    for (const c of Object.values(COMMANDS)) console.log(`  ${c.name.padEnd(10)} ${c.summary}`);
    console.log('\n`npm run -s helios -- <command> --help` for a command\'s options.');
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    console.error(`helios: unknown command "${name}" (try: ${Object.keys(COMMANDS).join(', ')})`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(command.usage);
    return 0;
  }
  return command.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof CliError) {
      console.error(`helios: ${error.message}`);
      process.exitCode = error.exitCode;
    } else {
      console.error(error);
      process.exitCode = 1;
    }
  },
);
