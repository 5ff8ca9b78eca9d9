import VickreyStore

/// The admin API's part of the OpenAPI document: its paths, parameters and schemas,
/// spliced into `OpenAPIDocument` (kept apart so neither file outgrows a reader).
extension OpenAPIDocument {
    /// Every admin operation answers these besides its success.
    private static let refusals = ##"""
        "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"},
        "403": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"},
        "409": {"$ref": "#/components/responses/Error"}, "413": {"$ref": "#/components/responses/Error"},
        "429": {"$ref": "#/components/responses/Error"}, "503": {"$ref": "#/components/responses/Error"}
        """##

    private static func operation(_ summary: String, _ success: String, parameters: String = "[]", body: String? = nil) -> String {
        let requestBody =
            body.map {
                ##""requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/\##($0)"}}}},"##
            } ?? ""
        return ##"""
            {"summary": "\##(summary)", "security": [{"apiKey": []}], "parameters": \##(parameters), \##(requestBody)
             "responses": {\##(success), \##(refusals)}}
            """##
    }

    private static func ok(_ schema: String, status: Int = 200) -> String {
        ##""\##(status)": {"description": "Done.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/\##(schema)"}}}}"##
    }

    private static let idParameter = ##"{"name": "id", "in": "path", "required": true, "schema": {"$ref": "#/components/schemas/ID"}}"##
    private static let pageParameters = ##"""
        {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 500}},
        {"name": "after", "in": "query", "schema": {"type": "string", "maxLength": 64}}
        """##

    static let adminPaths = ##"""
        "/v1/admin/advertisers": {
          "get": \##(operation("Advertisers, by id, a page at a time (admin: all; advertiser key: its own).", ok("AdvertiserPage"), parameters: "[\(pageParameters)]")),
          "post": \##(operation("Create an advertiser (admin).", ok("Advertiser", status: 201), body: "Advertiser"))},
        "/v1/admin/advertisers/{id}": {
          "get": \##(operation("One advertiser (an advertiser key: its own only; any other is 404).", ok("Advertiser"), parameters: "[\(idParameter)]"))},
        "/v1/admin/campaigns": {
          "get": \##(operation("Campaigns in the campaign JSON, by id, a page at a time (an advertiser key: its own only).", ok("CampaignPage"), parameters: """
            [\(pageParameters),
             {"name": "advertiser", "in": "query", "schema": {"$ref": "#/components/schemas/ID"}},
             {"name": "status", "in": "query", "schema": {"type": "string", "enum": ["active", "paused", "archived"]}}]
            """)),
          "post": \##(operation("Create a campaign from the campaign JSON, validated as adctl campaign import validates it (admin).", ok("Campaign", status: 201), body: "Campaign"))},
        "/v1/admin/campaigns/{id}": {
          "get": \##(operation("One campaign in the campaign JSON (an advertiser key: its own only; any other is 404).", ok("Campaign"), parameters: "[\(idParameter)]")),
          "put": \##(operation("Replace a campaign with the campaign JSON; its id and advertiser stay (admin).", ok("Campaign"), parameters: "[\(idParameter)]", body: "Campaign"))},
        "/v1/admin/campaigns/{id}/pause": {
          "post": \##(operation("Pause an active campaign (admin, or its advertiser's key).", ok("Campaign"), parameters: "[\(idParameter)]"))},
        "/v1/admin/campaigns/{id}/resume": {
          "post": \##(operation("Resume a paused campaign (admin, or its advertiser's key).", ok("Campaign"), parameters: "[\(idParameter)]"))},
        "/v1/admin/campaigns/{id}/archive": {
          "post": \##(operation("Archive a campaign for good (admin).", ok("Campaign"), parameters: "[\(idParameter)]"))},
        "/v1/admin/campaigns/{id}/delivery": {
          "get": \##(operation("A campaign's delivery by UTC hour, from the ledger.", ok("HourlyDelivery"), parameters: """
            [\(idParameter), {"name": "hours", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 744}}]
            """))},
        "/v1/admin/campaigns/{id}/line-item": {
          "get": \##(operation("A sponsorship's or standard line item's delivery status (404 for other campaigns).", ok("LineItemStatus"), parameters: "[\(idParameter)]"))},
        "/v1/admin/forecasts": {
          "post": \##(operation("Forecast a proposed line item (campaign JSON): matched requests, availability, contending line items, an interval and warnings (admin; docs/forecasting.md).", ok("Forecast"), parameters: """
            [{"name": "from", "in": "query", "schema": {"type": "string", "maxLength": 64}},
             {"name": "to", "in": "query", "schema": {"type": "string", "maxLength": 64}},
             {"name": "weeks", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 52}}]
            """, body: "Campaign"))},
        "/v1/admin/line-items": {
          "get": \##(operation("Every served sponsorship and standard line item's delivery status (an advertiser key: its own).", ok("LineItemStatusList")))},
        "/v1/admin/reports": {
          "get": \##(operation("The figures of adctl report: delivery and spend by campaign, by campaign and day, by advertiser, by placement or by campaign and creative, for events at or after since and before until (an advertiser key: its own campaigns).", ok("DeliveryReport"), parameters: """
            [{"name": "by", "in": "query", "schema": {"type": "string", "enum": [\(DeliveryReport.Grouping.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", "))]}},
             {"name": "since", "in": "query", "schema": {"type": "string", "maxLength": 64}},
             {"name": "until", "in": "query", "schema": {"type": "string", "maxLength": 64}}]
            """))},
        "/v1/admin/audit": {
          "get": \##(operation("The audit log, newest first: every change made through the admin API, the console or adctl, with who made it and the thing before and after (admin; docs/api.md#the-audit-log).", ok("AuditPage"), parameters: """
            [{"name": "campaign", "in": "query", "schema": {"$ref": "#/components/schemas/ID"}},
             {"name": "before", "in": "query", "schema": {"type": "integer", "minimum": 1}},
             {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 500}}]
            """))},
        "/v1/admin/experiments": {
          "get": \##(operation("Every experiment, oldest first (admin).", ok("ExperimentList"))),
          "post": \##(operation("Start an experiment from the experiment JSON (admin).", ok("Experiment", status: 201), body: "ExperimentInput"))},
        "/v1/admin/experiments/{id}": {
          "get": \##(operation("One experiment (admin).", ok("Experiment"), parameters: "[\(idParameter)]"))},
        "/v1/admin/experiments/{id}/stop": {
          "post": \##(operation("Stop a running experiment (admin).", ok("Experiment"), parameters: "[\(idParameter)]"))},
        "/v1/admin/experiments/{id}/report": {
          "get": \##(operation("Per arm results with 95% confidence intervals, as adctl experiment report --json (admin).", ok("ExperimentReport"), parameters: "[\(idParameter)]"))},
        """##

    static let adminSchemas = ##"""
        "AuditEntry": {"type": "object", "required": ["id", "time", "actor", "action", "campaign_id", "subject", "before", "after"], "properties": {
          "id": {"type": "integer"}, "time": {"type": "string"}, "actor": {"type": "string"},
          "action": {"type": "string", "enum": [\##(AuditAction.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", "))]},
          "campaign_id": {"type": ["string", "null"]}, "subject": {"type": "string"},
          "before": {"type": ["object", "null"]}, "after": {"type": ["object", "null"]}}},
        "AuditPage": {"type": "object", "required": ["entries", "next_before"], "properties": {
          "entries": {"type": "array", "items": {"$ref": "#/components/schemas/AuditEntry"}}, "next_before": {"type": ["integer", "null"]}}},
        "Advertiser": {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}, "name": {"type": "string"}}},
        "AdvertiserPage": {"type": "object", "required": ["advertisers", "next_after"], "properties": {
          "advertisers": {"type": "array", "items": {"$ref": "#/components/schemas/Advertiser"}}, "next_after": {"type": ["string", "null"]}}},
        "Campaign": {"type": "object", "required": ["id", "advertiser_id", "pricing", "bid_micros", "total_budget_micros"],
          "description": "The campaign JSON of adctl campaign import/export (docs/campaign-json.md); values are validated as adctl validates them.",
          "properties": {"id": {"type": "string"}, "advertiser_id": {"type": "string"}, "name": {"type": ["string", "null"]},
            "status": {"type": ["string", "null"]}, "pricing": {"type": "string"}, "bid_micros": {"type": "integer"},
            "predicted_ctr": {"type": ["number", "null"]}, "daily_budget_micros": {"type": ["integer", "null"]},
            "total_budget_micros": {"type": "integer"}, "start": {"type": ["string", "null"]}, "end": {"type": ["string", "null"]},
            "time_zone": {"type": ["string", "null"]}, "pacing": {"type": ["string", "null"]}, "frequency_cap": {"type": ["object", "null"]},
            "targeting": {"type": ["object", "null"]}, "creatives": {"type": ["array", "null"]}, "deals": {"type": ["array", "null"]},
            "delivery": {"type": ["object", "null"], "description": "A line item's type, goal, booked rate and pace (docs/line-items.md)."},
            "exclusion_labels": {"type": ["array", "null"], "items": {"type": "string"}}, "roadblock": {"type": ["string", "null"]},
            "warnings": {"type": "array", "items": {"type": "string"}, "description": "In a create or replace answer: a standard line item booked past its forecast availability."}}},
        "Forecast": {"type": "object", "required": ["campaign_id", "type", "from", "to", "matched", "available", "low", "high", "history_weeks", "projected_samples", "contenders", "warnings"],
          "description": "docs/forecasting.md",
          "properties": {"campaign_id": {"type": "string"}, "type": {"type": "string"}, "from": {"type": "string"}, "to": {"type": "string"},
            "goal": {"type": ["integer", "null"]}, "matched": {"type": "integer"}, "available": {"type": "integer"}, "low": {"type": "integer"},
            "high": {"type": "integer"}, "history_weeks": {"type": "integer"}, "projected_samples": {"type": "integer"},
            "contenders": {"type": "array", "items": {"type": "object", "required": ["campaign_id", "type", "takes"], "properties": {
              "campaign_id": {"type": "string"}, "type": {"type": "string"}, "takes": {"type": "integer"}}}},
            "warnings": {"type": "array", "items": {"type": "string"}}}},
        "LineItemStatus": {"type": "object", "required": ["campaign_id", "type", "rate_micros", "delivered", "status"],
          "description": "docs/line-items.md#delivery-status",
          "properties": {"campaign_id": {"type": "string"}, "type": {"type": "string", "enum": ["sponsorship", "standard"]},
            "rate_micros": {"type": "integer"}, "delivered": {"type": "integer"}, "goal": {"type": "integer"}, "pace": {"type": "string"},
            "expected_to_date": {"type": ["integer", "null"]}, "pacing_ratio_ppm": {"type": ["integer", "null"]},
            "projected": {"type": ["integer", "null"]}, "share_percent": {"type": "integer"}, "matched": {"type": ["integer", "null"]},
            "taken": {"type": ["integer", "null"]}, "status": {"type": "string", "enum": ["on_track", "behind", "at_risk", "completed"]}}},
        "LineItemStatusList": {"type": "object", "required": ["line_items"], "properties": {
          "line_items": {"type": "array", "items": {"$ref": "#/components/schemas/LineItemStatus"}}}},
        "CampaignPage": {"type": "object", "required": ["campaigns", "next_after"], "properties": {
          "campaigns": {"type": "array", "items": {"$ref": "#/components/schemas/Campaign"}}, "next_after": {"type": ["string", "null"]}}},
        "HourlyDelivery": {"type": "object", "required": ["campaign_id", "hours"], "properties": {"campaign_id": {"type": "string"},
          "hours": {"type": "array", "items": {"type": "object", "required": ["hour", "impressions", "clicks", "spend_nanos"], "properties": {
            "hour": {"type": "string"}, "impressions": {"type": "integer"}, "clicks": {"type": "integer"}, "spend_nanos": {"type": "integer"}}}}}},
        "DeliveryReport": {"type": "array", "items": {"type": "object",
          "required": ["day", "impressions", "clicks", "unbilled", "spend_nanos", "ctr_ppm", "ecpm_micros", "gross_impressions",
                       "gross_clicks", "invalid", "measured_impressions", "viewable_impressions", "viewability_ppm", "completed_views", "completion_ppm"],
          "properties": {"campaign_id": {"type": "string", "description": "Absent by advertiser and by placement."},
            "advertiser_id": {"type": "string", "description": "By advertiser only."}, "placement_id": {"type": "string", "description": "By placement only."},
            "creative_id": {"type": "string", "description": "By creative only."}, "day": {"type": "string"}, "impressions": {"type": "integer", "description": "Net: billed."},
            "clicks": {"type": "integer"}, "unbilled": {"type": "integer"}, "spend_nanos": {"type": "integer"}, "ctr_ppm": {"type": "integer"},
            "ecpm_micros": {"type": "integer"}, "gross_impressions": {"type": "integer"}, "gross_clicks": {"type": "integer"},
            "invalid": {"type": "object", "description": "Invalid events of every kind by category.",
              "required": ["known_robot", "non_browser", "datacenter", "prefetch", "click_too_fast"],
              "additionalProperties": {"type": "integer"}},
            "measured_impressions": {"type": "integer"}, "viewable_impressions": {"type": "integer"}, "viewability_ppm": {"type": "integer"},
            "completed_views": {"type": "integer", "description": "Valid video complete events."},
            "completion_ppm": {"type": "integer", "description": "Completed views per million measured impressions."}}}},
        "ExperimentInput": {"type": "object", "required": ["id", "arms"], "description": "The experiment JSON of adctl experiment create (docs/yield.md).",
          "properties": {"id": {"type": "string"}, "status": {"type": "string"}, "unit": {"type": "string"},
            "placements": {"type": ["array", "null"], "items": {"type": "string"}},
            "arms": {"type": "array", "items": {"type": "object", "required": ["name", "weight"], "properties": {
              "name": {"type": "string"}, "weight": {"type": "integer"}, "minimum_floor_micros": {"type": ["integer", "null"]},
              "increment_micros": {"type": ["integer", "null"]}, "floor_multiplier_ppm": {"type": ["integer", "null"]}}}}}},
        "Experiment": {"type": "object", "required": ["id", "status", "unit", "placements", "arms", "created_at", "stopped_at"], "properties": {
          "id": {"type": "string"}, "status": {"type": "string", "enum": ["running", "stopped"]}, "unit": {"type": "string"},
          "placements": {"type": "array", "items": {"type": "string"}}, "arms": {"type": "array"},
          "created_at": {"type": "string"}, "stopped_at": {"type": ["string", "null"]}}},
        "ExperimentList": {"type": "array", "items": {"$ref": "#/components/schemas/Experiment"}},
        "ExperimentReport": {"type": "object", "required": ["experiment", "status", "method", "arms", "sample_ratio"], "properties": {
          "experiment": {"type": "string"}, "status": {"type": "string"}, "method": {"type": "string"}, "confidence": {"type": "number"},
          "arms": {"type": "array"}, "sample_ratio": {"type": "object"}}},
        """##
}
