"""The intelligence layer: scoring, routing, next best action, anomalies, forecasts, drafts and summaries."""
