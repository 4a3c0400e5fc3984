"""The idea store: tables, migrations, the engine and small service functions. Imports nothing of bot."""
