"""Slack adapter: Bolt listeners that translate Slack requests into core calls and replies into Block Kit."""
