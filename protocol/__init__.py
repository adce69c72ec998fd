"""Antiport protocol, sans-IO: the envelope, message kinds, topics, validation and sync state machines."""
from .envelope import DOMAIN, MAX_ENVELOPE, Message, load, message_id, parse, sign
from .errors import REASONS, Rejected
from .kinds import KINDS, STATES, is_blank
from .topics import BadTopic, META_TOPIC, normalise, topic_name
from .validate import Context, validate

__all__ = ["DOMAIN", "MAX_ENVELOPE", "Message", "load", "message_id", "parse", "sign", "REASONS", "Rejected", "KINDS", "is_blank",
           "STATES", "BadTopic", "META_TOPIC", "normalise", "topic_name", "Context", "validate"]
