"""Antiport protocol, sans-IO: the envelope, message kinds, topics, validation and sync state machines."""
from .envelope import DOMAIN, MAX_ENVELOPE, Message, load, message_id, parse, sign
from .errors import REASONS, Rejected
from .kinds import KINDS, STATES, is_blank
from .topics import META_TOPIC, BadTopic, normalise, topic_name
from .validate import Context, validate

__all__ = ["DOMAIN", "KINDS", "MAX_ENVELOPE", "META_TOPIC", "REASONS", "STATES", "BadTopic", "Context", "Message",
           "Rejected", "is_blank", "load", "message_id", "normalise", "parse", "sign", "topic_name", "validate"]
