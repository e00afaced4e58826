"""An OSCQuery client in its own process, as TouchDesigner or ossia score would be: it discovers the
show by zeroconf (python-oscquery's browser), reads the tree over HTTP, listens to a value over
the websocket, sets a parameter over OSC to the advertised port, and prints what it saw as JSON."""

from __future__ import annotations

import asyncio
import json
import sys
import time

import aiohttp
from pythonosc.udp_client import SimpleUDPClient
from pythonoscquery.osc_query_browser import OSCQueryBrowser
from pythonoscquery.osc_query_client import OSCQueryClient

from runtime.osc.codec import decode_message


def discover(name: str, timeout: float = 30.0):
    """The show's _oscjson._tcp service; the browser is started afresh every few seconds, as a
    client that keeps looking would (an mDNS query can be missed while both ends start)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        browser = OSCQueryBrowser()
        try:
            until = min(deadline, time.monotonic() + 5.0)
            while time.monotonic() < until:
                for svc in browser.get_discovered_oscquery():
                    if svc is not None and svc.name.startswith(name + "."):
                        return svc
                time.sleep(0.2)
        finally:
            browser.zc.close()
    return None


async def main(svc) -> dict:
    report: dict = {"discovered": True}
    client = OSCQueryClient(svc)
    host_info = client.get_host_info()
    report["host_info"] = {"name": host_info.name, "osc_port": host_info.osc_port}
    node = client.query_node("/sala/scenes/pose_space/hold_seconds")
    report["hold_seconds_before"] = node.value
    report["description"] = node.description
    base = f"http://{client._get_ip_str()}:{svc.port}"
    async with aiohttp.ClientSession() as session:
        async with session.get(base + "/") as r:
            tree = await r.json()
        report["scenes"] = sorted(tree["CONTENTS"]["sala"]["CONTENTS"]["scenes"]["CONTENTS"])
        async with session.ws_connect(base + "/") as ws:
            await ws.send_str(json.dumps({"COMMAND": "LISTEN", "DATA": "/sala/scenes/pose_space/hold_seconds"}))
            await asyncio.sleep(0.5)
            osc = SimpleUDPClient(host_info.osc_ip, host_info.osc_port)
            osc.send_message("/sala/scenes/pose_space/hold_seconds", 2.5)  # the node's own address, over OSC
            streamed = []
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and not streamed:
                try:
                    msg = await ws.receive(timeout=deadline - time.monotonic())
                except TimeoutError:
                    break
                if msg.type == aiohttp.WSMsgType.BINARY:
                    streamed.append(decode_message(msg.data))
            report["streamed"] = [[a, list(v)] for a, v in streamed]
        async with session.get(base + "/sala/scenes/pose_space/hold_seconds?VALUE") as r:
            report["hold_seconds_after"] = (await r.json())["VALUE"][0]
        async with session.put(base + "/sala/volume", json={"VALUE": [0.25]}) as r:
            report["http_set"] = r.status
        await asyncio.sleep(1.0)
        async with session.get(base + "/sala/volume?VALUE") as r:
            report["volume_after"] = (await r.json())["VALUE"][0]
    return report


if __name__ == "__main__":
    service = discover(sys.argv[1])  # zeroconf's blocking calls, outside the event loop
    print(json.dumps(asyncio.run(main(service)) if service is not None else {"discovered": False}))
