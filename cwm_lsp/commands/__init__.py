"""``cwm-lsp`` subcommands, one module each.

A command module defines ``register(subparsers)`` (adds its parser and sets
``func=run`` as the parser default) and ``run(args) -> int``.  The CLI
imports the modules named in :data:`COMMANDS` that exist, so a room adds a
command by adding its module.  Keep module imports light (argparse and the
standard library); import heavy things inside ``run``.
"""

#: Subcommands in the order ``cwm-lsp --help`` lists them; ``serve`` is the default.
COMMANDS = ("serve", "trace", "dap", "eval", "model", "corpus")
