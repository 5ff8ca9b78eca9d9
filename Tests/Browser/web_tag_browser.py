#!/usr/bin/env python3
"""The example publisher page (examples/web/index.html) in headless Chromium against a
running adserver: the web tag fills both slots from POST /v1/ads (a cross-origin call),
each impression is recorded once as its ad renders, the slot in view becomes viewable,
and the slot far below only once the page is read down to it for a second.

Exit 0 when every step held; otherwise a message naming the step, and exit 1.
"""
import argparse
import http.server
import json
import os
import sys
import threading
import time
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

TEST_USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--billing-token", required=True)
    parser.add_argument("--page", required=True)
    args = parser.parse_args()
    base = args.url.rstrip("/")
    # The page as shipped, pointed at the server under test.
    page = open(args.page, encoding="utf-8").read().replace("http://127.0.0.1:8080/v1/tag.js", f"{base}/v1/tag.js")
    if f"{base}/v1/tag.js" not in page:
        print("FAILED: the example page no longer loads the tag from http://127.0.0.1:8080/v1/tag.js", file=sys.stderr)
        sys.exit(1)

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            data = page.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    site = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=site.serve_forever, daemon=True).start()

    options = Options()
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,900", "--disable-gpu",
                 f"--user-agent={TEST_USER_AGENT}"):
        options.add_argument(flag)
    options.binary_location = "/usr/bin/chromium"
    for attempt in range(3):
        try:
            driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
            break
        except Exception as error:  # noqa: BLE001 - reported, then retried
            print(f"chromium did not start (attempt {attempt + 1}): {error}", file=sys.stderr)
            time.sleep(1)
    else:
        sys.exit(1)
    driver.set_page_load_timeout(30)

    def check(condition, step):
        if not condition:
            print(f"FAILED: {step}", file=sys.stderr)
            print(driver.get_log("browser") if hasattr(driver, "get_log") else "", file=sys.stderr)
            driver.quit()
            sys.exit(1)
        print(f"ok: {step}")

    def records():
        request = urllib.request.Request(f"{base}/v1/ledger?after=0&limit=1000",
                                         headers={"Authorization": f"Bearer {args.billing_token}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.load(response)["records"]

    def count(kind, placement):
        return len([r for r in records() if r["kind"] == kind and r["placement_id"] == placement and r["billed"]])

    def wait_for(condition, seconds):
        deadline = time.time() + seconds
        while time.time() < deadline:
            if condition():
                return True
            time.sleep(0.1)
        return condition()

    driver.get(f"http://127.0.0.1:{site.server_address[1]}/")
    filled = lambda: len(driver.find_elements(By.CSS_SELECTOR, "[data-vickrey-campaign] a img")) == 2
    check(wait_for(filled, 10), "the tag filled both slots from another origin")
    check(wait_for(lambda: count("impression", "home_feed") == 1 and count("impression", "sidebar") == 1, 10),
          "each impression recorded once, as its ad rendered")
    check(wait_for(lambda: count("viewable", "home_feed") == 1, 10), "the slot in view became viewable")
    time.sleep(1.5)
    check(count("viewable", "sidebar") == 0, "the slot far below is not viewable before it is read down to")
    driver.execute_script("document.querySelector('[data-vickrey-placement=sidebar]').scrollIntoView({block: 'center'})")
    check(wait_for(lambda: count("viewable", "sidebar") == 1, 10), "read down to, the slot below became viewable")
    check(count("viewable", "home_feed") == 1, "each ad viewable once")
    driver.quit()
    print("web tag: every step held")


if __name__ == "__main__":
    main()
