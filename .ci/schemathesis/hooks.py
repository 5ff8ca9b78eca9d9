"""Constraints of the Vickrey API that JSON Schema cannot state, applied to generated
requests so that a request the document calls valid is one the server must accept.

- Placement ids (native) and imp ids (OpenRTB) must be distinct within a request: JSON
  Schema's uniqueItems compares whole items, not one key of them. The server refuses a
  repeated id with 400 naming it; unit tests cover that refusal.
- An OpenRTB video's `minduration` must not exceed a non-zero `maxduration` (400 naming
  `imp[N].video.minduration`, VideoAndNativeFixtureTests).
- A native placement's `sizes` are banner sizes: with `formats` that leave out banner they
  are refused with 400 naming `placements[N].sizes` (VideoAndNativeTests covers it).
"""
import schemathesis


def _repeats(items, key):
    if not isinstance(items, list):
        return False
    seen = set()
    for item in items:
        if isinstance(item, dict) and isinstance(item.get(key), str):
            if item[key] in seen:
                return True
            seen.add(item[key])
    return False


def _inverted_durations(imps):
    if not isinstance(imps, list):
        return False
    for imp in imps:
        video = imp.get("video") if isinstance(imp, dict) else None
        if not isinstance(video, dict):
            continue
        low, high = video.get("minduration"), video.get("maxduration")
        numbers = (int, float)
        if isinstance(low, numbers) and isinstance(high, numbers) and not isinstance(low, bool) and high > 0:
            # The server rounds a minimum up and a maximum down before comparing them.
            import math
            if math.ceil(low) > math.floor(high):
                return True
    return False


def _sizes_without_banner(placements):
    if not isinstance(placements, list):
        return False
    for placement in placements:
        if not isinstance(placement, dict):
            continue
        formats = placement.get("formats")
        if placement.get("sizes") and isinstance(formats, list) and "banner" not in formats:
            return True
    return False


@schemathesis.hook
def filter_body(context, body):
    if not isinstance(body, dict):
        return True
    if context.operation is None:
        return True
    path = context.operation.path
    if path == "/v1/ads":
        return not _repeats(body.get("placements"), "id") and not _sizes_without_banner(body.get("placements"))
    if path == "/openrtb2/auction":
        return not _repeats(body.get("imp"), "id") and not _inverted_durations(body.get("imp"))
    return True
