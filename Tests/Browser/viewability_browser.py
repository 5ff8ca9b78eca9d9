#!/usr/bin/env python3
"""Measures viewability in headless Chromium (Selenium + chromium-driver) against a
running adserver, with the markup the OpenRTB endpoint answers: three ads on one page,
the first in view, the second below the fold and never scrolled to, the third scrolled
into view for less than a second and away again. Exactly one viewable event must be
recorded, the first ad's, and each ad's impression once.

The browser says it is a desktop Chrome (--user-agent): headless Chromium's own user
agent names HeadlessChrome, which the robot list rightly flags, so its beacons would be
recorded as invalid traffic (docs/counting.md, "Test traffic").

Exit 0 when every step held; otherwise a message naming the step, and exit 1.
"""
import argparse
import json
import time
import urllib.request

from browser_support import TEST_USER_AGENT, checker, serve, start_chromium


def bid(base, request_id):
    """One OpenRTB auction for a 300x250 banner: the winning bid."""
    body = json.dumps({"id": request_id, "imp": [{"id": "1", "tagid": "article", "banner": {"w": 300, "h": 250}}]}).encode()
    request = urllib.request.Request(f"{base}/openrtb2/auction", data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)["seatbid"][0]["bid"][0]


def ledger(base, token):
    request = urllib.request.Request(f"{base}/v1/ledger?after=0&limit=1000", headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)["records"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--billing-token", required=True)
    args = parser.parse_args()
    base = args.url.rstrip("/")

    visible, below, glimpsed = bid(base, "view-1"), bid(base, "view-2"), bid(base, "view-3")
    # A 900-pixel-high window: the first ad at the top, the others far below.
    page = (
        "<!doctype html><html><head><meta charset=utf-8><title>article</title></head><body style=margin:0>"
        f"<div id=top>{visible['adm']}</div>"
        "<div style=height:3000px></div>"
        f"<div id=glimpsed>{glimpsed['adm']}</div>"
        "<div style=height:3000px></div>"
        f"<div id=below>{below['adm']}</div>"
        "<div style=height:1000px></div></body></html>"
    )

    driver = start_chromium(TEST_USER_AGENT)

    check = checker(driver)

    def events(kind, ad):
        return [r for r in ledger(base, args.billing_token) if r["kind"] == kind and r["impression_id"] == ad["id"]]

    def wait_for(condition, seconds):
        deadline = time.time() + seconds
        while time.time() < deadline:
            if condition():
                return True
            time.sleep(0.1)
        return condition()

    driver.get(serve(page))
    check(driver.execute_script("return navigator.userAgent") == TEST_USER_AGENT, "the browser says it is a desktop Chrome")
    check(wait_for(lambda: all(len(events("impression", ad)) == 1 for ad in (visible, below, glimpsed)), 10),
          "each ad's impression recorded once, as it began to render")
    check(wait_for(lambda: len(events("viewable", visible)) == 1, 10), "the ad in view recorded viewable after a second")

    # The third ad: in view for 0.4 s, then away again.
    driver.execute_script("document.getElementById('glimpsed').scrollIntoView({block: 'center'})")
    time.sleep(0.4)
    driver.execute_script("window.scrollTo(0, 0)")
    # Long enough for any timer the glimpse started to have fired, had it not been stopped.
    time.sleep(2.0)
    check(events("viewable", glimpsed) == [], "an ad in view for less than a second is not viewable")
    check(events("viewable", below) == [], "an ad below the fold, never scrolled to, is not viewable")

    # Back to the first ad, out of view and in again: still one viewable event.
    driver.execute_script("window.scrollTo(0, 2000)")
    time.sleep(0.3)
    driver.execute_script("window.scrollTo(0, 0)")
    time.sleep(1.5)
    check(len(events("viewable", visible)) == 1, "an ad is viewable once, however often it comes back into view")
    records = [r for r in ledger(base, args.billing_token) if r["kind"] == "viewable"]
    check(all(r["billed"] and r["reason"] is None for r in records), "the test browser's events are valid traffic")
    driver.quit()
    print("viewability: every step held")


if __name__ == "__main__":
    main()
