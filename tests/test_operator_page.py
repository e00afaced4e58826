"""The operator page in a real headless Chromium (Debian's), driven over its DevTools protocol while
the show runs: it loads and goes live, a moved control changes the parameter in the show, a clicked
button switches the scene, the camera turns red when its file goes and green when it returns.
Screenshots at desktop and phone width are kept in out/test-artifacts/."""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import aiohttp
import pytest

from runtime.app import App, RunOptions
from runtime.config import load
from tests.conftest import free_port
from tests.test_cameras import make_video

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "out" / "test-artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


class Browser:
    """One page of a headless Chromium, spoken to over the DevTools protocol (CDP)."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.ids = itertools.count(1)

    async def call(self, method: str, **params) -> dict:
        n = next(self.ids)
        await self.ws.send_str(json.dumps({"id": n, "method": method, "params": params}))
        while True:
            msg = json.loads((await self.ws.receive(timeout=30)).data)
            if msg.get("id") == n:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})

    async def js(self, expression: str):
        result = await self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise AssertionError(f"{expression}: {result['exceptionDetails'].get('exception', {}).get('description')}")
        return result.get("result", {}).get("value")

    async def until(self, expression: str, timeout: float = 20.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                value = await self.js(expression)
            except AssertionError:  # the page is still loading
                value = None
            if value:
                return value
            await asyncio.sleep(0.1)
        error = await self.js("document.getElementById('error') && document.getElementById('error').textContent")
        raise AssertionError(f"never true in the page: {expression} (page says: {error!r})")

    async def click(self, selector: str) -> None:
        """A real mouse click in the middle of the element."""
        box = await self.js(f"(() => {{ const r = document.querySelector({selector!r}).getBoundingClientRect();"
                            " return [r.x + r.width / 2, r.y + r.height / 2]; })()")
        for kind in ("mousePressed", "mouseReleased"):
            await self.call("Input.dispatchMouseEvent", type=kind, x=box[0], y=box[1], button="left", clickCount=1)

    async def screenshot(self, path: Path, width: int, height: int, mobile: bool) -> None:
        await self.call("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1,
                        mobile=mobile)
        await asyncio.sleep(0.5)
        shot = await self.call("Page.captureScreenshot", format="png", captureBeyondViewport=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(shot["data"]))


@pytest.mark.skipif(CHROMIUM is None, reason="chromium (Debian package) is not installed")
def test_the_operator_page_in_a_real_browser(display, tmp_path):
    video = make_video(tmp_path / "cam.mp4")
    backup = tmp_path / "backup.mp4"
    shutil.copy(video, backup)
    cfg = load(None, ['window.mode="headless"', 'show.scene="pose_space"', f'cameras.main.spec="video:{video}"',
                      'audio.backend="none"', "microphone.enabled=false", f"osc.control_port={free_port()}",
                      "remote.port=0", "remote.zeroconf=false", "cameras.main.stall_seconds=0.5",
                      "cameras.main.retry_min=0.2", "cameras.main.retry_max=0.5"])
    app = App(cfg, RunOptions(), display=display)
    app.setup()
    debug_port = free_port()
    profile = tempfile.mkdtemp(prefix="sala-chromium-")
    browser = subprocess.Popen([CHROMIUM, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                                f"--user-data-dir={profile}", f"--remote-debugging-port={debug_port}",
                                "--window-size=1280,900", "about:blank"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    done = asyncio.Event()
    seen: dict = {}

    async def run_show() -> None:
        while not done.is_set():
            app.step(1 / 30)
            await asyncio.sleep(1 / 60)

    async def scenario() -> None:
        try:
            async with aiohttp.ClientSession() as session:
                pages = []
                for _ in range(100):  # the browser starts
                    try:
                        async with session.get(f"http://127.0.0.1:{debug_port}/json/list") as r:
                            pages = [p for p in await r.json() if p["type"] == "page"]
                        if pages:
                            break
                    except aiohttp.ClientError:
                        pass
                    await asyncio.sleep(0.2)
                async with session.ws_connect(pages[0]["webSocketDebuggerUrl"], max_msg_size=0) as ws:
                    page = Browser(ws)
                    await page.call("Page.enable")
                    await page.call("Page.navigate", url=f"http://127.0.0.1:{app.remote.port}/operator")
                    await page.until("document.getElementById('connection').textContent === 'live'")
                    seen["scene shown"] = await page.until("document.getElementById('scene').textContent")
                    # A control moved in the page changes the parameter in the show.
                    await page.until("!!document.getElementById('param:/sala/scenes/pose_space/camera')")
                    await page.js("(() => { const el = document.getElementById('param:/sala/scenes/pose_space/camera');"
                                  " el.value = 'silhouette'; el.dispatchEvent(new Event('change')); })()")
                    await wait(lambda: app.scenes.get("pose_space").values["camera"] == "silhouette")
                    await page.js("(() => { const el = document.getElementById("
                                  "'param:/sala/scenes/pose_space/hold_seconds'); el.value = 3;"
                                  " el.dispatchEvent(new Event('input')); })()")
                    await wait(lambda: abs(app.scenes.get("pose_space").values["hold_seconds"] - 3.0) < 0.06)
                    # The camera's health: red when its file goes, green when it comes back.
                    await page.until("document.getElementById('device:camera').className === 'ok'")
                    video.unlink()
                    await page.until("document.getElementById('device:camera').className === 'bad'", 30)
                    seen["lost"] = await page.js("document.getElementById('device:camera').textContent")
                    shutil.copy(backup, video)
                    await page.until("document.getElementById('device:camera').className === 'ok'", 30)
                    # The output and the camera as pictures.
                    await page.until("document.querySelectorAll('.thumbs img').length >= 2")
                    await page.until("[...document.querySelectorAll('.thumbs img')].every(i => i.naturalWidth > 0)")
                    await page.screenshot(ARTIFACTS / "operator-desktop.png", 1280, 900, False)
                    await page.screenshot(ARTIFACTS / "operator-phone.png", 390, 844, True)
                    seen["phone overflow"] = await page.js("document.documentElement.scrollWidth - innerWidth")
                    # A real click on "next ▶" switches the scene.
                    before = app.scenes.current.name
                    await page.click("#next")
                    await wait(lambda: app.scenes.current.name != before)
                    seen["after next"] = app.scenes.current.name
        finally:
            done.set()

    async def wait(cond, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while not cond():
            assert time.monotonic() < deadline, "the show did not follow the page"
            await asyncio.sleep(0.05)

    async def both() -> None:
        await asyncio.gather(run_show(), scenario())

    try:
        asyncio.run(both())
    finally:
        browser.terminate()
        browser.wait(timeout=10)
        shutil.rmtree(profile, ignore_errors=True)
        app.shutdown()
    assert seen["scene shown"] == "pose_space"
    assert seen["lost"].startswith("camera: lost")
    assert seen["phone overflow"] <= 0  # nothing wider than a phone: no sideways scrolling
    assert seen["after next"] != "pose_space"
    assert (ARTIFACTS / "operator-desktop.png").stat().st_size > 10_000
    assert (ARTIFACTS / "operator-phone.png").stat().st_size > 5_000
