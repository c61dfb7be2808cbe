"""Sentry events captured through sentry-sdk's own transport hook: nothing leaves the machine."""

import json

from sentry_sdk.transport import Transport

from employer_sync_pipeline.orchestration.sentry import SentryResource

FAKE_DSN = "https://public@sentry.example.invalid/1"


class CapturingTransport(Transport):
    def __init__(self):
        super().__init__()
        self.events: list[dict] = []

    def capture_envelope(self, envelope) -> None:
        self.events.extend(item.get_event() for item in envelope.items if item.get_event() is not None)

    def serialised(self) -> str:
        return json.dumps(self.events, default=str)


class CapturingSentryResource(SentryResource):
    """The real resource with its transport swapped for one that keeps events in memory."""

    def transport(self):
        return CAPTURED


CAPTURED = CapturingTransport()
