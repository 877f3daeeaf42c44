#!/usr/bin/env python3
"""Sets up a fresh ChatMirror for the benchmark through its own admin API.

Two upstream accounts (a pool, both on the mock), limits at all four levels (global, the accounts' plan, the
user's plan, the user's own overrides), one user with a personal API key, and signed-in web sessions with one
conversation each. Prints JSON: {"api_key", "cookie", "csrf", "conversations": [...]}.
Usage: setup.py BASE_URL ADMIN_PASSWORD MOCK_BASE_URL WEB_CONVERSATIONS
"""
import http.cookiejar
import json
import sys
import urllib.request

base, admin_password, mock_url, conversations = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
HIGH = 1_000_000_000  # limits that count every admission but never refuse during the run


class Client:
    def __init__(self):
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.csrf = None

    def call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(base + path, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if self.csrf:
            request.add_header("X-CSRF-Token", self.csrf)
        with self.opener.open(request, timeout=30) as response:
            text = response.read()
            return json.loads(text) if text else None

    def login(self, username, password):
        answer = self.call("POST", "/api/auth/login", {"username": username, "password": password})
        self.csrf = answer["csrf"]

    def cookie(self):
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)


admin = Client()
admin.login("admin", admin_password)
accounts = [
    admin.call("POST", "/api/admin/accounts", {
        "name": f"mock-{n}", "base_url": mock_url, "api_key": f"sk-mock-{n}", "models": ["mock-gpt"]})
    for n in (1, 2)
]
account_plan = admin.call("POST", "/api/admin/plans", {
    "name": "bench-accounts", "limits": [{"window": "day", "max_requests": HIGH, "max_tokens": HIGH}]})
user_plan = admin.call("POST", "/api/admin/plans", {
    "name": "bench-users", "limits": [{"window": "3h", "max_requests": HIGH},
                                      {"window": "month", "max_tokens": HIGH}]})
admin.call("PUT", "/api/admin/limits/global", {"limits": [{"window": "24h", "max_requests": HIGH, "max_tokens": HIGH}]})
for account in accounts:
    admin.call("PUT", f"/api/admin/accounts/{account['id']}/plan", {"plan_id": account_plan["id"]})
user_password = "bench-password-123"
user = admin.call("POST", "/api/admin/users", {"username": "bench", "password": user_password})["user"]
admin.call("PUT", f"/api/admin/users/{user['id']}/plan", {"plan_id": user_plan["id"]})
admin.call("PUT", f"/api/admin/users/{user['id']}/limits", {"limits": [{"window": "hour", "max_requests": HIGH}]})

member = Client()
member.login("bench", user_password)
key = member.call("POST", "/api/me/api-keys", {"name": "bench"})["key"]
quota = member.call("GET", "/api/me/quota")
levels = sorted({limit["level"] for limit in quota["limits"]})
ids = [member.call("POST", "/api/conversations", {"title": f"bench {n}", "model": "mock-gpt"})["id"]
       for n in range(conversations)]
print(json.dumps({"api_key": key, "cookie": member.cookie(), "csrf": member.csrf, "conversations": ids,
                  "user_levels": levels, "accounts": [a["id"] for a in accounts]}))
