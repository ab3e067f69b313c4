"""The built-in test payment provider: its own tables, operations, hosted page and webhooks."""
