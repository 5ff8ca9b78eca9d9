"""Constraints of the Vickrey API that JSON Schema cannot state, applied to generated
requests so that a request the document calls valid is one the server must accept.

- Placement ids (native) and imp ids (OpenRTB) must be distinct within a request: JSON
  Schema's uniqueItems compares whole items, not one key of them. The server refuses a
  repeated id with 400 naming it; unit tests cover that refusal.
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
        return not _repeats(body.get("imp"), "id")
    return True
