#!/usr/bin/python3
# The Python side of the interop tests of @channels-ts/layer-redis: drives the real channels_redis.
"""
py_layer_probe.py - drive the REAL channels_redis RedisChannelLayer from the
command line, so a TypeScript channel layer can be checked against it on a
shared Redis.

Run it with the Debian interpreter (/usr/bin/python3), which has the packages
python3-channels-redis (4.0.0), python3-django-channels, python3-redis and
python3-msgpack. It works unchanged with pip-installed channels_redis 4.1-4.3.

Usage:
  py_layer_probe.py [options] COMMAND ARGS...

Options (before the command):
  --url URL            Redis URL; repeat for a sharded layer (several hosts).
                       Default: redis://127.0.0.1:6379
  --prefix P           key prefix (default "asgi")
  --expiry N           message expiry seconds (default 60)
  --group-expiry N     group membership expiry seconds (default 86400)
  --capacity N         default channel capacity (default 100)
  --key K              symmetric_encryption_keys entry; repeat to add more
                       (the first one encrypts). Needs python3-cryptography.
  --pubsub             use channels_redis.pubsub.RedisPubSubChannelLayer
                       instead (PUBLISH/SUBSCRIBE; only send, group-send,
                       receive, new-channel, serialize, deserialize work).

Commands:
  send CHANNEL JSON            layer.send(CHANNEL, JSON-object)
  group-send GROUP JSON        layer.group_send(GROUP, JSON-object)
  group-add GROUP CHANNEL      layer.group_add(GROUP, CHANNEL)
  group-discard GROUP CHANNEL  layer.group_discard(GROUP, CHANNEL)
  receive CHANNEL [TIMEOUT]    layer.receive(CHANNEL); prints the message as
                               one JSON line. TIMEOUT seconds (default 10).
                               A process-local name ("x.PREFIX!LOCAL") can be
                               received because the probe adopts PREFIX as its
                               own client prefix (see note below).
  new-channel [TIMEOUT [GROUP...]]
                               prints a new process-local channel name (first
                               stdout line, flushed) after group_add-ing it to
                               every GROUP given, then waits for ONE message
                               on it and prints it as a JSON line (TIMEOUT
                               default 30 s).
  peek CHANNEL                 non-destructive: ZRANGE the channel's sorted
                               set and print every stored message (decoded,
                               *including* __asgi_channel__), score and hex.
  serialize JSON               print hex of layer.serialize(JSON-object)
                               (12 random prefix bytes + msgpack [+ Fernet]).
  deserialize HEX              print layer.deserialize(bytes.fromhex(HEX)).
  hash NAME RING_SIZE          print channels_redis.utils._consistent_hash.
  flush                        layer.flush(): DEL every key matching prefix*.

Exit status: 0 ok, 2 timeout, 3 ChannelFull, 1 other error.

JSON <-> msgpack: msgpack bin (Python bytes) has no JSON form, so the probe
writes bytes as {"__bytes_b64__": "<base64>"} and accepts the same form on
input. Everything else maps 1:1 (str, int, float, bool, null, list, object).

Note on receiving process-local channels: channels_redis asserts that
receive("x.P!L") is only called by the layer whose client_prefix is P
(core.py: assert real_channel.endswith(self.client_prefix + "!")). The probe
sets layer.client_prefix to everything before the "!" so it can stand in for
that process. Do not run it against a prefix a live process is reading: the
two readers would compete for the same sorted set.
"""
import argparse
import asyncio
import base64
import binascii
import json
import sys

try:
    from channels_redis.core import RedisChannelLayer
    from channels_redis.utils import _consistent_hash
    from channels.exceptions import ChannelFull
except ImportError as exc:  # pragma: no cover
    sys.stderr.write(
        "cannot import channels_redis (%s); run with /usr/bin/python3 after "
        "apt-get install python3-channels-redis python3-django-channels\n" % exc
    )
    sys.exit(1)

BYTES_TAG = "__bytes_b64__"


