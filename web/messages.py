"""Messages translated when the response is rendered (see api/validation.py for why)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext


class Message(str):
    """An English message that is translated when an error response is rendered."""

    msgid: str
    params: dict[str, Any]

    def __new__(cls, msgid: str, **params: Any) -> Message:
        text = msgid.format(**params) if params else msgid
        obj = super().__new__(cls, text)
        obj.msgid = msgid
        obj.params = params
        return obj

    def format(self, *args: Any, **kwargs: Any) -> Message:  # marshmallow formats messages itself
        return Message(self.msgid, **{**self.params, **kwargs})


def translate_messages(value: Any) -> Any:
    """Error details with every Message rendered in the current locale."""
    if isinstance(value, Message):
        return gettext(value.msgid).format(**value.params)
    if isinstance(value, dict):
        return {key: translate_messages(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [translate_messages(item) for item in value]
    return value


# Imported as `_m`, the keyword `make translations-extract` looks for.
translatable = Message
