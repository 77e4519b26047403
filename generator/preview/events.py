"""The preview's event stream: server-sent events fanned out to every open tab."""

from __future__ import annotations

import json
import queue
import threading

PING_SECONDS = 15  # a comment line this often lets the server notice closed tabs


class Broadcaster:
    """Fans server-sent events out to every open tab, one queue per tab."""

    def __init__(self):
        self._queues: set[queue.Queue] = set()
        self._lock = threading.Lock()
        self._closed = False

    def subscribe(self) -> queue.Queue:
        q: queue.Queue = queue.Queue()
        with self._lock:
            if self._closed:
                q.put(None)  # a tab connecting while the server stops gets no stream
            self._queues.add(q)
        return q

    def unsubscribe(self, q: queue.Queue) -> None:
        with self._lock:
            self._queues.discard(q)

    def send(self, event: str, data: dict) -> None:
        message = sse_message(event, data)
        with self._lock:
            for q in self._queues:
                q.put(message)

    def close(self) -> None:
        """Ends every stream (None is the handler's signal to return)."""
        with self._lock:
            self._closed = True
            for q in self._queues:
                q.put(None)


def sse_message(event: str, data: dict) -> bytes:
    return f"event: {event}\ndata: {json.dumps(data)}\n\n".encode()
