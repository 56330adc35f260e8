/** Commands that the extension registers itself even though the server also advertises them. */

/**
 * Server commands that this extension wraps with a VS Code command of the
 * same id (to check workspace trust first). vscode-languageclient would
 * otherwise register them again and VS Code rejects the duplicate.
 */
export const CLIENT_OWNED_SERVER_COMMANDS: readonly string[] = ["cwm.runAndCompare"];

export function commandsLeftToClient(serverCommands: readonly string[]): string[] {
  return serverCommands.filter((command) => !CLIENT_OWNED_SERVER_COMMANDS.includes(command));
}
