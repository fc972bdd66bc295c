"""A TCP proxy in front of PostgreSQL that can stop answering (keeping every
connection open, as a hung server or a dropped route does) or refuse."""

import socket
import threading


class DatabaseProxy:
    def __init__(self, target: tuple[str, int]):
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.flowing = threading.Event()
        self.flowing.set()
        self.connections: list[socket.socket] = []
        self.refused = False
        self.lock = threading.Lock()  # a connection accepted as refuse() runs is cut too
        threading.Thread(target=self._accept, daemon=True).start()

    def stall(self) -> None:
        self.flowing.clear()

    def resume(self) -> None:
        self.flowing.set()

    def refuse(self) -> None:
        """Every connection is cut, and no new one is accepted. Shut down, not only closed:
        closing a socket that another thread waits on (accept, recv) leaves it working
        until that wait ends, and the app's pool reconnected through the waiting accept."""
        with self.lock:
            self.refused = True
            for end in (self.listener, *self.connections):
                _cut(end)

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.target)
            with self.lock:
                self.connections += [client, server]
                if self.refused:
                    _cut(client)
                    _cut(server)
                    return
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                self.flowing.wait()  # stalled: bytes are held, nothing is answered
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                end.close()


def _cut(end: socket.socket) -> None:
    try:
        end.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # not connected (a listener, or already cut)
    end.close()