def to_wire(obj):
    """JSON value -> value for the channel layer (restores bytes)."""
    if isinstance(obj, dict):
        if set(obj.keys()) == {BYTES_TAG}:
            return base64.b64decode(obj[BYTES_TAG])
        return {k: to_wire(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [to_wire(v) for v in obj]
    return obj


def from_wire(obj):
    """channel layer value -> JSON-able value."""
    if isinstance(obj, (bytes, bytearray)):
        return {BYTES_TAG: base64.b64encode(bytes(obj)).decode("ascii")}
    if isinstance(obj, dict):
        return {
            (k.decode("utf8", "backslashreplace") if isinstance(k, bytes) else k):
            from_wire(v)
            for k, v in obj.items()
        }
    if isinstance(obj, (list, tuple)):
        return [from_wire(v) for v in obj]
    return obj


def dump(obj):
    sys.stdout.write(json.dumps(from_wire(obj), sort_keys=True) + "\n")
    sys.stdout.flush()


def parse_message(text):
    msg = to_wire(json.loads(text))
    if not isinstance(msg, dict):
        raise SystemExit("message must be a JSON object")
    return msg


def make_layer(args):
    if args.pubsub:
        from channels_redis.pubsub import RedisPubSubChannelLayer

        kwargs = dict(hosts=args.url or ["redis://127.0.0.1:6379"], prefix=args.prefix)
        if args.key:
            # honoured by channels_redis >= 4.2.1 only (4.0.0 ignores it)
            kwargs["symmetric_encryption_keys"] = args.key
        return RedisPubSubChannelLayer(**kwargs)
    kwargs = dict(
        hosts=args.url or ["redis://127.0.0.1:6379"],
        prefix=args.prefix,
        expiry=args.expiry,
        group_expiry=args.group_expiry,
        capacity=args.capacity,
    )
    if args.key:
        kwargs["symmetric_encryption_keys"] = args.key
    return RedisChannelLayer(**kwargs)


async def receive_with_timeout(layer, channel, timeout):
    try:
        return await asyncio.wait_for(layer.receive(channel), timeout)
    except asyncio.TimeoutError:
        return None


async def run(args):
    layer = make_layer(args)
    cmd, rest = args.command, args.args
    try:
        if cmd == "send":
            channel, payload = rest
            await layer.send(channel, parse_message(payload))
            sys.stderr.write("sent to %s\n" % channel)
        elif cmd == "group-send":
            group, payload = rest
            await layer.group_send(group, parse_message(payload))
            sys.stderr.write("group_send to %s\n" % group)
        elif cmd == "group-add":
            group, channel = rest
            await layer.group_add(group, channel)
            sys.stderr.write("added %s to %s\n" % (channel, group))
        elif cmd == "group-discard":
            group, channel = rest
            await layer.group_discard(group, channel)
            sys.stderr.write("discarded %s from %s\n" % (channel, group))
        elif cmd == "receive":
            channel = rest[0]
            timeout = float(rest[1]) if len(rest) > 1 else 10.0
            if "!" in channel and not args.pubsub:
                # Stand in for the process that owns this client prefix.
                layer.client_prefix = channel[: channel.index("!")]
            msg = await receive_with_timeout(layer, channel, timeout)
            if msg is None:
                sys.stderr.write("timeout after %ss on %s\n" % (timeout, channel))
                return 2
            dump(msg)
        elif cmd == "new-channel":
            timeout = float(rest[0]) if rest else 30.0
            channel = await layer.new_channel()
            for group in rest[1:]:
                await layer.group_add(group, channel)
            sys.stdout.write(channel + "\n")
            sys.stdout.flush()
            msg = await receive_with_timeout(layer, channel, timeout)
            if msg is None:
                sys.stderr.write("timeout after %ss on %s\n" % (timeout, channel))
                return 2
            dump(msg)
        elif cmd == "peek":
            channel = rest[0]
            non_local = layer.non_local_name(channel)
            key = layer.prefix + non_local
            if "!" in channel:
                index = layer.consistent_hash(non_local)
                indexes = [index]
            else:  # plain channels are spread round-robin: look everywhere
                indexes = range(layer.ring_size)
            for index in indexes:
                conn = layer.connection(index)
                for member, score in await conn.zrange(key, 0, -1, withscores=True):
                    out = {
                        "host_index": index,
                        "key": key,
                        "score": score,
                        "hex": member.hex(),
                    }
                    try:
                        out["message"] = from_wire(layer.deserialize(member))
                    except Exception as exc:  # wrong key, foreign format...
                        out["decode_error"] = "%s: %s" % (type(exc).__name__, exc)
                    sys.stdout.write(json.dumps(out, sort_keys=True) + "\n")
            sys.stdout.flush()
        elif cmd == "serialize":
            sys.stdout.write(layer.serialize(parse_message(rest[0])).hex() + "\n")
        elif cmd == "deserialize":
            dump(layer.deserialize(binascii.unhexlify(rest[0])))
        elif cmd == "hash":
            name, ring = rest
            sys.stdout.write("%d\n" % _consistent_hash(name, int(ring)))
        elif cmd == "flush":
            await layer.flush()
            sys.stderr.write("flushed %s*\n" % layer.prefix)
        else:
            sys.stderr.write("unknown command %r\n" % cmd)
            return 1
    except ChannelFull:
        sys.stderr.write("ChannelFull\n")
        return 3
    except ValueError as exc:
        sys.stderr.write("bad arguments for %s: %s\n" % (cmd, exc))
        return 1
    except Exception as exc:  # e.g. cryptography InvalidToken, ConnectionError
        sys.stderr.write("error in %s: %s: %s\n" % (cmd, type(exc).__name__, exc))
        return 1
    finally:
        try:
            if args.pubsub:
                await layer.flush()  # pubsub flush = unsubscribe + close
            else:
                await layer.close_pools()
        except Exception:  # noqa - best effort
            pass
    return 0


def main(argv=None):
    p = argparse.ArgumentParser(
        description="Drive the real channels_redis RedisChannelLayer.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split("Commands:", 1)[1],
    )
    p.add_argument("--url", action="append", help="redis URL (repeat to shard)")
    p.add_argument("--prefix", default="asgi")
    p.add_argument("--expiry", type=int, default=60)
    p.add_argument("--group-expiry", type=int, default=86400)
    p.add_argument("--capacity", type=int, default=100)
    p.add_argument("--key", action="append", help="symmetric encryption key")
    p.add_argument("--pubsub", action="store_true", help="use RedisPubSubChannelLayer")
    p.add_argument("command")
    p.add_argument("args", nargs="*")
    args = p.parse_args(argv)
    return asyncio.run(run(args))


if __name__ == "__main__":
    sys.exit(main())
