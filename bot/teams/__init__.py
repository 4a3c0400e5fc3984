"""Microsoft Teams adapter: the Bot Framework protocol spoken directly (PyJWT in, msal + httpx out).

The Python Bot Framework SDK is archived; the wire protocol is small and stable, so this package owns it:
`auth` validates the channel's tokens, `tokens` gets the bot's own, `connector` talks to the Bot
Connector, `cards` renders the core's replies, `endpoint` is `POST /api/messages`.
"""
