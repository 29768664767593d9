#!/usr/bin/env python3
"""Serves the files of a directory over HTTP on 127.0.0.1 for scrape tests.

Usage: fixture_server.py DIR PORT
GET /<name> answers the bytes of DIR/<name> verbatim. Names ending in .om are served as
application/openmetrics-text; version=1.0.0, all others as text/plain; version=0.0.4.
"""
import http.server
import os
import sys

ROOT = sys.argv[1]


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        name = os.path.basename(self.path.split("?")[0])
        path = os.path.join(ROOT, name)
        try:
            with open(path, "rb") as f:
                body = f.read()
        except OSError:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if name.endswith(".om"):
            ctype = "application/openmetrics-text; version=1.0.0; charset=utf-8"
        else:
            ctype = "text/plain; version=0.0.4; charset=utf-8"
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[2])), Handler).serve_forever()
