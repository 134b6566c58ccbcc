"""The MCP server: the assistant's tools for other AI clients, over stdio (`nexa mcp`) and streamable HTTP (`/mcp`)."""
