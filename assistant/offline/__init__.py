"""The offline model: intent and slots from a chat message without an LLM."""

from assistant.offline.intents import IntentClassifier
from assistant.offline.nlu import Parse, understand

__all__ = ["IntentClassifier", "Parse", "understand"]
