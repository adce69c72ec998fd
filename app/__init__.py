"""The `antiport` command, the demo and node processes: the application on top of node/ and tui/."""
