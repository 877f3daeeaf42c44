#!/usr/bin/env python3
"""A soak of the web path: web turns one after another (cookie + CSRF, each answer streamed to its end and saved),
with the server's RSS sampled as it goes. Prints one JSON line per sample and a summary line:
{"label": "test=soak_web ...", "turns", "rss_kib_first", "rss_kib_last", "bytes_per_turn"} where bytes_per_turn is
the slope of RSS over the second half of the run (after warm-up), so a leak shows as a steady positive number and a
flat line as about 0.

Usage: web_soak.py BASE_URL COOKIE CSRF PID --seconds S [--conversations N] [--new-conversation-every K]
Turns rotate over N conversations; every K turns a fresh conversation replaces the oldest (deleting it), so the
run covers creating and deleting conversations too, as people do.
"""
import argparse
import http.client
import json
import time
import urllib.parse


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class Web:
    def __init__(self, base, cookie, csrf):
        url = urllib.parse.urlparse(base)
        self.host, self.port = url.hostname, url.port
        self.headers = {"Cookie": cookie, "X-CSRF-Token": csrf, "Content-Type": "application/json"}
        self.connection = http.client.HTTPConnection(self.host, self.port, timeout=60)

    def call(self, method, path, body=None):
        for attempt in (1, 2):
            try:
                self.connection.request(method, path, body=None if body is None else json.dumps(body),
                                        headers=self.headers)
                response = self.connection.getresponse()
                return response.status, response.read()
            except (http.client.HTTPException, ConnectionError):
                self.connection.close()
                self.connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def turn(self, conversation, content):
        status, body = self.call("POST", f"/api/conversations/{conversation}/messages", {"content": content})
        text = body.decode("utf-8", "replace")
        return status == 200 and "event: done" in text


def slope(points):
    n = len(points)
    if n < 2:
        return 0.0
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    denominator = sum((x - mean_x) ** 2 for x, _ in points)
    return 0.0 if denominator == 0 else sum((x - mean_x) * (y - mean_y) for x, y in points) / denominator


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("base")
    parser.add_argument("cookie")
    parser.add_argument("csrf")
    parser.add_argument("pid", type=int)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--conversations", type=int, default=4)
    parser.add_argument("--new-conversation-every", type=int, default=50)
    parser.add_argument("--sample-every", type=int, default=100)
    parser.add_argument("--label", default="test=soak_web target=chatmirror")
    args = parser.parse_args()

    web = Web(args.base, args.cookie, args.csrf)

    def new_conversation():
        status, body = web.call("POST", "/api/conversations", {"title": "soak", "model": "mock-gpt"})
        assert status in (200, 201), body
        return json.loads(body)["id"]

    conversations = [new_conversation() for _ in range(args.conversations)]
    content = "[[mock:chunks=8]][[mock:delay_ms=0]] " + "soak " * 40
    samples = [(0, rss_kib(args.pid))]
    turns = failed = 0
    deadline = time.monotonic() + args.seconds
    while time.monotonic() < deadline:
        if not web.turn(conversations[turns % len(conversations)], content):
            failed += 1
        turns += 1
        if turns % args.new_conversation_every == 0:
            web.call("DELETE", f"/api/conversations/{conversations.pop(0)}")
            conversations.append(new_conversation())
        if turns % args.sample_every == 0:
            samples.append((turns, rss_kib(args.pid)))
            print(json.dumps({"label": args.label + " sample", "turns": turns, "rss_kib": samples[-1][1]}), flush=True)
    later = samples[len(samples) // 2:]
    print(json.dumps({
        "label": args.label, "turns": turns, "failed": failed, "rss_kib_first": samples[0][1],
        "rss_kib_last": samples[-1][1], "bytes_per_turn": round(slope(later) * 1024, 1),
    }), flush=True)


if __name__ == "__main__":
    main()
