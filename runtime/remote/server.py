"""The show-control web server: OSCQuery (HTTP JSON, HOST_INFO, websocket LISTEN/IGNORE),
advertised by zeroconf as `_oscjson._tcp`, and the operator page, all on one port (aiohttp, on a
thread of its own with its own event loop).

Loopback only unless `[remote] host` opens it, and then every request carries the token
(`Authorization: Bearer TOKEN` or `?token=TOKEN`). Nothing a client sends can stop the show:
bad requests are answered with an HTTP error and counted, their log lines bounded.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import threading
import time
from collections import deque
from pathlib import Path
from typing import Any

from aiohttp import WSMsgType, web

from runtime.error_log import ErrorLog
from runtime.osc.codec import OscDecodeError, decode_packet, encode_message
from runtime.remote import oscquery
from runtime.remote.surface import Node, ShowSurface

log = logging.getLogger(__name__)
PAGE = Path(__file__).with_name("operator.html")
LOOPBACK = ("127.0.0.1", "localhost", "::1")
WS_MAX_PER_SECOND = 200  # messages a websocket client may send a second; beyond, they are dropped


class LogTail(logging.Handler):
    """The last log lines, for the operator page."""

    def __init__(self, n: int = 40) -> None:
        super().__init__(logging.INFO)
        self.lines: deque[str] = deque(maxlen=n)
        self.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%H:%M:%S"))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.lines.append(self.format(record)[:300])
        except Exception:  # a log line that cannot be formatted is not worth an error
            pass


class RemoteServer:
    def __init__(self, cfg: dict[str, Any], surface: ShowSurface, osc_port: int) -> None:
        self.host = str(cfg["host"])
        self.port = int(cfg["port"])
        self.token = str(cfg["token"])
        self.name = str(cfg["name"])
        self.advertise = bool(cfg["zeroconf"])
        self.max_body = int(cfg["max_body"])
        self.surface = surface
        self.osc_port = osc_port
        self.errors = ErrorLog(log)
        self.counters = {"http": 0, "unauthorized": 0, "not_found": 0, "bad_request": 0, "too_large": 0,
                         "ws_messages": 0, "ws_dropped": 0, "ws_bad": 0, "sets": 0}
        self.log_tail = LogTail()
        self._status = "off"
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._oscq: dict[web.WebSocketResponse, set[str]] = {}  # listeners -> paths they listen to
        self._operators: set[web.WebSocketResponse] = set()
        self.last_operator_seen = 0.0  # engine clock (monotonic) of the last operator page contact

    # --- life cycle -----------------------------------------------------------------------------
    def start(self) -> None:
        logging.getLogger().addHandler(self.log_tail)
        logging.getLogger("aiohttp").setLevel(logging.WARNING)
        self.surface.listen(self._changed)
        self._thread = threading.Thread(target=self._serve, name="remote", daemon=True)
        self._thread.start()
        self._ready.wait(timeout=10.0)

    def stop(self) -> None:
        logging.getLogger().removeHandler(self.log_tail)
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None:
            self._thread.join(timeout=5.0)
        self._status = "off"

    def status(self) -> str:
        return self._status

    @property
    def wants_thumbnails(self) -> bool:
        return time.monotonic() - self.last_operator_seen < 5.0

    def _serve(self) -> None:
        try:
            asyncio.run(self._main())
        except Exception as exc:  # the show goes on without show control
            self._status = f"off: {type(exc).__name__}: {exc}"
            log.warning("show control stopped: %s", exc)
        finally:
            self._ready.set()

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        app = web.Application(client_max_size=self.max_body, middlewares=[self._guard])
        app.router.add_get("/operator", self._operator_page)
        app.router.add_get("/operator/ws", self._operator_ws)
        app.router.add_get("/thumbnail/{name}.jpg", self._thumbnail)
        app.router.add_route("*", "/{path:.*}", self._oscquery)
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        try:
            await site.start()
        except OSError as exc:
            self._status = f"off: cannot listen on {self.host}:{self.port}: {exc}"
            await runner.cleanup()
            self._ready.set()
            return
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self._status = "ok"
        zeroconf = await self._advertise()
        self._ready.set()
        pusher = asyncio.create_task(self._push_operators())
        await self._stop.wait()
        pusher.cancel()
        for ws in [*self._oscq, *self._operators]:
            await ws.close()
        if zeroconf is not None:
            await zeroconf.async_unregister_all_services()
            await zeroconf.async_close()
        await runner.cleanup()

    async def _advertise(self) -> Any:
        """`_oscjson._tcp` (this HTTP port) and `_osc._udp` (the control port), on the address served."""
        if not self.advertise:
            return None
        try:
            from zeroconf import IPVersion, ServiceInfo
            from zeroconf.asyncio import AsyncZeroconf

            address = "127.0.0.1" if self.host in ("localhost", "::1") else self.host
            if address == "0.0.0.0":
                address = socket.gethostbyname(socket.gethostname())
            zc = AsyncZeroconf(ip_version=IPVersion.V4Only)
            for kind, port in (("_oscjson._tcp.local.", self.port), ("_osc._udp.local.", self.osc_port)):
                info = ServiceInfo(kind, f"{self.name}.{kind}", port=port, addresses=[socket.inet_aton(address)],
                                   properties={"txtvers": "1"}, server=f"{socket.gethostname()}.local.")
                await zc.async_register_service(info, allow_name_change=True)
            return zc
        except Exception as exc:  # no multicast here: the server works, it is only not advertised
            log.warning("show control not advertised by zeroconf: %s", exc)
            return None

    # --- requests -------------------------------------------------------------------------------
    @web.middleware
    async def _guard(self, request: web.Request, handler: Any) -> web.StreamResponse:
        self.counters["http"] += 1
        if self.token or self.host not in LOOPBACK:
            given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
            if given != self.token and request.query.get("token", "") != self.token:
                self.counters["unauthorized"] += 1
                self.errors.report("show control: wrong token", str(request.remote))
                return web.json_response({"error": "a token is required"}, status=401)
        try:
            return await handler(request)
        except web.HTTPRequestEntityTooLarge:
            self.counters["too_large"] += 1
            return web.json_response({"error": f"body larger than {self.max_body} bytes"}, status=413)
        except web.HTTPException:
            raise
        except Exception as exc:  # a request that breaks a handler is that request's failure only
            self.counters["bad_request"] += 1
            self.errors.report("show control: request failed", f"{request.method} {request.path[:80]}", exc)
            return web.json_response({"error": "bad request"}, status=400)

    async def _oscquery(self, request: web.Request) -> web.StreamResponse:
        if request.headers.get("Upgrade", "").lower() == "websocket":
            return await self._oscquery_ws(request)
        nodes, _ = self.surface.snapshot()
        if "HOST_INFO" in request.query:
            return web.json_response(oscquery.host_info(self.name, self.host, self.osc_port))
        path = "/" + request.match_info["path"].strip("/")
        tree = oscquery.lookup(oscquery.namespace(nodes), path)
        if tree is None:
            self.counters["not_found"] += 1
            return web.json_response({"error": f"no node {path[:80]}"}, status=404)
        if request.method in ("PUT", "POST"):
            return await self._set_over_http(request, path)
        if request.method != "GET":
            self.counters["bad_request"] += 1
            return web.json_response({"error": "GET, PUT or POST"}, status=405)
        asked = [a for a in request.query if a in oscquery.ATTRIBUTES]
        if asked:
            if asked[0] not in tree:
                return web.Response(status=204)
            return web.json_response({asked[0]: tree[asked[0]]})
        return web.json_response(tree)

    async def _set_over_http(self, request: web.Request, path: str) -> web.StreamResponse:
        """PUT or POST {"VALUE": [v]} (or a bare JSON value) to a node's path."""
        try:
            body = await request.json()
        except (ValueError, UnicodeDecodeError):
            self.counters["bad_request"] += 1
            return web.json_response({"error": "the body must be JSON: {\"VALUE\": [value]}"}, status=400)
        values = body.get("VALUE", []) if isinstance(body, dict) else body
        args = tuple(values) if isinstance(values, list) else (values,)
        error = self.surface.request(path, args, f"http {request.remote}", time.monotonic())
        if error:
            self.counters["bad_request"] += 1
            return web.json_response({"error": error}, status=400)
        self.counters["sets"] += 1
        return web.json_response({"ok": True})

    async def _oscquery_ws(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(max_msg_size=self.max_body, heartbeat=30.0)
        await ws.prepare(request)
        self._oscq[ws] = set()
        try:
            async for msg in self._bounded(ws):
                if msg.type == WSMsgType.TEXT:
                    try:
                        command = json.loads(msg.data)
                        kind, path = command["COMMAND"], str(command["DATA"])
                    except (ValueError, KeyError, TypeError):
                        self.counters["ws_bad"] += 1
                        continue
                    if kind == "LISTEN":
                        self._oscq[ws].add(path)
                    elif kind == "IGNORE":
                        self._oscq[ws].discard(path)
                    else:
                        self.counters["ws_bad"] += 1
                elif msg.type == WSMsgType.BINARY:  # OSC over the websocket sets values too
                    try:
                        for address, args in decode_packet(msg.data):
                            if self.surface.request(address, args, f"ws {request.remote}", time.monotonic()):
                                self.counters["ws_bad"] += 1
                    except OscDecodeError:
                        self.counters["ws_bad"] += 1
        finally:
            self._oscq.pop(ws, None)
        return ws

    async def _bounded(self, ws: web.WebSocketResponse) -> Any:
        """A websocket's messages, at most WS_MAX_PER_SECOND a second (the rest dropped, counted)."""
        window, count = time.monotonic(), 0
        async for msg in ws:
            self.counters["ws_messages"] += 1
            t = time.monotonic()
            if t - window >= 1.0:
                window, count = t, 0
            count += 1
            if count > WS_MAX_PER_SECOND:
                self.counters["ws_dropped"] += 1
                continue
            yield msg

    def _changed(self, changed: list[Node], added: list[str], removed: list[str]) -> None:
        """Called from the app loop's thread: hand the news to the server's loop."""
        if self._loop is not None and (self._oscq or self._operators):
            self._loop.call_soon_threadsafe(lambda: asyncio.ensure_future(self._notify(changed, added, removed)))

    async def _notify(self, changed: list[Node], added: list[str], removed: list[str]) -> None:
        for ws, paths in list(self._oscq.items()):
            try:
                for node in changed:
                    if node.path in paths and node.type != "N":
                        await ws.send_bytes(encode_message(node.path, (node.value,)))
                for kind, items in (("PATH_ADDED", added), ("PATH_REMOVED", removed)):
                    for path in items:
                        await ws.send_str(json.dumps({"COMMAND": kind, "DATA": path}))
            except (ConnectionError, RuntimeError):
                self._oscq.pop(ws, None)  # a listener that went away

    # --- the operator page ----------------------------------------------------------------------
    async def _operator_page(self, request: web.Request) -> web.StreamResponse:
        self.last_operator_seen = time.monotonic()
        return web.FileResponse(PAGE, headers={"Cache-Control": "no-store"})

    async def _thumbnail(self, request: web.Request) -> web.StreamResponse:
        self.last_operator_seen = time.monotonic()
        data = self.surface.thumbnails.get(request.match_info["name"])
        if data is None:
            self.counters["not_found"] += 1
            return web.json_response({"error": "no such picture (yet)"}, status=404)
        return web.Response(body=data, content_type="image/jpeg", headers={"Cache-Control": "no-store"})

    def operator_state(self) -> dict[str, Any]:
        nodes, status = self.surface.snapshot()
        return {"status": {**status.__dict__, "log": list(self.log_tail.lines)},
                "nodes": [oscquery.node_json(n) for n in nodes.values()],
                "thumbnails": sorted(self.surface.thumbnails), "counters": dict(self.counters)}

    async def _operator_ws(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(max_msg_size=self.max_body, heartbeat=30.0)
        await ws.prepare(request)
        self._operators.add(ws)
        self.last_operator_seen = time.monotonic()
        try:
            await ws.send_str(json.dumps(self.operator_state()))
            async for msg in self._bounded(ws):
                self.last_operator_seen = time.monotonic()
                if msg.type != WSMsgType.TEXT:
                    self.counters["ws_bad"] += 1
                    continue
                try:
                    command = json.loads(msg.data)
                    path = str(command["set"]) if "set" in command else f"/sala/{command['do']}"
                    args = (command["value"],) if "set" in command else ()
                except (ValueError, KeyError, TypeError):
                    self.counters["ws_bad"] += 1
                    continue
                error = self.surface.request(path, args, f"operator {request.remote}", time.monotonic())
                if error:
                    self.counters["ws_bad"] += 1
                    await ws.send_str(json.dumps({"error": error}))
                else:
                    self.counters["sets"] += 1
        finally:
            self._operators.discard(ws)
        return ws

    async def _push_operators(self) -> None:
        while True:
            await asyncio.sleep(0.25)
            if not self._operators:
                continue
            self.last_operator_seen = time.monotonic()
            text = json.dumps(self.operator_state())
            for ws in list(self._operators):
                try:
                    await ws.send_str(text)
                except (ConnectionError, RuntimeError):
                    self._operators.discard(ws)
