import Foundation
import VickreyCore
import VickreyWire

/// The OpenAPI 3.1 description of every endpoint, served at `GET /openapi.json`.
///
/// It declares the constraints the server enforces (lengths in characters, patterns,
/// ranges, required and nullable fields), so that what it accepts is what the server
/// accepts. `OperationsTests.realResponsesMatchTheOpenAPIDocument` checks every route's real responses against it, and
/// `.ci/schemathesis.sh` fuzzes a live server with it (see the README).
enum OpenAPIDocument {
    static let json = template.replacingOccurrences(of: "$COUNTRY_PATTERN", with: CountryCodes.pattern)
        .replacingOccurrences(of: "$PRICINGS", with: names(Pricing.allCases.map(\.rawValue)))
        .replacingOccurrences(of: "$BEACON_KINDS", with: names(BeaconKind.allCases.map(\.rawValue)))
        .replacingOccurrences(of: "\"$VIDEO_EVENT_PATHS\": {},", with: videoEventPaths)
        .replacingOccurrences(of: "\"$ADMIN_PATHS\": {},", with: adminPaths)
        .replacingOccurrences(of: "\"$ADMIN_SCHEMAS\": {},", with: adminSchemas)

    /// A video ad's VAST tracking beacons, one path per kind, each answered like the impression beacon.
    private static var videoEventPaths: String {
        let what: [BeaconKind: String] = [
            .start: "the player started the video", .firstQuartile: "a quarter played", .midpoint: "half played",
            .thirdQuartile: "three quarters played", .complete: "played to the end; charges CPCV campaigns",
            .error: "the player failed (VAST Error)",
        ]
        return (BeaconKind.videoEvents + [.error]).map { kind in
            """
            "/v1/beacons/\(kind.rawValue)/{token}": {"get": {
              "summary": "Video event beacon (\(what[kind] ?? kind.rawValue)): the VAST tracking URL, recorded once as its own ledger kind, judged for invalid traffic.",
              "parameters": [{"$ref": "#/components/parameters/Token"}],
              "responses": {
                "200": {"description": "Recorded (or a replay). A transparent 1x1 GIF.", "content": {"image/gif": {"schema": {"type": "string"}}}},
                "400": {"$ref": "#/components/responses/Error"},
                "410": {"$ref": "#/components/responses/Error"},
                "503": {"$ref": "#/components/responses/Error"}}}},
            """
        }.joined(separator: "\n")
    }

    /// A JSON array of the names.
    private static func names(_ values: [String]) -> String { "[" + values.map { "\"\($0)\"" }.joined(separator: ", ") + "]" }

