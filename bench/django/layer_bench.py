"""Django Channels' layers alone, no server: the loops of ../src/layers/throughput.ts, in asyncio.

python3 layer_bench.py memory '<json sizes>'  |  python3 layer_bench.py redis '<json sizes>' redis://…
Prints `RESULT {json}`.
"""

import asyncio
import json
import random
import string
import sys
import time

MESSAGE = {"type": "chat.message", "message": "a short chat line, about forty bytes"}


async def send_receive(layer, sizes, ms):
    end = time.perf_counter() + ms / 1000
    per_worker = -(-sizes["maxMessages"] // sizes["channels"])
    total = 0
    start = time.perf_counter()

    async def worker(index):
        nonlocal total
        # Plain channel names, as on the Node side: every message crosses the backend.
        channel = f"bench.send-receive.{random.randrange(1 << 30)}.{index}"
        done = 0
        while done < per_worker and time.perf_counter() < end:
            for _ in range(sizes["batch"]):
                await layer.send(channel, MESSAGE)
            for _ in range(sizes["batch"]):
                await layer.receive(channel)
            total += sizes["batch"]
            done += sizes["batch"]

    await asyncio.gather(*(worker(index) for index in range(sizes["channels"])))
    return total / (time.perf_counter() - start)


async def group_send(layer, sizes, ms):
    group = "bench_group_" + "".join(random.choices(string.ascii_lowercase, k=6))
    members = [await layer.new_channel() for _ in range(sizes["groupSize"])]
    for channel in members:
        await layer.group_add(group, channel)
    end = time.perf_counter() + ms / 1000
    deliveries = 0
    start = time.perf_counter()

    async def drain(channel):
        for _ in range(sizes["groupBatch"]):
            await layer.receive(channel)

    while time.perf_counter() < end and deliveries < sizes["maxMessages"]:
        for _ in range(sizes["groupBatch"]):
            await layer.group_send(group, MESSAGE)
        await asyncio.gather(*(drain(channel) for channel in members))
        deliveries += sizes["groupBatch"] * len(members)
    for channel in members:
        await layer.group_discard(group, channel)
    return deliveries / (time.perf_counter() - start)


async def main():
    kind, sizes_json = sys.argv[1], sys.argv[2]
    sizes = json.loads(sizes_json)
    if kind == "redis":
        from channels_redis.core import RedisChannelLayer

        layer = RedisChannelLayer(hosts=[sys.argv[3]])
    else:
        from channels.layers import InMemoryChannelLayer

        layer = InMemoryChannelLayer()
    await send_receive(layer, sizes, sizes["maxMs"] / 5)
    send_receive_rate = await send_receive(layer, sizes, sizes["maxMs"])
    await group_send(layer, sizes, sizes["maxMs"] / 5)
    group_rate = await group_send(layer, sizes, sizes["maxMs"])
    if hasattr(layer, "close_pools"):
        await layer.close_pools()
    print("RESULT " + json.dumps({"sendReceivePerSecond": send_receive_rate, "groupDeliveriesPerSecond": group_rate}))


asyncio.run(main())
