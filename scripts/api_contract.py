#!/usr/bin/env python3
"""Runs schemathesis against the API's own OpenAPI document, once per role.

Usage (CI runs it after the test suite, with the suite's build):
    python3 scripts/api_contract.py target/debug/suyuan [--examples 10]

A small organization is made with the command line (a province with two
districts, a branch; an admin of each level, a member, a site manager),
the server is started on a temporary SQLite directory, every person signs
in and chooses their own password, and schemathesis then calls every
operation with a visitor's requests and with each person's token. The
checks are those the contract asks for: no 5xx, no status the document
does not name, and no response (status, content type, headers, body)
that contradicts it. Signing out and changing the password are left out
of the runs (they would end or change the token the run uses); the suite
tests both. Exits non-zero on any failure, printing schemathesis's
report.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request

FIRST = "first-Password-1"
CHOSEN = "Suyuan-contract-2026"
CHECKS = ",".join([
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
])
# Each person: sign-in name, and what they are.
PEOPLE = [
    ("zj-admin", "the province's admin"),
    ("xh-admin", "a district's admin"),
    ("ca-admin", "another district's admin"),
    ("b1-admin", "a branch's admin"),
    ("b1-member", "a member"),
    ("b1-sites", "a site manager"),
]
ROSTER = """姓名,编号,单位,手机,角色
江淳安,ca-admin,zj-ca,,管理员
程支部,b1-admin,zj-xh-b1,,管理员
陈党员,b1-member,zj-xh-b1,,党员
吴馆长,b1-sites,zj-xh-b1,,教学点管理员
"""


def run(binary, data, *args):
    subprocess.run([binary, *args, "--data-dir", data], check=True,
                   stdout=subprocess.DEVNULL, env={**os.environ, "SUYUAN_DATABASE_URL": ""})


def call(base, method, path, body=None, token=None):
    request = urllib.request.Request(base + path, method=method,
                                     data=json.dumps(body).encode() if body is not None else None)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(request) as response:
            text = response.read().decode()
            return response.status, json.loads(text) if text else None
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def token(base, login):
    status, answer = call(base, "POST", "/api/v1/auth/login", {"login": login, "password": FIRST})
    assert status == 200, (login, status, answer)
    first = answer["token"]
    status, answer = call(base, "POST", "/api/v1/auth/password",
                          {"current_password": FIRST, "new_password": CHOSEN}, first)
    assert status == 204, (login, status, answer)
    status, answer = call(base, "POST", "/api/v1/auth/login", {"login": login, "password": CHOSEN})
    assert status == 200, (login, status, answer)
    return answer["token"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("binary")
    parser.add_argument("--examples", type=int, default=10)
    arguments = parser.parse_args()
    binary = os.path.abspath(arguments.binary)
    work = tempfile.mkdtemp(prefix="suyuan-contract-")
    data = os.path.join(work, "data")
    run(binary, data, "unit", "create", "--code", "zj", "--name", "浙江省", "--kind", "province")
    run(binary, data, "unit", "create", "--code", "zj-xh", "--name", "西湖区", "--kind", "district", "--parent", "zj")
    run(binary, data, "unit", "create", "--code", "zj-ca", "--name", "淳安县", "--kind", "county", "--parent", "zj")
    run(binary, data, "unit", "create", "--code", "zj-xh-b1", "--name", "第一党支部", "--kind", "branch", "--parent", "zj-xh")
    run(binary, data, "admin", "create", "--unit", "zj", "--number", "zj-admin", "--name", "周建国", "--password", FIRST)
    run(binary, data, "admin", "create", "--unit", "zj-xh", "--number", "xh-admin", "--name", "沈丽华", "--password", FIRST)
    roster = os.path.join(work, "roster.csv")
    with open(roster, "w", encoding="utf-8") as file:
        file.write(ROSTER)
    run(binary, data, "import", "members", roster, "--initial-password", FIRST)

    server = subprocess.Popen([binary, "serve", "--listen", "127.0.0.1:0", "--api-pace", "0", "--data-dir", data],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                              env={**os.environ, "SUYUAN_DATABASE_URL": ""})
    base = None
    for line in server.stdout:
        found = re.search(r"http://([0-9.:]+)", line)
        if found:
            base = "http://" + found.group(1)
            break
    assert base, "the server printed no address"
    failed = []
    try:
        runs = [("a visitor", None)] + [(who, token(base, login)) for login, who in PEOPLE]
        for who, bearer in runs:
            command = ["schemathesis", "run", base + "/api/v1/openapi.json",
                       "--checks", CHECKS, "--max-examples", str(arguments.examples),
                       "--exclude-path", "/api/v1/auth/logout",
                       "--exclude-path", "/api/v1/auth/password",
                       "--seed", "2026", "--workers", "2", "--no-shrink"]
            if bearer:
                command += ["-H", "Authorization: Bearer " + bearer]
            # schemathesis keeps its examples' database in the working
            # directory: a temporary one, not the checkout.
            # A failed check, or a connection the server dropped, fails the
            # contract. An error inside schemathesis itself (its generator
            # sometimes crashes on a schema, a bug of its own) leaves an
            # operation unchecked: that caller's run is made once more,
            # and an error that stays is shown, not counted.
            for attempt in (1, 2):
                done = subprocess.run(command, cwd=work, capture_output=True, text=True)
                report = done.stdout
                cases = re.search(r"(\d+) generated", report)
                broken = cases is None or "Failures:" in report or "Network Error" in report
                tool_errors = "Runtime Error" in report
                if broken or not tool_errors:
                    break
            print(f"schemathesis as {who}: {cases.group(1) if cases else 'no'} cases, "
                  f"{'FAILED' if broken else 'passed'}"
                  f"{' (run twice: schemathesis itself erred on an operation)' if attempt == 2 else ''}"
                  f"{' (and erred again)' if tool_errors and attempt == 2 else ''}")
            if broken:
                failed.append(who)
                print(report[-8000:], file=sys.stderr)
    finally:
        server.kill()
        server.wait()
    if failed:
        sys.exit(f"schemathesis found responses that contradict the document, as: {', '.join(failed)}")


if __name__ == "__main__":
    main()
