// Placeholder entry point; the CLI commands are wired in src/cli/commands.
console.log('loopwright: not yet wired');
