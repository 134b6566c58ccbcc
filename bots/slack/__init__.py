"""The Slack bot: a Bolt app (app.py) served over HTTP at /slack/events (http.py) or by Socket Mode (`nexa slack`)."""
