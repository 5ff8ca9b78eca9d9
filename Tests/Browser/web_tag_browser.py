#!/usr/bin/env python3
"""The example publisher page (examples/web/index.html) in headless Chromium against a
running adserver: the web tag fills both slots from POST /v1/ads (a cross-origin call),
each impression is recorded once as its ad renders, the slot in view becomes viewable,
and the slot far below only once the page is read down to it for a second.

Exit 0 when every step held; otherwise a message naming the step, and exit 1.
"""
import argparse
import json
import sys
import time
import urllib.request

from browser_support import TEST_USER_AGENT, checker, serve, start_chromium
from selenium.webdriver.common.by import By


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

    site = serve(page)
    driver = start_chromium(TEST_USER_AGENT)

    check = checker(driver, lambda: str(driver.get_log("browser")) if hasattr(driver, "get_log") else "")

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

    driver.get(site)
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