    private static let template = #"""
        {
          "openapi": "3.1.0",
          "info": {"title": "Vickrey ad server", "version": "0.1.0",
                   "description": "Second-price ad auctions over campaigns held in memory. Money is integer micros (1 USD = 1000000)."},
          "paths": {
            "/v1/ads": {"options": {"summary": "CORS preflight: any origin may POST JSON here (no credentials).", "responses": {"204": {"description": "Allowed."}}}, "post": {
              "summary": "Request ads for one or more placements (native API). No key is needed, except to ask for the auction's explanation (debug: true), which takes an admin API key.",
              "security": [{}, {"apiKey": []}],
              "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/AdRequest"}}}},
              "responses": {
                "200": {"description": "One ad per filled placement.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/AdResponse"}}}},
                "400": {"$ref": "#/components/responses/Error"},
                "401": {"description": "debug: true with a key that is not valid.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
                "403": {"description": "debug: true without an admin API key.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
                "413": {"$ref": "#/components/responses/Error"},
                "429": {"$ref": "#/components/responses/Error"}}}},
            "/openrtb2/auction": {"post": {
              "summary": "OpenRTB 2.6 bid request; the bid price is the auction's clearing CPM.",
              "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/BidRequest"}}}},
              "responses": {
                "200": {"description": "A BidResponse with one bid per won impression.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/BidResponse"}}}},
                "204": {"description": "No bid."},
                "400": {"$ref": "#/components/responses/Error"},
                "413": {"$ref": "#/components/responses/Error"}}}},
            "/healthz": {"get": {"summary": "The process is up.",
              "responses": {"200": {"description": "Up.", "content": {"application/json": {"schema": {"type": "object", "required": ["status"], "properties": {"status": {"type": "string", "enum": ["ok"]}}}}}}}}},
            "/readyz": {"get": {"summary": "The campaign index is loaded (503 before); whether the last index refresh reached the database.",
              "responses": {
                "200": {"description": "Ready: ads are served from the index, even while the database is unreachable.", "content": {"application/json": {"schema": {"type": "object", "required": ["status", "campaigns", "revision", "database"],
                  "properties": {"status": {"type": "string", "enum": ["ready"]}, "campaigns": {"type": "integer"}, "revision": {"type": "integer"},
                    "database": {"type": "string", "enum": ["ok", "unreachable"], "description": "unreachable: campaign changes and beacons wait for the database; ads keep serving."}}}}}},
                "503": {"$ref": "#/components/responses/Error"}}}},
            "/metrics": {"get": {"summary": "Prometheus text exposition.",
              "responses": {"200": {"description": "Metrics.", "content": {"text/plain": {"schema": {"type": "string"}}}}}}},
            "/openapi.json": {"get": {"summary": "This document.",
              "responses": {"200": {"description": "OpenAPI 3.1.", "content": {"application/json": {"schema": {"type": "object", "required": ["openapi", "paths"]}}}}}}},
            "/v1/tag.js": {"get": {
              "summary": "The web tag: fills a page's [data-vickrey-placement] slots from POST /v1/ads, fires impressions as ads render and viewable URLs by the MRC rule (docs/counting.md).",
              "responses": {"200": {"description": "JavaScript.", "content": {"application/javascript": {"schema": {"type": "string"}}}}}}},
            "/v1/beacons/impression/{token}": {"get": {
              "summary": "Impression beacon: verifies the token, judges the request (invalid traffic is recorded unbilled), settles the win's reservation and appends a signed ledger record; a replay changes nothing.",
              "parameters": [{"$ref": "#/components/parameters/Token"}],
              "responses": {
                "200": {"description": "Recorded (or a replay). A transparent 1x1 GIF.", "content": {"image/gif": {"schema": {"type": "string"}}}},
                "400": {"$ref": "#/components/responses/Error"},
                "410": {"$ref": "#/components/responses/Error"},
                "503": {"$ref": "#/components/responses/Error"}}}},
            "/v1/beacons/viewable/{token}": {"get": {
              "summary": "Viewable beacon: fired once the ad met the MRC rule (half its pixels in view of a visible page for one continuous second); recorded like an impression, and charges vCPM campaigns.",
              "parameters": [{"$ref": "#/components/parameters/Token"}],
              "responses": {
                "200": {"description": "Recorded (or a replay). A transparent 1x1 GIF.", "content": {"image/gif": {"schema": {"type": "string"}}}},
                "400": {"$ref": "#/components/responses/Error"},
                "410": {"$ref": "#/components/responses/Error"},
                "503": {"$ref": "#/components/responses/Error"}}}},
            "$VIDEO_EVENT_PATHS": {},
            "/v1/beacons/click/{token}": {"get": {
              "summary": "Click beacon: as the impression beacon (charging CPC clicks), then redirects to the creative's click URL.",
              "parameters": [{"$ref": "#/components/parameters/Token"}],
              "responses": {
                "302": {"description": "Recorded (or a replay); Location is the creative's click URL."},
                "400": {"$ref": "#/components/responses/Error"},
                "410": {"$ref": "#/components/responses/Error"},
                "503": {"$ref": "#/components/responses/Error"}}}},
            "/v1/ledger": {"get": {
              "summary": "Signed ledger records of one chain in sequence order after a cursor (billing).",
              "security": [{"billing": []}],
              "parameters": [
                {"name": "server", "in": "query", "schema": {"type": "string", "pattern": "^[A-Za-z0-9._-]{1,64}$"}, "description": "The chain of this fleet server (default: the answering server's own chain)."},
                {"name": "after", "in": "query", "schema": {"type": "integer", "minimum": 0, "maximum": 9223372036854775807}, "description": "Return records with seq > after (default 0)."},
                {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000}, "description": "At most this many (default 100)."}],
              "responses": {
                "200": {"description": "A page of records and the next cursor.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/LedgerPage"}}}},
                "400": {"$ref": "#/components/responses/Error"},
                "401": {"$ref": "#/components/responses/Error"},
                "403": {"$ref": "#/components/responses/Error"},
                "404": {"description": "`server` names no chain of this ledger.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
                "429": {"$ref": "#/components/responses/Error"},
                "503": {"$ref": "#/components/responses/Error"}}}},
            "/v1/ledger/chains": {"get": {
              "summary": "Every ledger chain in the database: its server, last sequence number and head hash (billing).",
              "security": [{"billing": []}],
              "responses": {
                "200": {"description": "The chains.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/LedgerChains"}}}},
                "401": {"$ref": "#/components/responses/Error"},
                "403": {"$ref": "#/components/responses/Error"},
                "429": {"$ref": "#/components/responses/Error"},
                "503": {"$ref": "#/components/responses/Error"}}}},
            "/v1/campaigns/{id}/budget": {"get": {
              "summary": "A campaign's live budget account: spend, open reservations, limits and pacing (billing).",
              "security": [{"billing": []}],
              "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"$ref": "#/components/schemas/ID"}}],
              "responses": {
                "200": {"description": "The account.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Budget"}}}},
                "401": {"$ref": "#/components/responses/Error"},
                "403": {"$ref": "#/components/responses/Error"},
                "404": {"$ref": "#/components/responses/Error"},
                "429": {"$ref": "#/components/responses/Error"},
                "503": {"$ref": "#/components/responses/Error"}}}},
            "$ADMIN_PATHS": {},
            "/.well-known/jwks.json": {"get": {
              "summary": "Every key in the server's key directory (the current signer and every earlier one, so every key that has signed a record) and, in a fleet, every key the other servers registered, as a JWK Set (RFC 8037 OKP/Ed25519).",
              "responses": {"200": {"description": "The keys.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/JWKS"}}}}}}}
          },
          "components": {
            "securitySchemes": {
              "billing": {"type": "http", "scheme": "bearer", "description": "A billing or admin API key (adctl apikey create), or the token configured as ledger.bearerToken."},
              "apiKey": {"type": "http", "scheme": "bearer", "description": "An API key made with adctl apikey create: admin, or advertiser (its own advertiser only)."}},
            "parameters": {
              "Token": {"name": "token", "in": "path", "required": true,
                        "schema": {"type": "string", "minLength": 26, "maxLength": 2048, "pattern": "^[AB][A-Za-z0-9_-]+$"},
                        "description": "The signed beacon token from the ad's URL: unpadded base64url of a payload whose first byte is its version (2, 3 or 4, so the text starts with A or B; docs/beacons.md) and whose last 16 bytes are its MAC. Only tokens this fleet minted verify: any other of this shape is answered 400 invalid_token, an expired one 410."}
            },
            "responses": {
              "Error": {"description": "A client error, naming the field at fault.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
            },
            "schemas": {
              "$ADMIN_SCHEMAS": {},
              "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "object", "required": ["code", "message", "field"],
                "properties": {"code": {"type": "string"}, "message": {"type": "string"}, "field": {"type": ["string", "null"]}}}}},
              "ID": {"type": "string", "pattern": "^[A-Za-z0-9._-]{1,64}$"},
              "SignedID": {"type": "string", "minLength": 1, "maxLength": 128, "pattern": "^[^\\u0000-\\u001F\\u007F-\\u009F\\u061C\\u200E\\u200F\\u202A-\\u202E\\u2066-\\u2069\\u2028\\u2029]+$",
                "description": "Signed into the ledger and shown to billing: no control characters (U+0000 to U+001F, DEL, U+0080 to U+009F), bidirectional controls or line separators."},
              "Keyword": {"type": "string", "minLength": 1, "maxLength": 64, "pattern": "^[^\\u0000-\\u001F\\u007F-\\u009F]+$"},
              "UserID": {"type": "string", "maxLength": 4096, "description": "Any id; one over 128 bytes is used as its SHA-256."},
              "Size": {"type": "string", "pattern": "^([1-9][0-9]{0,3}|10000)x([1-9][0-9]{0,3}|10000)$"},
              "AdRequest": {"type": "object", "additionalProperties": false, "required": ["placements"], "description": "A field this API does not have is refused (400 naming it).", "properties": {
                "request_id": {"oneOf": [{"$ref": "#/components/schemas/SignedID"}, {"type": "null"}]},
                "user": {"type": ["object", "null"], "additionalProperties": false, "properties": {"id": {"oneOf": [{"$ref": "#/components/schemas/UserID"}, {"type": "null"}]}}},
                "device": {"type": ["object", "null"], "additionalProperties": false, "properties": {
                  "type": {"enum": ["mobile", "tablet", "desktop", "ctv", null]},
                  "os": {"enum": ["ios", "android", "windows", "macos", "linux", "other", null]},
                  "ua": {"type": ["string", "null"], "maxLength": 1024, "description": "The device's user agent, when a server asks for it: a known robot gets no ad."},
                  "ip": {"oneOf": [{"type": "string", "format": "ipv4"}, {"type": "string", "format": "ipv6"}, {"type": "null"}],
                    "description": "The device's address, when a server asks for it: one in the excluded ranges gets no ad."}}},
                "geo": {"type": ["object", "null"], "additionalProperties": false, "properties": {"country": {"type": ["string", "null"], "pattern": "$COUNTRY_PATTERN",
                  "description": "ISO 3166-1 alpha-2 (any two letters) or an assigned alpha-3 code, any case."}}},
                "keywords": {"type": ["array", "null"], "maxItems": 32, "items": {"$ref": "#/components/schemas/Keyword"}},
                "privacy": {"type": ["object", "null"], "additionalProperties": false, "description": "The request's privacy signals, as OpenRTB's regs, user.consent and device.lmt carry them (docs/openrtb.md).",
                  "properties": {"gdpr": {"$ref": "#/components/schemas/Flag"}, "coppa": {"$ref": "#/components/schemas/Flag"},
                    "consent": {"$ref": "#/components/schemas/PrivacyString"}, "us_privacy": {"$ref": "#/components/schemas/PrivacyString"},
                    "gpp": {"$ref": "#/components/schemas/PrivacyString"}, "gpp_sid": {"$ref": "#/components/schemas/SectionIDs"},
                    "limit_ad_tracking": {"type": ["boolean", "null"]}}},
                "placements": {"type": "array", "minItems": 1, "maxItems": 16, "uniqueItems": true,
                  "description": "Placement ids must be distinct within a request.",
                  "items": {"type": "object", "additionalProperties": false, "required": ["id"], "properties": {
                    "id": {"$ref": "#/components/schemas/ID"},
                    "sizes": {"type": ["array", "null"], "maxItems": 20, "items": {"$ref": "#/components/schemas/Size"}},
                    "formats": {"type": ["array", "null"], "minItems": 1, "maxItems": 3, "uniqueItems": true, "items": {"enum": ["banner", "video", "native"]},
                      "description": "What the placement accepts (default banner); sizes only with banner. A video ad answers with vast, a native one with native."},
                    "floor_micros": {"type": ["integer", "null"], "minimum": 0, "maximum": 1000000000000},
                    "private_auction": {"type": ["boolean", "null"], "description": "Only the deals compete."},
                    "deals": {"type": ["array", "null"], "maxItems": 100, "items": {"type": "object", "additionalProperties": false, "required": ["id"], "properties": {
                      "id": {"type": "string", "minLength": 1, "maxLength": 128},
                      "floor_micros": {"type": ["integer", "null"], "minimum": 0, "maximum": 1000000000000},
                      "at": {"enum": [1, 2, 3, null]}}}}},
                    "anyOf": [{"properties": {"formats": {"contains": {"const": "banner"}}}}, {"properties": {"sizes": {"maxItems": 0}}}],
                    "description": "Sizes are banner sizes: with formats that leave banner out, sizes must be empty."}},
                "debug": {"type": ["boolean", "null"], "description": "Ask for the auction's explanation (every candidate, score and reason): needs an admin API key."}}},
              "Integer": {"type": "integer", "minimum": -9223372036854775808, "maximum": 9223372036854775807},
              "NonNegative": {"type": ["number", "null"], "minimum": 0},
              "Flag": {"enum": [0, 1, null]},
              "PrivacyString": {"type": ["string", "null"], "maxLength": 4096},
              "SectionIDs": {"type": ["array", "null"], "maxItems": 32, "items": {"type": "integer", "minimum": 0, "maximum": 1000}},
              "Text": {"type": "string", "maxLength": 1024},
              "Keywords": {"type": ["string", "null"], "maxLength": 1024, "description": "Comma-separated."},
              "KeywordArray": {"type": ["array", "null"], "maxItems": 32, "items": {"$ref": "#/components/schemas/Text"}},
              "Geo": {"type": ["object", "null"], "properties": {
                "country": {"type": ["string", "null"], "maxLength": 16, "description": "ISO 3166-1 alpha-3 (or alpha-2); an unknown code counts as none."},
                "accuracy": {"$ref": "#/components/schemas/NonNegative"}}},
              "Distribution": {"type": ["object", "null"], "properties": {
                "keywords": {"$ref": "#/components/schemas/Keywords"}, "kwarray": {"$ref": "#/components/schemas/KeywordArray"},
                "content": {"type": ["object", "null"], "properties": {
                  "keywords": {"$ref": "#/components/schemas/Keywords"}, "kwarray": {"$ref": "#/components/schemas/KeywordArray"}}}}},
              "Dimension": {"type": ["integer", "null"], "minimum": 1, "maximum": 10000},
              "Format": {"type": "object",
                "properties": {"w": {"$ref": "#/components/schemas/Dimension"}, "h": {"$ref": "#/components/schemas/Dimension"},
                  "wratio": {"$ref": "#/components/schemas/NonNegative"}, "hratio": {"$ref": "#/components/schemas/NonNegative"},
                  "wmin": {"$ref": "#/components/schemas/NonNegative"}},
                "anyOf": [{"required": ["w", "h"], "properties": {"w": {"type": "integer"}, "h": {"type": "integer"}}},
                          {"required": ["wratio"]}, {"required": ["hratio"]}, {"required": ["wmin"]}]},
              "Banner": {"type": "object",
                "properties": {"w": {"$ref": "#/components/schemas/Dimension"}, "h": {"$ref": "#/components/schemas/Dimension"},
                  "format": {"type": ["array", "null"], "maxItems": 20, "items": {"$ref": "#/components/schemas/Format"}}},
                "anyOf": [{"required": ["w", "h"], "properties": {"w": {"type": "integer"}, "h": {"type": "integer"}}},
                          {"required": ["format"], "properties": {"format": {"type": "array", "minItems": 1}}}]},
              "Video": {"type": ["object", "null"], "description": "Matched against video creatives by the rules of docs/formats.md; minduration must not exceed a non-zero maxduration.",
                "properties": {
                "w": {"$ref": "#/components/schemas/NonNegative"}, "h": {"$ref": "#/components/schemas/NonNegative"},
                "minbitrate": {"$ref": "#/components/schemas/NonNegative"}, "maxbitrate": {"$ref": "#/components/schemas/NonNegative"},
                "minduration": {"$ref": "#/components/schemas/NonNegative"}, "maxduration": {"$ref": "#/components/schemas/NonNegative"},
                "sequence": {"$ref": "#/components/schemas/NonNegative"}, "skipmin": {"$ref": "#/components/schemas/NonNegative"},
                "skip": {"$ref": "#/components/schemas/Flag"},
                "mimes": {"type": ["array", "null"], "maxItems": 32, "items": {"type": "string", "maxLength": 128}},
                "protocols": {"type": ["array", "null"], "maxItems": 32, "items": {"$ref": "#/components/schemas/Integer"}},
                "protocol": {"oneOf": [{"$ref": "#/components/schemas/Integer"}, {"type": "null"}]},
                "battr": {"type": ["array", "null"], "maxItems": 64, "items": {"$ref": "#/components/schemas/Integer"}}}},
              "Audio": {"type": ["object", "null"], "properties": {
                "minbitrate": {"$ref": "#/components/schemas/NonNegative"}, "maxbitrate": {"$ref": "#/components/schemas/NonNegative"},
                "minduration": {"$ref": "#/components/schemas/NonNegative"}, "maxduration": {"$ref": "#/components/schemas/NonNegative"},
                "sequence": {"$ref": "#/components/schemas/NonNegative"}}},
              "Imp": {"type": "object", "required": ["id"],
                "properties": {
                  "id": {"type": "string", "minLength": 1, "maxLength": 128},
                  "tagid": {"type": ["string", "null"], "maxLength": 1024, "description": "Our placement id."},
                  "banner": {"oneOf": [{"$ref": "#/components/schemas/Banner"}, {"type": "null"}]},
                  "video": {"$ref": "#/components/schemas/Video"},
                  "audio": {"$ref": "#/components/schemas/Audio"},
                  "native": {"description": "Native 1.2: {\"request\": a string holding the request JSON, or the object}. One that is not a Native request leaves the imp's other formats (docs/formats.md)."},
                  "bidfloor": {"type": ["number", "null"], "minimum": 0, "maximum": 1000000000, "description": "CPM in currency units."},
                  "bidfloorcur": {"type": ["string", "null"], "maxLength": 8},
                  "pmp": {"type": ["object", "null"], "properties": {
                    "private_auction": {"$ref": "#/components/schemas/Flag"},
                    "deals": {"type": ["array", "null"], "maxItems": 100, "items": {"type": "object", "required": ["id"],
                      "properties": {"id": {"type": "string", "minLength": 1, "maxLength": 128},
                        "bidfloor": {"type": ["number", "null"], "minimum": 0, "maximum": 1000000000},
                        "bidfloorcur": {"type": ["string", "null"], "maxLength": 8},
                        "at": {"enum": [1, 2, 3, null]},
                        "wseat": {"type": ["array", "null"], "maxItems": 100, "items": {"type": "string", "maxLength": 256}},
                        "wadomain": {"type": ["array", "null"], "maxItems": 100, "items": {"type": "string", "maxLength": 256}}}}}}}},
                "anyOf": [
                  {"required": ["banner"], "properties": {"banner": {"type": "object"}}},
                  {"required": ["video"], "properties": {"video": {"type": "object"}}},
                  {"required": ["audio"], "properties": {"audio": {"type": "object"}}},
                  {"required": ["native"], "properties": {"native": {"not": {"type": "null"}}}}],
                "description": "At least one of banner, video, audio or native."},
              "BidRequest": {"type": "object", "required": ["id", "imp"],
                "properties": {
                  "id": {"$ref": "#/components/schemas/SignedID"},
                  "imp": {"type": "array", "minItems": 1, "maxItems": 16, "uniqueItems": true, "items": {"$ref": "#/components/schemas/Imp"},
                          "description": "Imp ids must be distinct within a request."},
                  "site": {"$ref": "#/components/schemas/Distribution"},
                  "app": {"$ref": "#/components/schemas/Distribution"},
                  "dooh": {"$ref": "#/components/schemas/Distribution"},
                  "device": {"type": ["object", "null"], "properties": {
                    "devicetype": {"oneOf": [{"$ref": "#/components/schemas/Integer"}, {"type": "null"}]},
                    "os": {"type": ["string", "null"], "maxLength": 1024},
                    "w": {"$ref": "#/components/schemas/NonNegative"}, "h": {"$ref": "#/components/schemas/NonNegative"},
                    "ppi": {"$ref": "#/components/schemas/NonNegative"}, "pxratio": {"$ref": "#/components/schemas/NonNegative"},
                    "lmt": {"$ref": "#/components/schemas/Flag"}, "dnt": {"$ref": "#/components/schemas/Flag"},
                    "geo": {"$ref": "#/components/schemas/Geo"}}},
                  "user": {"type": ["object", "null"], "properties": {
                    "id": {"oneOf": [{"$ref": "#/components/schemas/UserID"}, {"type": "null"}]},
                    "keywords": {"$ref": "#/components/schemas/Keywords"}, "kwarray": {"$ref": "#/components/schemas/KeywordArray"},
                    "geo": {"$ref": "#/components/schemas/Geo"}, "consent": {"$ref": "#/components/schemas/PrivacyString"},
                    "ext": {"type": ["object", "null"], "properties": {"consent": {"$ref": "#/components/schemas/PrivacyString"}}}}},
                  "tmax": {"type": ["integer", "null"], "minimum": 0, "maximum": 9223372036854775807},
                  "test": {"$ref": "#/components/schemas/Flag"},
                  "cur": {"type": ["array", "null"], "maxItems": 32, "items": {"type": "string", "maxLength": 8}},
                  "regs": {"type": ["object", "null"], "properties": {"gdpr": {"$ref": "#/components/schemas/Flag"}, "coppa": {"$ref": "#/components/schemas/Flag"},
                    "us_privacy": {"$ref": "#/components/schemas/PrivacyString"}, "gpp": {"$ref": "#/components/schemas/PrivacyString"},
                    "gpp_sid": {"$ref": "#/components/schemas/SectionIDs"},
                    "ext": {"type": ["object", "null"], "properties": {"gdpr": {"$ref": "#/components/schemas/Flag"},
                      "us_privacy": {"$ref": "#/components/schemas/PrivacyString"}, "gpp": {"$ref": "#/components/schemas/PrivacyString"},
                      "gpp_sid": {"$ref": "#/components/schemas/SectionIDs"}}}}}},
                "not": {"anyOf": [
                  {"required": ["site", "app"], "properties": {"site": {"type": "object"}, "app": {"type": "object"}}},
                  {"required": ["site", "dooh"], "properties": {"site": {"type": "object"}, "dooh": {"type": "object"}}},
                  {"required": ["app", "dooh"], "properties": {"app": {"type": "object"}, "dooh": {"type": "object"}}}]},
                "description": "OpenRTB 2.6 BidRequest: the fields Vickrey reads (others are ignored). At most one of site, app and dooh."},
              "AdResponse": {"type": "object", "required": ["request_id", "ads", "unfilled"], "properties": {
                "request_id": {"type": "string"},
                "ads": {"type": "array", "items": {"$ref": "#/components/schemas/Ad"}},
                "unfilled": {"type": "array", "items": {"type": "string"}},
                "debug": {"type": "object", "required": ["placements", "privacy"], "properties": {
                  "privacy": {"type": "object", "required": ["outcome", "reasons"], "properties": {
                    "outcome": {"type": "string", "enum": ["personalized", "contextual", "no_ad"]}, "reasons": {"type": "array", "items": {"type": "string"}}}},
                  "placements": {"type": "array", "items": {"type": "object",
                  "required": ["placement_id", "floor_micros", "candidates", "targeting_rejections"],
                  "properties": {"placement_id": {"type": "string"}, "floor_micros": {"type": "integer"}, "targeting_rejections": {"type": "integer"},
                    "winner": {"type": ["string", "null"]}, "clearing_ecpm_micros": {"type": ["integer", "null"]}, "price_rule": {"type": ["string", "null"]},
                    "no_fill_reason": {"type": ["string", "null"]},
                    "floor_multiplier_ppm": {"type": "integer", "description": "What multiplied the placement's and the request's floors (1000000: nothing)."},
                    "increment_micros": {"type": "integer"},
                    "experiment": {"type": ["string", "null"], "description": "The experiment whose arm set this auction's parameters."},
                    "deal_id": {"type": ["string", "null"], "description": "The deal the placement was won in."},
                    "deals": {"type": "array", "items": {"type": "object", "required": ["id", "at", "floor_micros", "winner", "clearing_ecpm_micros"],
                      "properties": {"id": {"type": "string"}, "at": {"type": "integer"}, "floor_micros": {"type": "integer"},
                        "winner": {"type": ["string", "null"]}, "clearing_ecpm_micros": {"type": ["integer", "null"]}}}},
                    "arm": {"type": ["string", "null"]},
                    "candidates": {"type": "array", "items": {"type": "object", "required": ["campaign_id", "advertiser_id", "score_micros", "stage", "reason"],
                      "properties": {"campaign_id": {"type": "string"}, "advertiser_id": {"type": "string"}, "score_micros": {"type": "integer"},
                        "stage": {"type": "string", "enum": ["targeting", "already_won", "flight", "floor", "frequency_cap", "pacing", "budget", "outbid", "won"]},
                        "reason": {"type": "string"},
                        "ctr": {"type": "object", "required": ["prior_ppm"], "description": "A CPC campaign's declared prior and the CTR it is scored with, learned from its recorded impressions and clicks.",
                          "properties": {"prior_ppm": {"type": "integer"}, "learned_ppm": {"type": "integer"}, "impressions": {"type": "integer"},
                            "clicks": {"type": "integer"}, "prior_weight": {"type": "integer"}}}}}}}}}}}}},
              "Ad": {"type": "object", "required": ["placement_id", "campaign_id", "advertiser_id", "creative", "pricing", "clearing_ecpm_micros", "price_micros", "impression_url", "click_url", "viewable_url"],
                "properties": {
                  "placement_id": {"type": "string"}, "campaign_id": {"type": "string"}, "advertiser_id": {"type": "string"},
                  "creative": {"type": "object", "required": ["id", "click_url", "adomain"], "properties": {
                    "id": {"type": "string"}, "format": {"enum": ["video", "native"], "description": "Absent for a banner."},
                    "size": {"type": "string", "description": "A banner's."}, "image_url": {"type": "string", "description": "A banner's."},
                    "click_url": {"type": "string"}, "adomain": {"type": "array", "items": {"type": "string"}}}},
                  "format": {"enum": ["video", "native"], "description": "Present for a video or native ad."},
                  "vast": {"type": "string", "description": "A video ad's inline VAST 4.2 XML; every tracking URL is a signed beacon."},
                  "native": {"type": "object", "description": "A native ad's assets; its trackers are the ad's impression, click and viewable URLs.",
                    "properties": {"title": {"type": "string"}, "description": {"type": ["string", "null"]}, "image_url": {"type": "string"},
                      "image_width": {"type": "integer"}, "image_height": {"type": "integer"}, "icon_url": {"type": ["string", "null"]},
                      "call_to_action": {"type": ["string", "null"]}, "sponsored_by": {"type": ["string", "null"]}}},
                  "pricing": {"type": "string", "enum": $PRICINGS},
                  "clearing_ecpm_micros": {"type": "integer", "minimum": 0},
                  "price_micros": {"type": "integer", "minimum": 0},
                  "impression_url": {"type": "string"}, "click_url": {"type": "string"},
                  "viewable_url": {"type": "string", "description": "Fire once the ad is viewable (MRC: half its pixels in view for one continuous second); the web tag does it."},
                  "deal_id": {"type": "string", "description": "The deal the ad was won in (absent for the open auction)."}}},
              "BidResponse": {"type": "object", "required": ["id", "seatbid", "cur"], "properties": {
                "id": {"type": "string"}, "cur": {"type": "string"},
                "seatbid": {"type": "array", "items": {"type": "object", "required": ["bid"], "properties": {"seat": {"type": "string"},
                  "bid": {"type": "array", "minItems": 1, "items": {"type": "object", "required": ["id", "impid", "price", "adm", "crid", "cid", "mtype", "nurl", "burl"],
                    "properties": {"id": {"type": "string"}, "impid": {"type": "string"}, "price": {"type": "number", "minimum": 0}, "adm": {"type": "string"},
                      "adomain": {"type": "array", "items": {"type": "string"}}, "crid": {"type": "string"}, "cid": {"type": "string"},
                      "w": {"type": "integer"}, "h": {"type": "integer"}, "mtype": {"type": "integer", "enum": [1, 2, 4], "description": "1 banner (HTML adm), 2 video (inline VAST 4.2), 4 native (Native 1.2 response)."},
                      "nurl": {"type": "string"}, "burl": {"type": "string"}, "dealid": {"type": "string"}}}}}}}}},
              "LedgerRecord": {"type": "object",
                "required": ["seq", "kind", "billed", "reason", "impression_id", "request_id", "campaign_id", "advertiser_id", "creative_id",
                             "placement_id", "pricing", "clearing_ecpm_micros", "charge_nanos", "event_time", "prev_hash", "hash", "kid", "sig"],
                "properties": {
                  "seq": {"type": "integer", "minimum": 1}, "kind": {"type": "string", "enum": $BEACON_KINDS}, "billed": {"type": "boolean"},
                  "reason": {"type": ["string", "null"]}, "impression_id": {"type": "string"}, "request_id": {"type": "string"},
                  "campaign_id": {"type": "string"}, "advertiser_id": {"type": "string"}, "creative_id": {"type": "string"}, "placement_id": {"type": "string"},
                  "pricing": {"type": "string", "enum": $PRICINGS}, "clearing_ecpm_micros": {"type": "integer"}, "charge_nanos": {"type": "integer", "minimum": 0},
                  "event_time": {"type": "string"}, "prev_hash": {"type": "string", "pattern": "^[0-9a-f]{64}$"}, "hash": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                  "kid": {"type": "string"}, "sig": {"type": "string"},
                  "server_id": {"type": "string", "description": "The fleet server whose chain holds the record (absent in a single server's ledger)."},
                  "experiment": {"type": "string", "description": "The experiment the ad was sold under (absent outside experiments, with arm and unit_bucket)."},
                  "arm": {"type": "string"}, "unit_bucket": {"type": "integer", "minimum": 0, "maximum": 127}}},
              "LedgerChains": {"type": "object", "required": ["chains"], "properties": {"chains": {"type": "array", "items": {"type": "object",
                "required": ["server_id", "last_seq", "hash"], "properties": {
                  "server_id": {"type": ["string", "null"], "description": "null for a single server's (SQLite) ledger."},
                  "last_seq": {"type": "integer", "minimum": 1}, "hash": {"type": "string", "pattern": "^[0-9a-f]{64}$"}}}}}},
              "LedgerPage": {"type": "object", "required": ["records", "next_after", "has_more", "last_seq"], "properties": {
                "server_id": {"type": ["string", "null"], "description": "The chain paged."},
                "records": {"type": "array", "items": {"$ref": "#/components/schemas/LedgerRecord"}},
                "next_after": {"type": "integer"}, "has_more": {"type": "boolean"},
                "last_seq": {"type": "integer", "description": "The chain's newest sequence number (0 when empty)."}}},
              "Budget": {"type": "object", "required": ["campaign_id", "spent_total_nanos", "spent_today_nanos", "reserved_nanos", "open_reservations",
                                                         "daily_budget_nanos", "total_budget_nanos", "pacing", "pass_through"],
                "properties": {"campaign_id": {"type": "string"}, "spent_total_nanos": {"type": "integer"}, "spent_today_nanos": {"type": "integer"},
                  "reserved_nanos": {"type": "integer"}, "open_reservations": {"type": "integer"},
                  "unreserved_wins": {"type": "integer", "description": "Wins served without a reservation, the campaign being at its cap on open reservations (docs/budgets.md)."},
                  "daily_budget_nanos": {"type": ["integer", "null"]},
                  "total_budget_nanos": {"type": "integer"}, "pacing": {"type": "string", "enum": ["asap", "even"]}, "pass_through": {"type": "number"},
                  "time_zone": {"type": "string", "description": "The IANA zone whose midnight starts the budget day."},
                  "lease": {"type": ["object", "null"], "description": "A fleet server's leases (null on a single server); fleet figures as of its last settle, null before one.",
                    "required": ["lifetime_nanos", "daily_nanos", "unreserved_nanos", "fleet_spent_total_nanos", "fleet_spent_today_nanos",
                                 "fleet_outstanding_lifetime_nanos", "fleet_outstanding_today_nanos"],
                    "properties": {"lifetime_nanos": {"type": "integer"}, "daily_nanos": {"type": ["integer", "null"]}, "unreserved_nanos": {"type": "integer"},
                      "fleet_spent_total_nanos": {"type": ["integer", "null"]}, "fleet_spent_today_nanos": {"type": ["integer", "null"]},
                      "fleet_outstanding_lifetime_nanos": {"type": ["integer", "null"]}, "fleet_outstanding_today_nanos": {"type": ["integer", "null"]}}}}},
              "JWKS": {"type": "object", "required": ["keys"], "properties": {"keys": {"type": "array", "items": {"type": "object",
                "required": ["kty", "crv", "kid", "x"], "properties": {"kty": {"type": "string", "enum": ["OKP"]}, "crv": {"type": "string", "enum": ["Ed25519"]},
                  "kid": {"type": "string"}, "x": {"type": "string"}, "use": {"type": "string"}, "alg": {"type": "string"}}}}}}
            }
          }
        }
        """#
}
