import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { COMMANDS, registerCommands } from '../../../lib/cli/commands/index.js';

const names = (program: Command) => program.commands.map((command) => command.name());

describe('registerCommands', () => {
  it('lists under each entry exactly the commands its module registers', () => {
    for (const command of COMMANDS) {
      const program = new Command('chdr');

      command.register(program);

      expect(names(program)).toEqual(command.names);
    }
  });

  it('registers only the command named on the command line', () => {
    const program = new Command('chdr');

    registerCommands(program, 'resume');

    expect(names(program)).toEqual(['pause', 'resume']);
  });

  it('registers every command for help or an unknown name, in the order of the table', () => {
    for (const name of [undefined, '--help', 'help', 'chek']) {
      const program = new Command('chdr');

      registerCommands(program, name);

      expect(names(program)).toEqual(COMMANDS.flatMap((command) => command.names));
    }
  });
});
