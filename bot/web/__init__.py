"""The ASGI app `idesluss serve` runs: Slack's endpoint, health, metrics, and room for Teams."""
