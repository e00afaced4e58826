"""A second Ableton Link peer in its own process (as Live or Max would be). It joins the session,
waits for the show, sets a tempo, reports the tempo it then sees, and prints the beat it sees at
given engine-clock instants, as JSON lines."""

from __future__ import annotations

import asyncio
import json
import sys
import time

from aalink import Link


async def main(tempo: float, wait_for: float) -> None:
    link = Link(120.0)
    link.quantum = 4.0
    link.enabled = True
    deadline = time.monotonic() + 20
    while link.num_peers < 1 and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    print(json.dumps({"peers": link.num_peers}), flush=True)
    link.tempo = tempo  # this peer changes the tempo of the session
    print(json.dumps({"set": tempo}), flush=True)
    deadline = time.monotonic() + 20
    while abs(link.tempo - wait_for) > 0.01 and time.monotonic() < deadline:  # then the show changes it
        await asyncio.sleep(0.05)
    print(json.dumps({"tempo": link.tempo}), flush=True)
    for _ in range(20):
        await link.sync(1)  # on each beat: when this peer sees it, in the shared monotonic clock
        print(json.dumps({"beat": round(link.beat), "t": time.monotonic()}), flush=True)


if __name__ == "__main__":
    asyncio.run(main(float(sys.argv[1]), float(sys.argv[2])))
