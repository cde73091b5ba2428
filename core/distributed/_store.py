"""A small TCP key-value store for the rendezvous: ranks that do not share an MPI world find each
other through it (the MPI port names of node leaders, NCCL's unique id).

The server runs in a thread of one process (the launcher of node 0, or rank 0); clients ``set``
bytes under a key and ``get`` blocks until the key exists or the timeout passes. Messages are JSON
lines with base64 values: nothing received is ever unpickled.
"""

import base64
import json
import socket
import threading
import time


class TCPStore:
    """``TCPStore(host, port, is_master, timeout)``: PyTorch's name; ``set``, ``get``, ``wait``."""

    def __init__(self, host_name, port, world_size=None, is_master=False, timeout=300.0):
        self.host, self.port, self.timeout = host_name, int(port), float(timeout)
        self._server = _Server(self.port) if is_master else None
        if self._server is not None:
            self.port = self._server.port
        self._sock = self._connect()
        self._file = self._sock.makefile("rwb")
        self._lock = threading.Lock()

    def _connect(self):
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                return socket.create_connection((self.host, self.port), timeout=5)
            except OSError as exc:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"could not reach the rendezvous store at {self.host}:"
                                       f"{self.port} within {self.timeout:.0f} s ({exc}); check "
                                       f"MASTER_ADDR and MASTER_PORT") from None
                time.sleep(0.1)

    def _request(self, msg):
        with self._lock:
            self._sock.settimeout(self.timeout + 5)
            self._file.write(json.dumps(msg).encode() + b"\n")
            self._file.flush()
            line = self._file.readline()
        if not line:
            raise RuntimeError(f"the rendezvous store at {self.host}:{self.port} closed the "
                               f"connection")
        reply = json.loads(line)
        if "error" in reply:
            raise RuntimeError(reply["error"])
        return reply

    def set(self, key, value):
        if isinstance(value, str):
            value = value.encode()
        self._request({"op": "set", "key": key, "value": base64.b64encode(value).decode()})

    def get(self, key):
        """The bytes stored under `key`, waiting up to the store's timeout for them."""
        reply = self._request({"op": "get", "key": key, "timeout": self.timeout})
        return base64.b64decode(reply["value"])

    def add(self, key, amount):
        return self._request({"op": "add", "key": key, "amount": int(amount)})["value"]

    def wait(self, keys):
        for k in keys:
            self.get(k)

    def close(self):
        try:
            self._sock.close()
        finally:
            if self._server is not None:
                self._server.close()


class _Server:
    def __init__(self, port):
        self._data = {}
        self._cond = threading.Condition()
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("", port))
        self._sock.listen(128)
        self.port = self._sock.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        with conn, conn.makefile("rwb") as f:
            for line in f:
                msg = json.loads(line)
                key = msg["key"]
                with self._cond:
                    if msg["op"] == "set":
                        self._data[key] = msg["value"]
                        self._cond.notify_all()
                        reply = {}
                    elif msg["op"] == "add":
                        value = int(base64.b64decode(self._data.get(key, "MA==")))  # b64 of "0"
                        value += msg["amount"]
                        self._data[key] = base64.b64encode(str(value).encode()).decode()
                        self._cond.notify_all()
                        reply = {"value": value}
                    else:
                        ok = self._cond.wait_for(lambda: key in self._data, msg["timeout"])
                        reply = ({"value": self._data[key]} if ok else
                                 {"error": f"timed out after {msg['timeout']:.0f} s waiting for "
                                           f"the key {key!r} in the rendezvous store"})
                f.write(json.dumps(reply).encode() + b"\n")
                f.flush()

    def close(self):
        self._sock.close()
